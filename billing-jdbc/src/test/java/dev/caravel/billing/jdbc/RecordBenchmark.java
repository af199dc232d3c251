package dev.caravel.billing.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code Billing.record()} throughput by the size of a tenant's history (S17: a record costs the
 * new activity, not the log): one tenant with 10, 100, 1,000 and 10,000 activities recorded before
 * (100 a month at most, the engine's poll running each month, as a host's would), then {@code
 * -Drecords=} (default 500; {@code -Dsizes=} to choose the sizes) more recorded and timed in a
 * fresh period, each reconciled at once as record() does; best of three runs per size. On
 * InMemoryRepository and on embedded PostgreSQL ({@code -Drepository=memory}, {@code postgres} or
 * {@code both}, the default). Building the history is not timed.
 *
 * <p>On PostgreSQL also a table that holds one large tenant (issue 25): {@code -Dlarge=} activities
 * (default 100,000; 0 skips it) over 1,000-activity periods, bulk-loaded by {@link
 * LargeTenantTable} and renewed by the engine's poll, then, best of three, the same number of
 * records timed (a) of a small tenant beside it (10 activities before) and (b) of the large tenant
 * itself, each in a fresh period.
 *
 * <p>Not a test: {@code ./mvnw -B -pl billing-jdbc test-compile exec:exec
 * -Dbenchmark=RecordBenchmark}. Last line: {@code record: ratio=... large_table_small_per_s=...
 * large_tenant_per_s=...}: ratio is the fastest case's throughput over the slowest's within one
 * repository, over the sizes and the large-table cases, the worse repository's (flat is 1.00).
 */
public final class RecordBenchmark {
  private static final PlanCatalogue CATALOGUE =
      PlanCatalogue.of(new Plan("basic", "Basic", 500), new Plan("pro", "Pro", 2000));
  private static final Instant T0 = Instant.parse("2020-01-31T10:00:00Z");
  private static final int PER_MONTH = 100;
  private static final int LARGE_PER_PERIOD = 1_000;
  private static final Duration MONTH = Duration.ofDays(31);

  private RecordBenchmark() {}

