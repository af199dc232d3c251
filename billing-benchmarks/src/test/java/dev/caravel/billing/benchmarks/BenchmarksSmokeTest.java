package dev.caravel.billing.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks at a minimal size, so that the normal build knows they still run and produce sane
 * figures. Not a measurement: nothing here is timed against a target.
 */
class BenchmarksSmokeTest {
  private static Postgres pg;

  @BeforeAll
  static void start() {
    pg = new Postgres();
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
  }

  @Test
  void aTinyRenewalDayChargesEveryInvoiceOnceOnOneAndOnFourInstances() throws Exception {
    RenewalDay.Figures day = RenewalDay.run(pg, 120, 8, 2, false);
    assertThat(day.paid()).isEqualTo(120);
    assertThat(day.fourPaid()).isEqualTo(120);
    assertThat(day.doubleCharges()).isZero();
    assertThat(day.ledgerRatio()).isPositive().isFinite();
    assertThat(day.collectPerSecond()).isPositive().isFinite();
    assertThat(day.fourInstancesPerSecond()).isPositive().isFinite();
    // Collecting writes WAL (leases, payments, events), and so does the plain loop.
    assertThat(day.collectWalPerInvoice()).isPositive().isFinite();
    assertThat(day.limitWalPerInvoice()).isPositive().isFinite();
    assertThat(day.line())
        .startsWith("renewal-day: ledger_ratio=")
        .contains(" collect_per_s=", " four_instances_per_s=", " double_charges=0 ")
        .matches(".* collect_wal_per_invoice=\\d+ limit_wal_per_invoice=\\d+");
  }

  @Test
  void aTinyLargeDayStreamsThroughCountCycle() throws Exception {
    LargeRenewalDay.Figures day = LargeRenewalDay.run(pg, 200, 4, 0, false);
    assertThat(day.invoices()).isEqualTo(200);
    assertThat(day.paid()).isEqualTo(200);
    assertThat(day.peakHeap()).isPositive();
    assertThat(day.line())
        .startsWith("large-day: tenants=200 invoices=200 ")
        .matches(".* peak_heap_mib=\\d+ live_heap_mib=\\d+ max_heap_mib=\\d+");
  }

  @Test
  void theLiveHeapIsSampledByAFullCollectionWhileWatched() throws Exception {
    Heap.resetPeak();
    assertThat(Heap.peakLive()).isZero();
    byte[][] kept = new byte[8][];
    try (AutoCloseable watch = Heap.watchLive(java.time.Duration.ofMillis(50))) {
      for (int i = 0; i < kept.length; i++) {
        kept[i] = new byte[1 << 20];
      }
    }
    // closing took a last sample: what survived its full collection includes the 8 MiB held
    assertThat(Heap.peakLive()).isGreaterThanOrEqualTo(8L << 20);
    assertThat(kept[7]).hasSize(1 << 20);
  }

  @Test
  void theJmhBenchmarksRunAndReportEveryFigure() throws Exception {
    JmhMain.Figures figures = JmhMain.run(true);
    assertThat(figures.period()).isPositive();
    assertThat(figures.proration()).isPositive();
    assertThat(figures.fold()).isPositive();
    assertThat(figures.line())
        .matches("jmh: period_per_s=\\d+ proration_per_s=\\d+ fold_per_s=\\d+");
  }
}
