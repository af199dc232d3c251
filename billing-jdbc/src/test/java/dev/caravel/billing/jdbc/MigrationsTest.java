package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.BillingListener;
import dev.caravel.billing.CloseResult;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.RefundResult;
import dev.caravel.billing.Standing;
import dev.caravel.billing.spi.StorageException;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import dev.caravel.billing.testkit.Race;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
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

  /**
   * Billing tables with no record of their migrations anywhere are refused, not migrated again: on
   * H2, whose scripts are idempotent, running them over a ledger would seem to work.
   */
  @Test
  void billingTablesThatNothingRecordsAreRefused() throws SQLException {
    DataSource h2 = Databases.newH2();
    JdbcRepository.migrate(h2);
    try (Connection c = h2.getConnection();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE \"caravel_billing_schema_history\"");
    }
    assertThatThrownBy(() -> JdbcRepository.migrate(h2))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("nor flyway_schema_history")
        .hasMessageContaining("adoptEarlierHistory");
    assertThatThrownBy(() -> JdbcRepository.adoptEarlierHistory(h2, "host_history"))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("nor host_history");
    Databases.shutdownH2(h2);
  }

  /**
   * On a database with nothing of billing's, taking over the earlier history creates nothing: the
   * starter does it before a host's own Flyway, which needs its schema empty on its first run.
   */
  @Test
  void adoptingOnAFreshDatabaseCreatesNothing() throws SQLException {
    DataSource h2 = Databases.newH2();
    JdbcRepository.adoptEarlierHistory(h2, "flyway_schema_history");
    try (Connection c = h2.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'PUBLIC'")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
    assertThatThrownBy(() -> JdbcRepository.adoptEarlierHistory(h2, "x\"; DROP TABLE y; --"))
        .isInstanceOf(IllegalArgumentException.class);
    Databases.shutdownH2(h2);
  }

  /** A script recorded as failed stops the migrator, as it stops Flyway. */
  @Test
  void aFailedScriptInTheHistoryStopsTheMigrator() throws SQLException {
    DataSource h2 = Databases.newH2();
    Migrations.migrate(h2, 6);
    try (Connection c = h2.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO \"caravel_billing_schema_history\" VALUES (100, '7', 'room to update',"
              + " 'SQL', 'V7__room_to_update.sql', 0, 'sa', CURRENT_TIMESTAMP, 0, FALSE)");
    }
    assertThatThrownBy(() -> JdbcRepository.migrate(h2))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("V7__room_to_update.sql failed earlier");
    Databases.shutdownH2(h2);
  }

  /**
   * A V1 database holding a ledger (0.1's schema, written with 0.1's columns) upgrades to the
   * latest version in place: the repository reads what was there, and billing goes on from it.
   * Invoices made before numbering keep their ids; new ones are numbered from 1.
   */
  @Test
  @Timeout(120)
  void aVersionOneLedgerUpgradesInPlaceOnPostgres() throws SQLException {
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 2)) {
      upgradesInPlace(pool);
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  @Test
  void aVersionOneLedgerUpgradesInPlaceOnH2() throws SQLException {
    DataSource h2 = Databases.newH2();
    upgradesInPlace(h2);
    Databases.shutdownH2(h2);
  }

  private static final String ALICE = Fixture.pubkey(0xa11ce);
  private static final String BOB = Fixture.pubkey(0xb0b);

  private static void upgradesInPlace(DataSource db) throws SQLException {
    // A database as 0.1 left it: V1 alone.
    Migrations.migrate(db, 1);
    assertThat(versions(db)).containsExactly(1);
    // ... holding a ledger written through V1's columns: alice has a paid invoice and a credit
    // left unclaimed; bob an unpaid invoice whose first round failed.
    String t0 = "TIMESTAMP WITH TIME ZONE '2026-01-31 10:00:00+00'";
    String t1 = "TIMESTAMP WITH TIME ZONE '2026-01-31 10:01:00+00'";
    String day1 = "TIMESTAMP WITH TIME ZONE '2026-02-01 10:01:00+00'";
    String day10 = "TIMESTAMP WITH TIME ZONE '2026-02-10 10:00:00+00'";
    String end = "TIMESTAMP WITH TIME ZONE '2026-02-28 10:00:00+00'";
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      for (String tenant : List.of(ALICE, BOB)) {
        String last = tenant.equals(ALICE) ? day10 : t0;
        s.execute(
            "INSERT INTO billing_tenant (pubkey, anchor, last_activity_at, activity_count) VALUES ('"
                + tenant
                + "', "
                + t0
                + ", "
                + last
                + ", "
                + (tenant.equals(ALICE) ? 2 : 1)
                + ")");
        s.execute("INSERT INTO billing_relay (tenant, relay) VALUES ('" + tenant + "', 'r1')");
        String act = tenant.equals(ALICE) ? "a-1" : "b-1";
        s.execute(
            "INSERT INTO billing_activity (id, tenant, type, relay, plan, at, billed) VALUES ('"
                + act
                + "', '"
                + tenant
                + "', 'create_relay', 'r1', 'basic', "
                + t0
                + ", TRUE)");
        String invoice = tenant.equals(ALICE) ? "old-paid" : "old-unpaid";
        s.execute(
            "INSERT INTO billing_invoice (id, tenant, period_start, period_end, total, currency, "
                + "created_at, paid, rounds, round_open, first_attempt_at, next_attempt_at) VALUES ('"
                + invoice
                + "', '"
                + tenant
                + "', "
                + t0
                + ", "
                + end
                + ", 500, 'usd', "
                + t1
                + ", "
                + (tenant.equals(ALICE)
                    ? "TRUE, 1, FALSE, " + t1 + ", NULL"
                    : "FALSE, 1, FALSE, " + t1 + ", " + day1)
                + ")");
        s.execute(
            "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at, "
                + "activity_id, invoice_id) VALUES ('act:"
                + act
                + "', '"
                + tenant
                + "', 'r1', 'basic', 500, 'New relay created', "
                + t0
                + ", '"
                + act
                + "', '"
                + invoice
                + "')");
      }
      s.execute(
          "INSERT INTO billing_payment (invoice_id, method, reference, paid_at) VALUES "
              + "('old-paid', 'stripe', 'pi_old', "
              + t1
              + ")");
      s.execute(
          "INSERT INTO billing_activity (id, tenant, type, relay, at, billed) VALUES ('a-2', '"
              + ALICE
              + "', 'deactivate_relay', 'r1', "
              + day10
              + ", TRUE)");
      s.execute(
          "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at, "
              + "activity_id) VALUES ('act:a-2', '"
              + ALICE
              + "', 'r1', 'basic', -300, 'Relay deactivated (prorated credit)', "
              + day10
              + ", 'a-2')");
    }

    JdbcRepository.migrate(db);
    assertThat(versions(db))
        .containsExactlyElementsOf(
            Migrations.ALL.stream().map(Migrations.Migration::version).toList());

    // what was there reads as before
    JdbcRepository repo = new JdbcRepository(db);
    Invoice paid = repo.findInvoice("old-paid").orElseThrow();
    assertThat(paid.status()).isEqualTo(Invoice.Status.PAID);
    assertThat(paid.payment()).map(Payment::reference).contains("pi_old");
    assertThat(repo.findInvoice("old-unpaid").orElseThrow().status())
        .isEqualTo(Invoice.Status.OPEN);
    assertThat(repo.invoiceItems("old-paid")).extracting(InvoiceItem::amount).containsExactly(500L);
    assertThat(repo.unclaimedItems(ALICE)).extracting(InvoiceItem::id).containsExactly("act:a-2");
    assertThat(repo.collectionState("old-unpaid").orElseThrow().rounds()).isEqualTo(1);
    assertThat(repo.events(0, 10)).isEmpty();
    assertThat(repo.standingChecksDue(Instant.parse("2026-02-02T10:00:00Z"), 10))
        .as("a tenant with an unpaid invoice is judged at the first poll")
        .containsExactly(BOB);

    // billing goes on from it
    MutableClock clock = MutableClock.at("2026-02-02T10:00:00Z");
    List<String> changes = new ArrayList<>();
    Billing billing =
        Billing.builder()
            .repository(repo)
            .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
            .clock(clock)
            .appUrl("https://relays.example")
            .listener(
                new BillingListener() {
                  @Override
                  public void standingChanged(String tenant, Standing from, Standing to) {
                    changes.add(tenant.substring(60) + ":" + to);
                  }
                })
            .build();
    assertThat(billing.standing(BOB)).isEqualTo(Standing.PAST_DUE);
    billing.runCycle(); // bob's second round (no rail: a DM) and his standing
    assertThat(changes).containsExactly("0b0b:PAST_DUE");
    assertThat(repo.standingChecksDue(clock.instant(), 10)).isEmpty();

    assertThat(billing.charge(ALICE, 1000, "Setup fee", "setup-1")).isTrue();
    Invoice next = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(next.id()).isEqualTo("INV-000001");
    assertThat(next.total()).isEqualTo(700);
    assertThat(repo.invoiceItems(next.id()))
        .extracting(InvoiceItem::description)
        .as("oldest first: the fee (now) before the credit dated at its activity")
        .containsExactly("Setup fee", "Relay deactivated (prorated credit)");

    assertThat(billing.voidInvoice("old-unpaid", "issued by mistake"))
        .isInstanceOf(CloseResult.Closed.class);
    assertThat(billing.standing(BOB)).isEqualTo(Standing.GOOD);
    assertThat(changes).containsExactly("0b0b:PAST_DUE", "0b0b:GOOD");

    assertThat(billing.refund("old-paid", 100, "goodwill", "ref-1", Payment.Refund.Via.BY_HAND))
        .isInstanceOf(RefundResult.Recorded.class);
    assertThat(billing.balance("old-paid"))
        .isEqualTo(new Invoice.Balance("old-paid", 500, 500, 100, 400));
    assertThat(billing.events(0, 100))
        .extracting(BillingEvent::type)
        .containsExactly(
            BillingEvent.Type.STANDING_CHANGED,
            BillingEvent.Type.CHARGED,
            BillingEvent.Type.INVOICE_CREATED,
            BillingEvent.Type.INVOICE_VOIDED,
            BillingEvent.Type.STANDING_CHANGED,
            BillingEvent.Type.REFUND_OWED);
  }

  /** The versions {@code caravel_billing_schema_history} records, in the order applied. */
  static List<Integer> versions(DataSource db) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT \"version\" FROM \"caravel_billing_schema_history\""
                    + " WHERE \"type\" = 'SQL' ORDER BY \"installed_rank\"")) {
      List<Integer> out = new ArrayList<>();
      while (rs.next()) {
        out.add(Integer.valueOf(rs.getString(1)));
      }
      return out;
    }
  }

  private static void assertMigrated(DataSource db) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      assertThat(versions(db))
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
