package dev.caravel.billing.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The database's own limit for collection (issue 25, target 2): the fewest writes one collected
 * invoice needs, as a plain JDBC loop with the engine's concurrency over a pool of the same size on
 * the same server, nothing of the engine in it. Per invoice:
 *
 * <ol>
 *   <li>take the lease: one conditional {@code UPDATE} (autocommit), as {@code acquireLease};
 *   <li>wait for the card rail, {@code latency} ms, as the engine's fake rail does;
 *   <li>record the payment, finish the round and write the event: one transaction, an {@code
 *       UPDATE} and an {@code INSERT}, as {@code endRound} with a payment.
 * </ol>
 *
 * Its tables are its own ({@code limit_invoice}, {@code limit_event}), so the loop pays for no
 * index or column the ledger has and it does not: that makes it a limit, not a rival design.
 */
final class CollectionLimit {
  private CollectionLimit() {}

  /**
   * What the plain loop did: invoices collected per second, and the WAL it wrote per invoice (from
   * its first lease to its last commit; the tables' creation and filling are not counted).
   */
  record Limit(double perSecond, double walBytesPerInvoice) {}

  static Limit run(HikariDataSource pool, int invoices, int concurrency, long latencyMillis)
      throws Exception {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE limit_invoice (id text PRIMARY KEY, lease_owner text, lease_until"
              + " timestamptz, next_attempt timestamptz, rounds int NOT NULL DEFAULT 0, paid_ref"
              + " text)");
      s.execute(
          "CREATE TABLE limit_event (id bigserial PRIMARY KEY, invoice_id text NOT NULL, type text"
              + " NOT NULL, at timestamptz NOT NULL)");
      s.execute(
          "INSERT INTO limit_invoice (id, next_attempt) SELECT 'inv-' || g, now() FROM"
              + " generate_series(0, "
              + (invoices - 1)
              + ") g");
      if (Postgres.FULL_PAGE_WRITES) {
        s.execute("CHECKPOINT"); // as RenewalDay does before the engine's day
      }
    }
    AtomicInteger next = new AtomicInteger();
    ExecutorService workers = Executors.newFixedThreadPool(concurrency);
    long walBefore = WalPosition.now(pool);
    long started = System.nanoTime();
    List<Future<Integer>> done = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      String owner = "limit-" + w;
      done.add(
          workers.submit(
              () -> {
                int collected = 0;
                for (int i = next.getAndIncrement(); i < invoices; i = next.getAndIncrement()) {
                  if (collect(pool, "inv-" + i, owner, latencyMillis)) {
                    collected++;
                  }
                }
                return collected;
              }));
    }
    int collected = 0;
    for (Future<Integer> f : done) {
      collected += f.get();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    long wal = WalPosition.now(pool) - walBefore;
    workers.shutdown();
    if (collected != invoices) {
      throw new IllegalStateException(
          "the limit loop collected " + collected + " of " + invoices + " invoices");
    }
    return new Limit(invoices / seconds, wal / (double) invoices);
  }

  private static boolean collect(HikariDataSource pool, String id, String owner, long latency)
      throws SQLException, InterruptedException {
    try (Connection c = pool.getConnection()) {
      try (PreparedStatement lease =
          c.prepareStatement(
              "UPDATE limit_invoice SET lease_owner = ?, lease_until = now() + interval '1"
                  + " minute', next_attempt = now() + interval '1 minute', rounds = rounds + 1"
                  + " WHERE id = ? AND paid_ref IS NULL AND (lease_until IS NULL OR lease_until <"
                  + " now()) RETURNING rounds")) {
        lease.setString(1, owner);
        lease.setString(2, id);
        try (ResultSet rs = lease.executeQuery()) {
          if (!rs.next()) {
            return false;
          }
        }
      }
    }
    // The rail's answer, outside any connection, as the engine waits for it.
    if (latency > 0) {
      TimeUnit.MILLISECONDS.sleep(latency);
    }
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement paid =
              c.prepareStatement(
                  "UPDATE limit_invoice SET paid_ref = ?, lease_owner = NULL, lease_until = NULL,"
                      + " next_attempt = NULL WHERE id = ? AND lease_owner = ?");
          PreparedStatement event =
              c.prepareStatement(
                  "INSERT INTO limit_event (invoice_id, type, at) VALUES (?, 'PAID', now())")) {
        paid.setString(1, "pi_" + id);
        paid.setString(2, id);
        paid.setString(3, owner);
        boolean recorded = paid.executeUpdate() == 1;
        event.setString(1, id);
        event.executeUpdate();
        c.commit();
        return recorded;
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }
}
