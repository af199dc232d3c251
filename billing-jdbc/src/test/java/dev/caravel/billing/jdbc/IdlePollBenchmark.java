package dev.caravel.billing.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Billing;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.testkit.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;

/**
 * What a poll with nothing due costs (S17), on embedded PostgreSQL, by the size of history: {@code
 * T} tenants with 3 activities each, {@code T} with 30, and {@code T / 10} with 300 (default {@code
 * T} = 100,000). Each ledger is bulk-loaded (untimed) as billing leaves it: every activity billed,
 * one relay on a paid plan changing nothing after its creation; then one untimed {@code
 * Billing.runCycle()} visits every tenant once (what V5's backfill asks for) and files its next due
 * instant. Timed: {@code runCycle()} ten days later, with nothing due, best and median of 7.
 *
 * <p>Not a test: {@code ./mvnw -B -pl billing-jdbc test-compile exec:exec
 * -Dbenchmark=IdlePollBenchmark [-Dtenants=N]}. Last line: {@code idle-poll: ms_3=... ms_30=...
 * ms_300=... ratio=...} (medians; ratio = 300-activity case over 3-activity case).
 */
public final class IdlePollBenchmark {
  private static final Instant ANCHOR = Instant.parse("2026-01-31T10:00:00Z");
  private static final PlanCatalogue CATALOGUE = PlanCatalogue.of(new Plan("basic", "Basic", 500));
  private static final int RUNS = 7;

  private IdlePollBenchmark() {}

  public static void main(String[] args) throws Exception {
    int tenants = Integer.getInteger("tenants", 100_000);
    System.out.printf(
        Locale.ROOT,
        "idle poll on embedded PostgreSQL: %,d tenants x 3 and x 30 activities, %,d x 300%n",
        tenants,
        tenants / 10);
    Databases.postgres();
    double ms3 = run(tenants, 3);
    double ms30 = run(tenants, 30);
    double ms300 = run(Math.max(1, tenants / 10), 300);
    System.out.printf(
        Locale.ROOT,
        "idle-poll: ms_3=%.2f ms_30=%.2f ms_300=%.2f ratio=%.2f%n",
        ms3,
        ms30,
        ms300,
        ms300 / ms3);
    System.exit(0);
  }

  /** The median idle poll over {@code tenants} tenants of {@code activities} activities each. */
  private static double run(int tenants, int activities) throws SQLException {
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 2)) {
      JdbcRepository.migrate(pool);
      long t = System.nanoTime();
      load(pool, tenants, activities);
      MutableClock clock = new MutableClock(ANCHOR.plus(Duration.ofHours(activities)));
      Billing billing =
          Billing.builder()
              .repository(new JdbcRepository(pool))
              .catalogue(CATALOGUE)
              .clock(clock)
              .appUrl("https://relays.example")
              .pageSize(500)
              .build();
      CycleReport first = billing.runCycle();
      System.out.printf(
          Locale.ROOT,
          "  %,d x %d: setup (bulk load and a first cycle visiting %,d tenants, untimed) %.1f s%n",
          tenants,
          activities,
          first.tenantsVisited(),
          (System.nanoTime() - t) / 1e9);
      clock.advance(Duration.ofDays(10));
      double[] ms = new double[RUNS];
      for (int i = 0; i < RUNS; i++) {
        long started = System.nanoTime();
        CycleReport idle = billing.runCycle();
        ms[i] = (System.nanoTime() - started) / 1e6;
        if (idle.tenantsVisited() != 0 || !idle.invoicesCreated().isEmpty()) {
          throw new IllegalStateException("an idle poll visited " + idle.tenantsVisited());
        }
      }
      Arrays.sort(ms);
      System.out.printf(
          Locale.ROOT,
          "  %,d x %d: idle poll best %.2f ms, median %.2f ms, visited 0%n",
          tenants,
          activities,
          ms[0],
          ms[RUNS / 2]);
      return ms[RUNS / 2];
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  /**
   * Tenants with one relay each, created at the anchor and updated {@code activities - 1} times to
   * the plan it is on (no item), every activity billed, as the V5 backfill leaves them: due once.
   */
  private static void load(HikariDataSource pool, int tenants, int activities) throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      String pubkey = "lpad(to_hex(g), 64, '0')";
      s.execute(
          "INSERT INTO billing_tenant (pubkey, anchor, last_activity_at, activity_count, due_at)"
              + " SELECT "
              + pubkey
              + ", TIMESTAMPTZ '2026-01-31 10:00:00+00', TIMESTAMPTZ '2026-01-31 10:00:00+00'"
              + " + make_interval(secs => "
              + (activities - 1)
              + "), "
              + activities
              + ", TIMESTAMPTZ '1970-01-01 00:00:00+00' FROM generate_series(1, "
              + tenants
              + ") g");
      s.execute(
          "INSERT INTO billing_relay (tenant, relay) SELECT pubkey, 'r1' FROM billing_tenant");
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO billing_activity (id, tenant, type, relay, plan, at, billed)"
                  + " SELECT 'a' || g || '-' || k, "
                  + pubkey
                  + ", CASE WHEN k = 1 THEN 'create_relay' ELSE 'update_relay' END, 'r1', 'basic',"
                  + " TIMESTAMPTZ '2026-01-31 10:00:00+00' + make_interval(secs => k - 1), TRUE"
                  + " FROM generate_series(?, ?) g, generate_series(1, ?) k")) {
        // in slices, so one statement's memory stays small
        int slice = Math.max(1, 1_000_000 / activities);
        for (int from = 1; from <= tenants; from += slice) {
          ps.setInt(1, from);
          ps.setInt(2, Math.min(tenants, from + slice - 1));
          ps.setInt(3, activities);
          ps.executeUpdate();
        }
      }
      c.commit();
      s.execute("ANALYZE");
    }
  }
}
