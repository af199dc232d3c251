package dev.caravel.billing.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Billing;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.jdbc.JdbcRepository;
import dev.caravel.billing.spi.Repository;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A renewal day through {@link Billing#runCycle()} on embedded PostgreSQL (issue 16): every tenant
 * has three relays on a paid plan and a saved card, its first period ended an hour ago, and the
 * card rail answers after {@code -Dlatency} ms (50). Three runs, each on a fresh schema:
 *
 * <ol>
 *   <li>one instance: the ledger part of the cycle (reading ledgers, renewing, claiming; timed by
 *       {@link TimedRepository}) against PostgreSQL's batched insert of the same rows, and the
 *       collection part (the rest of the cycle) in invoices per second;
 *   <li>four instances on one database running the day at once, each with its own pool: invoices
 *       per second for the whole day, and double charges counted at the fake gateway.
 * </ol>
 *
 * Between them, the database's own limit for collection ({@link CollectionLimit}): the plain JDBC
 * loop of its minimum writes, on a fresh schema of the same server with a pool of the same size.
 *
 * <p>Last line: {@code renewal-day: ledger_ratio=... collect_per_s=... collect_limit_per_s=...
 * collect_limit_ratio=... four_instances_per_s=... four_over_one=... double_charges=...
 * collect_wal_per_invoice=... limit_wal_per_invoice=...}, where {@code four_over_one} compares
 * whole-day rates (invoices charged over the wall time from the first poll to the last payment),
 * and the last two are the WAL bytes per invoice of one instance's collection part and of the plain
 * loop ({@link WalPosition}). Sizes: {@code -Dtenants} (100,000), {@code -Dconcurrency} (64 per
 * instance); {@code -Dwarmups} (2) untimed runs on 2,000 tenants before.
 */
public final class RenewalDay {
  private static final boolean PROFILE = Boolean.getBoolean("profile");

  private RenewalDay() {}

  /** What one renewal day measured. */
  public record Figures(
      int tenants,
      double ledgerSeconds,
      double baselineSeconds,
      double collectSeconds,
      int paid,
      double oneDaySeconds,
      double collectLimitPerSecond,
      double fourSeconds,
      int fourPaid,
      long doubleCharges,
      long ledgerWalBytes,
      long collectWalBytes,
      double limitWalPerInvoice) {
    public double ledgerRatio() {
      return ledgerSeconds / baselineSeconds;
    }

    public double collectPerSecond() {
      return paid / collectSeconds;
    }

    public double fourInstancesPerSecond() {
      return fourPaid / fourSeconds;
    }

    /** Collection against the plain loop of its minimum writes ({@link CollectionLimit}). */
    public double collectLimitRatio() {
      return collectPerSecond() / collectLimitPerSecond;
    }

    /**
     * WAL bytes per invoice of one instance's collection part (all but the pages' ledger parts:
     * leases, card notes, payments, rounds, standings, events), for issue 25's model.
     */
    public double collectWalPerInvoice() {
      return collectWalBytes / (double) paid;
    }

    /** Four instances' whole-day rate over one instance's whole-day rate. */
    public double fourOverOne() {
      return fourInstancesPerSecond() / (paid / oneDaySeconds);
    }

    public String line() {
      return String.format(
          Locale.ROOT,
          "renewal-day: ledger_ratio=%.2f collect_per_s=%.0f collect_limit_per_s=%.0f"
              + " collect_limit_ratio=%.2f four_instances_per_s=%.0f four_over_one=%.2f"
              + " double_charges=%d collect_wal_per_invoice=%.0f limit_wal_per_invoice=%.0f",
          ledgerRatio(),
          collectPerSecond(),
          collectLimitPerSecond,
          collectLimitRatio(),
          fourInstancesPerSecond(),
          fourOverOne(),
          doubleCharges,
          collectWalPerInvoice(),
          limitWalPerInvoice);
    }
  }

  public static void main(String[] args) throws Exception {
    int tenants = Integer.getInteger("tenants", 100_000);
    int concurrency = Integer.getInteger("concurrency", 64);
    long latency = Long.getLong("latency", 50);
    // -Dwarmups: untimed runs first. One leaves the JIT compiling the engine's collection path
    // through the timed day, while the limit loop, timed after it in the same JVM, finds the driver
    // compiled: two put both in the steady state (see the README, "What bounds collection").
    int warmups = Integer.getInteger("warmups", 2);
    Figures figures;
    try (Postgres pg = new Postgres(PROFILE)) {
      for (int w = 0; w < warmups; w++) {
        System.out.println("warming up on 2,000 tenants (untimed)");
        run(pg, 2_000, concurrency, latency, false);
      }
      figures = run(pg, tenants, concurrency, latency, true);
    }
    System.out.println(figures.line());
    System.exit(0);
  }

  public static Figures run(Postgres pg, int tenants, int concurrency, long latency, boolean print)
      throws Exception {
    if (print) {
      System.out.printf(
          Locale.ROOT,
          "renewal day: %,d tenants x %d paid relays, card rail %d ms, %d invoices at once per"
              + " instance%n",
          tenants,
          RenewalDayData.RELAYS,
          latency,
          concurrency);
    }
    // 1. one instance
    String one = pg.newSchema();
    String base = pg.newSchema();
    double ledger;
    double collect;
    double oneDay;
    int paid;
    double baseline;
    long ledgerWal;
    long collectWal;
    CollectionLimit.Limit limit;
    try (HikariDataSource pool = pg.pool(one, concurrency + 2);
        HikariDataSource basePool = pg.pool(base, 1);
        HikariDataSource walPool = pg.pool(one, 1)) {
      JdbcRepository.migrate(pool);
      JdbcRepository.migrate(basePool);
      long t = System.nanoTime();
      RenewalDayData.load(pool, tenants, true);
      RenewalDayData.load(basePool, tenants, false);
      if (print) {
        System.out.printf(
            Locale.ROOT, "setup (bulk load, untimed): %.1f s%n", (System.nanoTime() - t) / 1e9);
      }
      AtomicLong ledgerNanos = new AtomicLong();
      AtomicLong ledgerWalBytes = new AtomicLong();
      LongSupplier wal = () -> WalPosition.now(walPool);
      FakeCardRail rail = new FakeCardRail(latency);
      StatementProfile profile = PROFILE ? new StatementProfile() : null;
      Heap.resetPeak();
      try (Billing engine =
          engine(
              TimedRepository.wrap(
                  new JdbcRepository(profile == null ? pool : profile.wrap(pool)),
                  ledgerNanos,
                  wal,
                  ledgerWalBytes),
              rail,
              concurrency,
              "one")) {
        if (profile != null) {
          WalByStatement.reset(walPool);
        }
        if (Postgres.FULL_PAGE_WRITES) {
          pg.checkpoint();
        }
        long walBefore = wal.getAsLong();
        long started = System.nanoTime();
        CycleReport report = engine.runCycle();
        double total = (System.nanoTime() - started) / 1e9;
        long dayWal = wal.getAsLong() - walBefore;
        oneDay = total;
        paid = count(report.payments());
        check(tenants, report.invoicesCreated().size(), paid, report.failures());
        ledger = ledgerNanos.get() / 1e9;
        collect = total - ledger;
        ledgerWal = ledgerWalBytes.get();
        collectWal = dayWal - ledgerWal;
        if (print) {
          System.out.printf(
              Locale.ROOT,
              "one instance: day %.2f s = ledger %.2f s + collection %.2f s; %,.0f invoices/s over"
                  + " the whole day; peak heap %,d MiB%n",
              total,
              ledger,
              collect,
              paid / total,
              Heap.peak() >> 20);
          System.out.printf(
              Locale.ROOT,
              "wal_bytes_per_invoice: one instance's day %,.0f = ledger part %,.0f + collection"
                  + " part %,.0f (full_page_writes %s)%n",
              dayWal / (double) paid,
              ledgerWal / (double) paid,
              collectWal / (double) paid,
              Postgres.FULL_PAGE_WRITES ? "on, from a checkpoint" : "off");
        }
        if (profile != null && print) {
          profile.print("one instance", paid);
          WalByStatement.print(walPool, "one instance", paid);
        }
      }
      baseline = RenewalDayData.batchedInsert(basePool, tenants) / 1e9;
      if (print) {
        long rows = (long) tenants * RenewalDayData.RELAYS + tenants;
        System.out.printf(
            Locale.ROOT,
            "ledger part: %.2f s (%,.0f rows/s); batched INSERT of the same %,d rows: %.2f s"
                + " (%,.0f rows/s)%n",
            ledger,
            rows / ledger,
            rows,
            baseline,
            rows / baseline);
      }
    } finally {
      pg.dropSchema(one);
      pg.dropSchema(base);
    }
    // 1b. the database's limit for collection: the plain loop, same pool size, same server
    String plain = pg.newSchema();
    try (HikariDataSource pool = pg.pool(plain, concurrency + 2)) {
      limit = CollectionLimit.run(pool, tenants, concurrency, latency);
      if (print) {
        System.out.printf(
            Locale.ROOT,
            "collection's limit: the plain JDBC loop of its minimum writes (lease, rail %d ms,"
                + " payment + round + event) collects %,.0f invoices/s; the engine's collection"
                + " %,.0f/s, %.2fx of it%n",
            latency,
            limit.perSecond(),
            paid / collect,
            (paid / collect) / limit.perSecond());
        System.out.printf(
            Locale.ROOT,
            "wal_bytes_per_invoice: the limit loop %,.0f%n",
            limit.walBytesPerInvoice());
      }
    } finally {
      pg.dropSchema(plain);
    }

    // 2. four instances, one database
    String shared = pg.newSchema();
    List<HikariDataSource> pools = new ArrayList<>();
    List<Billing> engines = new ArrayList<>();
    double four;
    FakeCardRail rail = new FakeCardRail(latency);
    try {
      for (int e = 0; e < 4; e++) {
        pools.add(pg.pool(shared, concurrency + 2));
      }
      JdbcRepository.migrate(pools.get(0));
      RenewalDayData.load(pools.get(0), tenants, true);
      for (int e = 0; e < 4; e++) {
        engines.add(engine(new JdbcRepository(pools.get(e)), rail, concurrency, "four-" + e));
      }
      ExecutorService hosts = Executors.newFixedThreadPool(4);
      long walBefore = WalPosition.now(pools.get(0));
      long started = System.nanoTime();
      List<Future<CycleReport>> cycles = new ArrayList<>();
      for (Billing engine : engines) {
        cycles.add(hosts.submit(engine::runCycle));
      }
      int failures = 0;
      for (Future<CycleReport> cycle : cycles) {
        failures += cycle.get().failures();
      }
      four = (System.nanoTime() - started) / 1e9;
      long fourWal = WalPosition.now(pools.get(0)) - walBefore;
      hosts.shutdown();
      check(tenants, tenants, rail.invoicesCharged(), failures);
      if (print) {
        System.out.printf(
            Locale.ROOT,
            "four instances: day %.2f s, %,d invoices charged, %,.0f invoices/s (one instance's"
                + " whole day: %,.0f/s), %d double charges%n",
            four,
            rail.invoicesCharged(),
            rail.invoicesCharged() / four,
            paid / oneDay,
            rail.doubleCharges());
        System.out.printf(
            Locale.ROOT,
            "wal_bytes_per_invoice: four instances' day %,.0f (ledger and collection)%n",
            fourWal / (double) rail.invoicesCharged());
      }
    } finally {
      engines.forEach(Billing::close);
      pools.forEach(HikariDataSource::close);
      pg.dropSchema(shared);
    }
    return new Figures(
        tenants,
        ledger,
        baseline,
        collect,
        paid,
        oneDay,
        limit.perSecond(),
        four,
        rail.invoicesCharged(),
        rail.doubleCharges(),
        ledgerWal,
        collectWal,
        limit.walBytesPerInvoice());
  }

  static Billing engine(
      Repository repository, FakeCardRail rail, int concurrency, String instanceId) {
    return Billing.builder()
        .repository(repository)
        .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", RenewalDayData.PRICE)))
        .clock(Clock.fixed(RenewalDayData.NOW, ZoneOffset.UTC))
        .paymentGateway(rail)
        .appUrl("https://relays.example")
        .instanceId(instanceId)
        .collectionConcurrency(concurrency)
        .build();
  }

  private static int count(List<PaymentResult> results) {
    int paid = 0;
    for (PaymentResult r : results) {
      if (r instanceof PaymentResult.Paid) {
        paid++;
      }
    }
    return paid;
  }

  private static void check(int tenants, int invoices, int paid, int failures) {
    if (invoices != tenants || paid != tenants || failures != 0) {
      throw new IllegalStateException(
          "expected "
              + tenants
              + " invoices, all paid, no failure; got "
              + invoices
              + " invoices, "
              + paid
              + " paid, "
              + failures
              + " failures");
    }
  }
}
