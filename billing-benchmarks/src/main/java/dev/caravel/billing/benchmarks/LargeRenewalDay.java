package dev.caravel.billing.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Billing;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.jdbc.JdbcRepository;
import java.util.Locale;

/**
 * A large renewal day in a small heap (issue 16): {@code -Dtenants} (1,000,000) tenants of three
 * paid relays and a saved card on embedded PostgreSQL, renewed, invoiced and charged by one
 * instance through {@link Billing#countCycle()}, run with {@code -Xmx512m}. The engine streams
 * pages of 500 tenants and keeps only counts, so its heap stays flat whatever the number of
 * tenants; the card rail answers at once ({@code -Dlatency}, 0 ms) so that the run measures the
 * engine and the database, not waiting. Prints the time and the heap ({@link Heap}: the pools'
 * peaks summed, which approaches {@code -Xmx} on a long day whatever the day keeps, and the live
 * heap, sampled by a full collection every {@code -DliveEvery} seconds (5), which does not); last
 * line {@code large-day: tenants=... invoices=... seconds=... peak_heap_mib=... live_heap_mib=...
 * max_heap_mib=...}.
 */
public final class LargeRenewalDay {
  /** How often the day's live heap is sampled by a full collection ({@link Heap#watchLive}). */
  private static final java.time.Duration LIVE_EVERY =
      java.time.Duration.ofSeconds(Long.getLong("liveEvery", 5));

  private LargeRenewalDay() {}

  /** What the day did, and the heap while it ran. */
  public record Figures(
      int tenants,
      int invoices,
      int paid,
      double seconds,
      long peakHeap,
      long liveHeap,
      long maxHeap) {
    public String line() {
      return String.format(
          Locale.ROOT,
          "large-day: tenants=%d invoices=%d seconds=%.1f peak_heap_mib=%d live_heap_mib=%d"
              + " max_heap_mib=%d",
          tenants,
          invoices,
          seconds,
          peakHeap >> 20,
          liveHeap >> 20,
          maxHeap >> 20);
    }
  }

  public static void main(String[] args) throws Exception {
    int tenants = Integer.getInteger("tenants", 1_000_000);
    int concurrency = Integer.getInteger("concurrency", 16);
    long latency = Long.getLong("latency", 0);
    Figures figures;
    try (Postgres pg = new Postgres()) {
      figures = run(pg, tenants, concurrency, latency, true);
    }
    System.out.println(figures.line());
    System.exit(0);
  }

  public static Figures run(Postgres pg, int tenants, int concurrency, long latency, boolean print)
      throws Exception {
    String schema = pg.newSchema();
    try (HikariDataSource pool = pg.pool(schema, concurrency + 2)) {
      JdbcRepository.migrate(pool);
      long t = System.nanoTime();
      RenewalDayData.load(pool, tenants, true);
      if (print) {
        System.out.printf(
            Locale.ROOT,
            "%,d tenants x %d paid relays loaded in %.1f s (untimed)%n",
            tenants,
            RenewalDayData.RELAYS,
            (System.nanoTime() - t) / 1e9);
      }
      FakeCardRail rail = new FakeCardRail(latency);
      Heap.resetPeak();
      long started = System.nanoTime();
      CycleReport.Counts counts;
      // closed in reverse: the last live sample is taken while the engine still holds its state
      try (Billing engine =
              RenewalDay.engine(new JdbcRepository(pool), rail, concurrency, "large");
          AutoCloseable live = Heap.watchLive(LIVE_EVERY)) {
        counts = engine.countCycle();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      long peak = Heap.peak();
      long live = Heap.peakLive();
      if (counts.invoicesCreated() != tenants
          || counts.paid() != tenants
          || counts.failures() != 0
          || rail.doubleCharges() != 0) {
        throw new IllegalStateException("the day went wrong: " + counts);
      }
      if (print) {
        System.out.printf(
            Locale.ROOT,
            "day: %.1f s, %,d invoices made and paid (%,.0f/s), peak heap %,d MiB of %,d MiB,"
                + " at most %,d MiB live (after a full collection)%n",
            seconds,
            counts.paid(),
            counts.paid() / seconds,
            peak >> 20,
            Runtime.getRuntime().maxMemory() >> 20,
            live >> 20);
      }
      return new Figures(
          tenants,
          counts.invoicesCreated(),
          counts.paid(),
          seconds,
          peak,
          live,
          Runtime.getRuntime().maxMemory());
    } finally {
      pg.dropSchema(schema);
    }
  }
}
