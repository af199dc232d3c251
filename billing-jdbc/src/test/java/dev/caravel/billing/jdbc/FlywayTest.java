package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Activity;
import dev.caravel.billing.testkit.Fixture;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** Hosts that run Flyway point it at the scripts in the jar; the result is a working ledger. */
class FlywayTest {

  @Test
  void flywayMigratesPostgres() {
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 2)) {
      migrateAndUse(pool, "classpath:db/migration/postgresql", schema);
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  @Test
  void flywayMigratesH2() {
    DataSource h2 = Databases.newH2();
    migrateAndUse(h2, "classpath:db/migration/h2", "PUBLIC");
    Databases.shutdownH2(h2);
  }

  private static void migrateAndUse(DataSource db, String location, String schema) {
    Flyway flyway = Flyway.configure().dataSource(db).locations(location).schemas(schema).load();
    assertThat(flyway.migrate().migrationsExecuted).isEqualTo(Migrations.ALL.size());
    assertThat(flyway.migrate().migrationsExecuted).isZero();

    JdbcRepository repo = new JdbcRepository(db);
    Activity created = Activity.create("evt-1", Fixture.pubkey(1), "relay-1", "basic", Fixture.T0);
    assertThat(repo.appendActivity(created)).isTrue();
    assertThat(repo.ledgers(java.util.List.of(Fixture.pubkey(1))).get(0).activities())
        .containsExactly(created);
  }
}
