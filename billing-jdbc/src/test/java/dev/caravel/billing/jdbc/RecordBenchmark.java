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
 * <p>Not a test: {@code ./mvnw -B -pl billing-jdbc test-compile exec:exec
 * -Dbenchmark=RecordBenchmark}. Last line: {@code record: ratio=...}, the fastest size's throughput
 * over the slowest's within one repository, the worse repository's (flat is 1.00).
 */
public final class RecordBenchmark {
  private static final PlanCatalogue CATALOGUE =
      PlanCatalogue.of(new Plan("basic", "Basic", 500), new Plan("pro", "Pro", 2000));
  private static final Instant T0 = Instant.parse("2020-01-31T10:00:00Z");
  private static final int PER_MONTH = 100;

  private RecordBenchmark() {}

  public static void main(String[] args) throws Exception {
    int records = Integer.getInteger("records", 500);
    String which = System.getProperty("repository", "both");
    // -Dsizes=10,1000 for a quicker run; the default is the range
    int[] sizes =
        java.util.Arrays.stream(System.getProperty("sizes", "10,100,1000,10000").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    double ratio = 1;
    List<String> kinds = which.equals("both") ? List.of("memory", "postgres") : List.of(which);
    for (String kind : kinds) {
      System.out.printf(Locale.ROOT, "record() on %s, %,d timed records per size%n", kind, records);
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
      // per repository: one repository's sizes against each other, never memory against SQL
      ratio = Math.max(ratio, best / worst);
    }
    System.out.printf(Locale.ROOT, "record: ratio=%.2f%n", ratio);
    System.exit(0);
  }

  private static double measure(String kind, int history, int records) throws Exception {
    if (kind.equals("memory")) {
      return measure(InMemoryRepository::new, history, records);
    }
    Databases.postgres();
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 2)) {
      JdbcRepository.migrate(pool);
      return measure(() -> new JdbcRepository(pool), history, records);
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  private static double measure(Supplier<Repository> repositories, int history, int records) {
    Repository repository = repositories.get();
    MutableClock clock = new MutableClock(T0);
    Billing billing =
        Billing.builder()
            .repository(repository)
            .catalogue(CATALOGUE)
            .clock(clock)
            .appUrl("https://relays.example")
            .build();
    String tenant = "f".repeat(64);
    int[] id = {0};
    billing.record(Activity.create("a" + id[0]++, tenant, "r1", "basic", T0));
    Instant month = T0;
    // The history: up to PER_MONTH plan changes a month, then the month's poll (renewing it).
    for (int done = 1; done < history; ) {
      int n = Math.min(PER_MONTH, history - done);
      for (int i = 0; i < n; i++) {
        Instant at = month.plusSeconds(60L * (i + 1));
        clock.set(at);
        billing.record(
            Activity.update("a" + id[0]++, tenant, "r1", id[0] % 2 == 0 ? "pro" : "basic", at));
      }
      done += n;
      month = month.plus(Duration.ofDays(31));
      clock.set(month);
      billing.runCycle();
    }
    month = month.plus(Duration.ofDays(31));
    clock.set(month);
    billing.runCycle();
    // Timed: records in the new period.
    List<Activity> batch = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      Instant at = month.plusSeconds(i + 1);
      batch.add(Activity.update("a" + id[0]++, tenant, "r1", i % 2 == 0 ? "pro" : "basic", at));
    }
    clock.set(month.plusSeconds(records + 1));
    int tail = repository.ledgers(List.of(tenant)).get(0).activities().size();
    if (tail > PER_MONTH) {
      throw new IllegalStateException("the snapshot did not keep up: a tail of " + tail);
    }
    long started = System.nanoTime();
    for (Activity a : batch) {
      billing.record(a);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    if (repository.unclaimedItems(tenant).size() < records - 1) {
      throw new IllegalStateException("the records were not all reconciled");
    }
    return records / seconds;
  }
}
