package dev.caravel.billing;

import dev.caravel.billing.spi.Repository;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The poll (S12): one cycle by hand, or every {@code pollInterval} on a daemon thread once started.
 * A cycle bills the tenants with work due a page at a time, collects what is due, and judges again
 * the standings that change by time alone.
 */
final class Poll implements AutoCloseable {
  /** The facade's logger: hosts configure logging by the engine's name. */
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  private final EngineSettings settings;
  private final Repository repository;
  private final PageBilling pages;
  private final PaymentCollection collection;
  private final Standings standings;

  /**
   * Late Lightning payments of invoices no longer open (issue 21, S18): {@link LateBolt11Sweep}.
   */
  private final LateBolt11Sweep lateBolt11s;

  /**
   * Guards {@link #poller}: {@link #start} and {@link #close} may race from the host's threads, and
   * must agree on at most one poller. Billing itself is not locked: the repository coordinates
   * every write, across threads and instances alike.
   */
  private final Object pollLock = new Object();

  /** The scheduled poll while started; null while stopped. Guarded by {@link #pollLock}. */
  private ScheduledExecutorService poller;

  Poll(
      EngineSettings settings,
      Bookkeeping bookkeeping,
      PaymentCollection collection,
      Standings standings) {
    this.settings = settings;
    this.repository = settings.repository();
    this.pages = new PageBilling(settings, bookkeeping);
    this.collection = collection;
    this.standings = standings;
    this.lateBolt11s = new LateBolt11Sweep(settings, standings);
  }

  /** {@link Billing#runCycle}. */
  CycleReport runCycle() {
    List<Invoice> created = new ArrayList<>();
    List<PaymentResult> results = new ArrayList<>();
    int[] counts = cycle(created::add, results::add);
    return new CycleReport(counts[0], created, results, counts[1]);
  }

  /** {@link Billing#countCycle}. */
  CycleReport.Counts countCycle() {
    int[] made = {0};
    int[] paid = {0};
    int[] results = {0};
    int[] counts =
        cycle(
            invoice -> made[0]++,
            result -> {
              results[0]++;
              if (result instanceof PaymentResult.Paid) {
                paid[0]++;
              }
            });
    return new CycleReport.Counts(counts[0], made[0], results[0], paid[0], counts[1]);
  }

  /** A cycle, page by page, handing on what it makes; returns {tenants visited, failures}. */
  private int[] cycle(Consumer<Invoice> created, Consumer<PaymentResult> results) {
    Instant now = settings.now();
    int[] tenants = {0};
    int[] failures = {0};
    // Only tenants with work due (S17), a page at a time, each page taken from the other
    // instances for a lease's time; a tenant the storage failed to bill stays due, and this
    // instance's next cycle (a host runs it again after a failure) takes it again.
    String cycle = UUID.randomUUID().toString();
    while (true) {
      List<String> page;
      try {
        page =
            repository.takeDueTenants(
                settings.instanceId(), cycle, now, settings.leaseTtl(), settings.pageSize());
      } catch (RuntimeException e) {
        failures[0]++;
        LOG.log(Level.ERROR, "finding the tenants due failed; the next cycle retries", e);
        break;
      }
      if (page.isEmpty()) {
        break;
      }
      tenants[0] += page.size();
      // A tenant whose billing fails is reported and skipped, the rest of its page billed; only
      // the storage's failures count as the cycle's.
      PageBilling.Billed billed = pages.bill(page, now);
      if (billed.storageFailed()) {
        failures[0]++;
      }
      List<PaymentCascade.Known> made = billed.made();
      made.forEach(m -> created.accept(m.invoice()));
      // Another instance may have collected these meanwhile: collect() starts a round only if
      // the repository, under the invoice's lock, still finds it due. One a discount left at 0
      // was paid as it was made (S21): nothing to collect.
      collection
          .collectMade(made.stream().filter(m -> m.invoice().isOpen()).toList())
          .forEach(results);
    }
    try {
      List<PaymentResult> due;
      do {
        due = collection.collectDue();
        due.forEach(results);
      } while (due.size() >= settings.pageSize());
    } catch (RuntimeException e) {
      failures[0]++;
      LOG.log(Level.ERROR, "collecting due invoices failed; the next cycle retries", e);
    }

    // ---- late Lightning payments of ended invoices (issue 21): LateBolt11Sweep ----
    failures[0] += lateBolt11s.sweep(now);

    try {
      // Standing that changes by time alone (S13): only the tenants whose recheck has come.
      standings.refreshDueStandings(now);
    } catch (RuntimeException e) {
      failures[0]++;
      LOG.log(Level.ERROR, "checking standings failed; the next cycle retries", e);
    }
    return new int[] {tenants[0], failures[0]};
  }

  /** Starts polling every {@code pollInterval} on a daemon thread (a cycle runs at once). */
  void start() {
    synchronized (pollLock) {
      if (poller != null) {
        return;
      }
      poller =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "caravel-billing-poll");
                t.setDaemon(true);
                return t;
              });
      poller.scheduleWithFixedDelay(
          () -> {
            try {
              countCycle();
            } catch (Throwable e) {
              LOG.log(Level.ERROR, "billing poll cycle failed", e);
            }
          },
          0,
          settings.pollInterval().toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /** {@link Billing#close}. */
  @Override
  public void close() {
    ScheduledExecutorService stopping;
    synchronized (pollLock) {
      stopping = poller;
      poller = null;
    }
    if (stopping != null) {
      stopping.shutdown();
      try {
        stopping.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    collection.close();
  }
}
