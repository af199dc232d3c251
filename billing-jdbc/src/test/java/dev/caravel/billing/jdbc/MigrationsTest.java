package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.testkit.Race;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class MigrationsTest {

  @Test
  @Timeout(120)
  void instancesStartingTogetherMigratePostgresOnce() throws SQLException {
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 8)) {
      Race.all(
          8,
          i -> {
            JdbcRepository.migrate(pool);
            return null;
          });
      JdbcRepository.migrate(pool);
      assertMigrated(pool);
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  @Test
  @Timeout(120)
  void instancesStartingTogetherMigrateH2Once() throws SQLException {
    DataSource h2 = Databases.newH2();
    Race.all(
        8,
        i -> {
          JdbcRepository.migrate(h2);
          return null;
        });
    JdbcRepository.migrate(h2);
    assertMigrated(h2);
    Databases.shutdownH2(h2);
  }

  @Test
  void scriptsSplitIntoStatementsWithoutComments() {
    List<String> statements =
        Migrations.statements(
            "-- a comment; with a semicolon\n"
                + "CREATE TABLE a (x INT); -- trailing\n\nCREATE INDEX b ON a (x);\n");
    assertThat(statements).containsExactly("CREATE TABLE a (x INT)", "CREATE INDEX b ON a (x)");
  }

  @Test
  void everyScriptExistsForEveryDialect() {
    for (Dialect dialect : Dialect.values()) {
      for (Migrations.Migration m : Migrations.ALL) {
        assertThat(Migrations.statements(Migrations.script(dialect, m))).isNotEmpty();
      }
    }
  }

  private static void assertMigrated(DataSource db) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      List<Integer> versions = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery("SELECT version FROM billing_schema_version ORDER BY version")) {
        while (rs.next()) {
          versions.add(rs.getInt(1));
        }
      }
      assertThat(versions)
          .containsExactlyElementsOf(
              Migrations.ALL.stream().map(Migrations.Migration::version).toList());
      for (String table :
          List.of(
              "billing_tenant",
              "billing_relay",
              "billing_activity",
              "billing_invoice",
              "billing_payment",
              "billing_card_charge",
              "billing_item",
              "billing_bolt11")) {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isZero();
        }
      }
    }
  }
}