  public static void main(String[] args) throws Exception {
    int records = Integer.getInteger("records", 500);
    int large = Integer.getInteger("large", 100_000);
    String which = System.getProperty("repository", "both");
    // -Dsizes=10,1000 for a quicker run; the default is the range
    int[] sizes =
        java.util.Arrays.stream(System.getProperty("sizes", "10,100,1000,10000").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    double ratio = 1;
    double[] largeTable = {Double.NaN, Double.NaN};
    List<String> kinds = which.equals("both") ? List.of("memory", "postgres") : List.of(which);
    for (String kind : kinds) {
      System.out.printf(Locale.ROOT, "record() on %s, %,d timed records per case%n", kind, records);
      double best = 0;
      double worst = Double.MAX_VALUE;
      // once untimed, so that class loading and the JIT are not charged to the first size
      for (int run = 0; run < 3; run++) {
        measure(kind, 1_000, records);
      }
      for (int size : sizes) {
        // best of three, so that a collection or a compilation does not decide a size alone
        double perSecond = 0;
        for (int run = 0; run < 3; run++) {
          perSecond = Math.max(perSecond, measure(kind, size, records));
        }
        System.out.printf(
            Locale.ROOT, "  %,6d activities before: %,10.0f records/s%n", size, perSecond);
        best = Math.max(best, perSecond);
        worst = Math.min(worst, perSecond);
      }
      if (kind.equals("postgres") && large > 0) {
        largeTable = measureLargeTable(large, records);
        System.out.printf(
            Locale.ROOT,
            "  beside a %,d-activity tenant: %,10.0f records/s%n",
            large,
            largeTable[0]);
        System.out.printf(
            Locale.ROOT, "  the %,d-activity tenant: %,10.0f records/s%n", large, largeTable[1]);
        for (double perSecond : largeTable) {
          best = Math.max(best, perSecond);
          worst = Math.min(worst, perSecond);
        }
      }
      // per repository: one repository's cases against each other, never memory against SQL
      System.out.printf(Locale.ROOT, "  %s best/worst: %.2f%n", kind, best / worst);
      ratio = Math.max(ratio, best / worst);
    }
    System.out.printf(
        Locale.ROOT,
        "record: ratio=%.2f large_table_small_per_s=%.0f large_tenant_per_s=%.0f%n",
        ratio,
        largeTable[0],
        largeTable[1]);
    System.exit(0);
  }

  private static double measure(String kind, int history, int records) throws Exception {
    if (kind.equals("memory")) {
      return measure(InMemoryRepository::new, history, records, () -> {});
    }
    Databases.postgres();
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 2)) {
      JdbcRepository.migrate(pool);
      return measure(() -> new JdbcRepository(pool), history, records, () -> analyze(pool));
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  /**
   * {@code settled} runs between building the history and timing the records: on PostgreSQL an
   * {@code ANALYZE}, what a long-lived server's autovacuum does to a table that grew. Each size's
   * schema lives under a minute, so autovacuum never gets to it, and plans cached while its tables
   * were nearly empty would otherwise be timed (the large table is analyzed after its load too).
   */
  private static double measure(
      Supplier<Repository> repositories, int history, int records, Runnable settled) {
    Engine engine = new Engine(repositories.get(), T0);
    engine.build("f".repeat(64), history);
    settled.run();
    return engine.timed("f".repeat(64), records);
  }

  /** Statistics for every table of the pool's schema; cached plans of them are made again. */
  private static void analyze(HikariDataSource pool) {
    try (java.sql.Connection c = pool.getConnection();
        java.sql.Statement s = c.createStatement()) {
      s.execute("ANALYZE");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("ANALYZE failed", e);
    }
  }

  /**
   * One PostgreSQL schema holding the large tenant; returns {beside it, of it}, each the best of
   * three runs in a fresh period.
   */
  private static double[] measureLargeTable(int large, int records) throws Exception {
    Databases.postgres();
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 2)) {
      JdbcRepository.migrate(pool);
      Engine engine = new Engine(new JdbcRepository(pool), T0);
      String big = "b".repeat(64);
      int periods = Math.max(1, large / LARGE_PER_PERIOD);
      long started = System.nanoTime();
      Instant renewal =
          LargeTenantTable.load(pool, big, T0.plusSeconds(3_600), periods, LARGE_PER_PERIOD);
      engine.at(renewal.plusSeconds(3_600));
      engine.billing.runCycle();
      engine.checkTail(big);
      System.out.printf(
          Locale.ROOT,
          "  large table: %,d activities of one tenant over %,d periods, loaded and renewed in"
              + " %.1f s%n",
          engine.repository.ledgers(List.of(big)).get(0).activityCount(),
          periods,
          (System.nanoTime() - started) / 1e9);
      double beside = 0;
      double itself = 0;
      for (int run = 0; run < 3; run++) {
        String small = String.format("%064x", run + 1);
        engine.build(small, 10);
        beside = Math.max(beside, engine.timed(small, records));
        itself = Math.max(itself, engine.timed(big, records));
      }
      return new double[] {beside, itself};
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  /** An engine on one repository and a clock that only moves forward. */
  private static final class Engine {
    final Repository repository;
    final MutableClock clock;
    final Billing billing;
    private Instant now;
    private int ids;

    Engine(Repository repository, Instant start) {
      this.repository = repository;
      this.now = start;
      this.clock = new MutableClock(start);
      this.billing =
          Billing.builder()
              .repository(repository)
              .catalogue(CATALOGUE)
              .clock(clock)
              .appUrl("https://relays.example")
              .build();
    }

    void at(Instant instant) {
      now = instant;
      clock.set(instant);
    }

    String nextId() {
      return "a" + ids++;
    }

    /**
     * A new tenant with {@code history} activities: up to PER_MONTH plan changes a month, then the
     * month's poll (renewing it).
     */
    void build(String tenant, int history) {
      Instant month = now;
      billing.record(Activity.create(nextId(), tenant, "r1", "basic", month));
      for (int done = 1; done < history; ) {
        int n = Math.min(PER_MONTH, history - done);
        for (int i = 0; i < n; i++) {
          Instant at = month.plusSeconds(60L * (i + 1));
          at(at);
          billing.record(
              Activity.update(nextId(), tenant, "r1", ids % 2 == 0 ? "pro" : "basic", at));
        }
        done += n;
        month = month.plus(MONTH);
        at(month);
        billing.runCycle();
      }
    }

    /** Timed: {@code records} plan changes of the tenant in a fresh period, after its poll. */
    double timed(String tenant, int records) {
      Instant month = now.plus(MONTH);
      at(month);
      billing.runCycle();
      List<Activity> batch = new ArrayList<>();
      for (int i = 0; i < records; i++) {
        Instant at = month.plusSeconds(i + 1);
        batch.add(Activity.update(nextId(), tenant, "r1", i % 2 == 0 ? "pro" : "basic", at));
      }
      at(month.plusSeconds(records + 1));
      checkTail(tenant);
      int unclaimedBefore = repository.unclaimedItems(tenant).size();
      long started = System.nanoTime();
      for (Activity a : batch) {
        billing.record(a);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      if (repository.unclaimedItems(tenant).size() - unclaimedBefore < records - 1) {
        throw new IllegalStateException("the records were not all reconciled");
      }
      return records / seconds;
    }

    void checkTail(String tenant) {
      int tail = repository.ledgers(List.of(tenant)).get(0).activities().size();
      if (tail > PER_MONTH) {
        throw new IllegalStateException("the snapshot did not keep up: a tail of " + tail);
      }
    }
  }
}
