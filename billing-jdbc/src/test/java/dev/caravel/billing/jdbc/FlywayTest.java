package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Activity;
import dev.caravel.billing.testkit.Fixture;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * Hosts that run Flyway point it at the scripts in the jar, with billing's own history table; the
 * result is a working ledger. The built-in migrator keeps the same history in the same format, so
 * either can take over from the other.
 */
class FlywayTest {

  @Test
  void flywayMigratesPostgres() {
    onPostgres(
        (pool, schema) -> {
          assertThat(JdbcRepository.migrationLocation(pool))
              .isEqualTo("classpath:db/caravel-billing/postgresql");
          migrateAndUse(pool, schema);
        });
  }

  @Test
  void flywayMigratesH2() {
    onH2(
        h2 -> {
          assertThat(JdbcRepository.migrationLocation(h2))
              .isEqualTo("classpath:db/caravel-billing/h2");
          migrateAndUse(h2, "PUBLIC");
        });
  }

  @Test
  void flywayAcceptsWhatTheBuiltInMigratorRecordedOnPostgres() {
    onPostgres((pool, schema) -> builtInThenFlyway(pool, schema));
  }

  @Test
  void flywayAcceptsWhatTheBuiltInMigratorRecordedOnH2() {
    onH2(h2 -> builtInThenFlyway(h2, "PUBLIC"));
  }

  @Test
  void theBuiltInMigratorTakesOverFromFlywayOnPostgres() {
    onPostgres((pool, schema) -> flywayThenBuiltIn(pool, schema));
  }

  @Test
  void theBuiltInMigratorTakesOverFromFlywayOnH2() {
    onH2(h2 -> flywayThenBuiltIn(h2, "PUBLIC"));
  }

  private static Flyway flyway(DataSource db, String schema) {
    return Flyway.configure()
        .dataSource(db)
        .locations(JdbcRepository.migrationLocation(db))
        .table(JdbcRepository.SCHEMA_HISTORY_TABLE)
        .schemas(schema)
        .load();
  }

  private static void migrateAndUse(DataSource db, String schema) {
    Flyway flyway = flyway(db, schema);
    assertThat(flyway.migrate().migrationsExecuted).isEqualTo(Migrations.ALL.size());
    assertThat(flyway.migrate().migrationsExecuted).isZero();
    use(db);
  }

  /** Versions, descriptions and checksums as Flyway would have written them: it validates. */
  private static void builtInThenFlyway(DataSource db, String schema) {
    Migrations.migrate(db, 5);
    Flyway flyway = flyway(db, schema);
    // V1..V5 as recorded must match the scripts; V6 and V7 are merely pending.
    Flyway.configure()
        .configuration(flyway.getConfiguration())
        .ignoreMigrationPatterns("*:pending")
        .load()
        .validate();
    assertThat(flyway.info().pending()).hasSize(Migrations.ALL.size() - 5);
    assertThat(flyway.migrate().migrationsExecuted).isEqualTo(Migrations.ALL.size() - 5);
    use(db);
  }

  private static void flywayThenBuiltIn(DataSource db, String schema) {
    Flyway flyway = flyway(db, schema);
    flyway.migrate();
    JdbcRepository.migrate(db); // finds every version applied; would fail re-running V1
    assertThat(flyway.info().applied()).hasSize(Migrations.ALL.size());
    use(db);
  }

  private static void use(DataSource db) {
    JdbcRepository repo = new JdbcRepository(db);
    Activity created = Activity.create("evt-1", Fixture.pubkey(1), "relay-1", "basic", Fixture.T0);
    assertThat(Fixture.appendAsRead(repo, created)).isTrue();
    assertThat(repo.ledgers(List.of(Fixture.pubkey(1))).get(0).activities())
        .containsExactly(created);
  }

  private interface OnPostgres {
    void run(DataSource pool, String schema);
  }

  private static void onPostgres(OnPostgres test) {
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 2)) {
      test.run(pool, schema);
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  private static void onH2(java.util.function.Consumer<DataSource> test) {
    DataSource h2 = Databases.newH2();
    try {
      test.accept(h2);
    } finally {
      Databases.shutdownH2(h2);
    }
  }
}
