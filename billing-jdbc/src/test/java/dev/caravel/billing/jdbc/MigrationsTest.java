package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Activity;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.testkit.Fixture;
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

  /** V2 (collection holds) upgrades a V1 database that holds a ledger, and keeps it. */
  @Test
  @Timeout(120)
  void aVersionOneLedgerUpgradesInPlaceOnPostgres() throws SQLException {
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 2)) {
      upgradesInPlace(pool, Dialect.POSTGRESQL);
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  @Test
  void aVersionOneLedgerUpgradesInPlaceOnH2() throws SQLException {
    DataSource h2 = Databases.newH2();
    upgradesInPlace(h2, Dialect.H2);
    Databases.shutdownH2(h2);
  }

  private static void upgradesInPlace(DataSource db, Dialect dialect) throws SQLException {
    // A database as 0.1 left it: V1 alone, recorded as applied.
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      for (String sql : Migrations.statements(Migrations.script(dialect, Migrations.ALL.get(0)))) {
        s.execute(sql);
      }
      s.execute(
          "CREATE TABLE billing_schema_version (version INTEGER PRIMARY KEY, "
              + "description VARCHAR NOT NULL, applied_at TIMESTAMP WITH TIME ZONE)");
      s.execute(
          "INSERT INTO billing_schema_version (version, description) VALUES (1, 'billing_schema')");
    }
    // ... holding a ledger written through the V1 columns: an activity and its item, billed.
    Fixture fx = new Fixture("up");
    String alice = Fixture.pubkey(0xa11ce);
    Activity created = fx.create(alice, "r1", Fixture.T0);
    try (Connection c = db.getConnection()) {
      OldLedger.createdAndBilled(c, created, 500);
    }

    JdbcRepository.migrate(db);

    JdbcRepository upgraded = new JdbcRepository(db);
    // V5's backfill: the tenant is due once, nothing unbilled; its whole log is read.
    assertThat(
            upgraded.takeDueTenants(
                "node", "cycle", Fixture.seconds(60), java.time.Duration.ofMinutes(5), 10))
        .containsExactly(alice);
    assertThat(upgraded.ledgers(List.of(alice)).get(0).activities()).containsExactly(created);
    Fixture.Claiming claiming = Fixture.claim(alice, "inv-1", Fixture.seconds(60));
    assertThat(upgraded.claim(List.of(claiming.claim()), c -> claiming.invoiceId())).hasSize(1);
    assertThat(upgraded.findInvoice("inv-1").orElseThrow().total()).isEqualTo(500);
    assertThat(upgraded.invoiceItems("inv-1")).hasSize(1);
    assertThat(upgraded.collectionState("inv-1").orElseThrow().hold()).isEmpty();
    PaymentLease lease =
        upgraded
            .acquireLease("inv-1", "node", Fixture.seconds(60), java.time.Duration.ofMinutes(5))
            .orElseThrow();
    CollectionHold pending = new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_1");
    assertThat(upgraded.holdRound(lease, pending)).isTrue();
    assertThat(upgraded.collectionState("inv-1").orElseThrow().hold()).contains(pending);
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT MAX(version) FROM billing_schema_version")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(Migrations.ALL.get(Migrations.ALL.size() - 1).version());
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
