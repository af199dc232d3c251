package dev.caravel.billing.jdbc;

import static dev.caravel.billing.testkit.Fixture.T0;
import static dev.caravel.billing.testkit.Fixture.days;
import static dev.caravel.billing.testkit.Fixture.pubkey;
import static dev.caravel.billing.testkit.Fixture.reconciled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Activity;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.StorageException;
import dev.caravel.billing.testkit.Fixture;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schema itself refuses what would break the ledger, whoever writes to it; and a write the
 * schema refuses comes back as a StorageException with nothing of it left behind.
 */
class SchemaConstraintsTest {
  private static final String ALICE = pubkey(0xa11ce);

  static Stream<String> databases() {
    return Stream.of("h2", "postgresql");
  }

  private static void onDatabase(String name, Consumer<DataSource> test) {
    if (name.equals("h2")) {
      DataSource h2 = Databases.newH2();
      JdbcRepository.migrate(h2);
      try {
        test.accept(h2);
      } finally {
        Databases.shutdownH2(h2);
      }
      return;
    }
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 2)) {
      JdbcRepository.migrate(pool);
      test.accept(pool);
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void aRefusedWriteIsAStorageErrorAndLeavesNothing(String database) {
    onDatabase(
        database,
        db -> {
          JdbcRepository repo = new JdbcRepository(db);
          Fixture.appendAsRead(repo, Activity.create("evt-1", ALICE, "r1", "basic", T0));
          InvoiceItem item = InvoiceItem.forRenewal(ALICE, "r1", "basic", 500, 1, days(31));
          // the same relay twice in one renewal: the second item breaks the primary key
          Renewal broken = new Renewal(ALICE, 1, days(31), 1, List.of(item, item));

          assertThatThrownBy(() -> repo.applyRenewals(List.of(broken), OptionalLong.empty()))
              .isInstanceOf(StorageException.class);

          assertThat(repo.ledgers(List.of(ALICE)).get(0).renewedThrough()).isZero();
          assertThat(repo.items(ALICE)).isEmpty();
          assertThat(
                  repo.applyRenewals(
                      List.of(new Renewal(ALICE, 1, days(31), 1, List.of(item))),
                      OptionalLong.empty()))
              .isEqualTo(1);
        });
  }

  @ParameterizedTest
  @MethodSource("databases")
  void theSchemaCarriesTheInvariants(String database) {
    onDatabase(
        database,
        db -> {
          JdbcRepository repo = new JdbcRepository(db);
          Activity created = Activity.create("evt-1", ALICE, "r1", "basic", T0);
          Fixture.appendAsRead(repo, created);
          repo.recordReconciliations(List.of(reconciled(created, 500)), OptionalLong.empty());
          repo.claim(List.of(Fixture.claim(repo, ALICE, "inv-1", T0).claim()), (n, c) -> "inv-1");
          String now = "TIMESTAMP WITH TIME ZONE '2026-02-01 00:00:00+00'";
          execute(
              db,
              "INSERT INTO billing_payment (invoice_id, method, reference, paid_at) VALUES ('inv-1', 'manual', 'a', "
                  + now
                  + ")");

          refused(
              db,
              "a second payment of one invoice",
              "INSERT INTO billing_payment (invoice_id, method, reference, paid_at) VALUES ('inv-1', 'manual', 'b', "
                  + now
                  + ")");
          refused(
              db,
              "a second item for one activity",
              "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at, activity_id) VALUES "
                  + "('other', '"
                  + ALICE
                  + "', 'r1', 'basic', 1, 'x', "
                  + now
                  + ", 'evt-1')");
          execute(
              db,
              "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at, renewal_period) VALUES "
                  + "('ren-a', '"
                  + ALICE
                  + "', 'r1', 'basic', 1, 'x', "
                  + now
                  + ", 1)");
          refused(
              db,
              "a second renewal of one relay for one period",
              "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at, renewal_period) VALUES "
                  + "('ren-b', '"
                  + ALICE
                  + "', 'r1', 'basic', 1, 'x', "
                  + now
                  + ", 1)");
          refused(
              db,
              "an item from both an activity and a renewal",
              "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at, activity_id, renewal_period) "
                  + "VALUES ('both', '"
                  + ALICE
                  + "', 'r1', 'basic', 1, 'x', "
                  + now
                  + ", 'evt-1', 2)");
          refused(
              db,
              "an item of amount zero",
              "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at, renewal_period) VALUES "
                  + "('zero', '"
                  + ALICE
                  + "', 'r1', 'basic', 0, 'x', "
                  + now
                  + ", 3)");
          refused(
              db,
              "an invoice of a negative total (0 is one a discount left nothing to pay, S21)",
              "INSERT INTO billing_invoice (id, tenant, period_start, period_end, total, currency, created_at) VALUES "
                  + "('inv-0', '"
                  + ALICE
                  + "', "
                  + now
                  + ", "
                  + now.replace("02-01", "03-01")
                  + ", -1, 'usd', "
                  + now
                  + ")");
          refused(
              db,
              "an activity for a relay never created",
              "INSERT INTO billing_activity (id, tenant, type, relay, at) VALUES ('evt-9', '"
                  + ALICE
                  + "', 'activate_relay', 'nope', "
                  + now
                  + ")");
          execute(
              db,
              "UPDATE billing_invoice SET paid = TRUE, next_attempt_at = NULL WHERE id = 'inv-1'");
          refused(
              db,
              "a paid invoice scheduled again",
              "UPDATE billing_invoice SET next_attempt_at = " + now + " WHERE id = 'inv-1'");
          String bolt11 =
              "INSERT INTO billing_bolt11 (invoice_id, live_invoice_id, bolt11, payment_hash, msats, "
                  + "created_at, expires_at) VALUES ('inv-1', 'inv-1', '%s', 'h', 1000, "
                  + now
                  + ", "
                  + now
                  + ")";
          execute(db, String.format(bolt11, "lnbc1a"));
          refused(db, "a second live BOLT11 for one invoice", String.format(bolt11, "lnbc1b"));
        });
  }

  /** V10: the stored hold reasons are exactly core's, and a held invoice is never closed. */
  @ParameterizedTest
  @MethodSource("databases")
  void theHoldReasonCheckAllowsCoresReasonsAndNoOther(String database) {
    onDatabase(
        database,
        db -> {
          JdbcRepository repo = new JdbcRepository(db);
          Activity created = Activity.create("evt-1", ALICE, "r1", "basic", T0);
          Fixture.appendAsRead(repo, created);
          repo.recordReconciliations(List.of(reconciled(created, 500)), OptionalLong.empty());
          repo.claim(List.of(Fixture.claim(repo, ALICE, "inv-1", T0).claim()), (n, c) -> "inv-1");
          execute(
              db,
              "UPDATE billing_invoice SET next_attempt_at = NULL, rounds = 1 WHERE id = 'inv-1'");
          for (CollectionHold.Reason reason : CollectionHold.Reason.values()) {
            execute(
                db,
                "UPDATE billing_invoice SET hold_reason = '"
                    + reason.name()
                    + "', hold_detail = 'd' WHERE id = 'inv-1'");
          }
          refused(
              db,
              "a hold reason core does not know",
              "UPDATE billing_invoice SET hold_reason = 'SOMETHING_ELSE' WHERE id = 'inv-1'");
          refused(
              db,
              "a closed invoice still held",
              "UPDATE billing_invoice SET closed_status = 'VOID', closed_reason = 'x', closed_at = "
                  + "TIMESTAMP WITH TIME ZONE '2026-02-01 00:00:00+00' WHERE id = 'inv-1'");
        });
  }

  @ParameterizedTest
  @MethodSource("databases")
  @Timeout(60)
  void dueInvoicesSkipsAnInvoiceAnotherInstanceHoldsWithoutWaiting(String database) {
    onDatabase(
        database,
        db -> {
          JdbcRepository repo = new JdbcRepository(db);
          for (String invoice : List.of("inv-1", "inv-2")) {
            Activity created =
                Activity.create("evt-" + invoice, ALICE, "relay-" + invoice, "basic", T0);
            Fixture.appendAsRead(repo, created);
            repo.recordReconciliations(List.of(reconciled(created, 500)), OptionalLong.empty());
            repo.claim(List.of(Fixture.claim(repo, ALICE, invoice, T0).claim()), (n, c) -> invoice);
          }
          try (Connection other = db.getConnection();
              Statement s = other.createStatement()) {
            other.setAutoCommit(false);
            s.executeQuery("SELECT id FROM billing_invoice WHERE id = 'inv-1' FOR UPDATE").close();
            assertThat(repo.dueInvoices(days(1), 10)).containsExactly("inv-2");
            other.rollback();
          } catch (SQLException e) {
            throw new AssertionError(e);
          }
          assertThat(repo.dueInvoices(days(1), 10)).containsExactly("inv-1", "inv-2");
        });
  }

  private static void execute(DataSource db, String sql) {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new AssertionError(sql, e);
    }
  }

  private static void refused(DataSource db, String what, String sql) {
    assertThatThrownBy(
            () -> {
              try (Connection c = db.getConnection();
                  Statement s = c.createStatement()) {
                s.execute(sql);
              }
            })
        .as(what)
        .isInstanceOfSatisfying(
            SQLException.class,
            e -> assertThat(e.getSQLState()).as(what + ": " + e.getMessage()).startsWith("23"));
  }
}
