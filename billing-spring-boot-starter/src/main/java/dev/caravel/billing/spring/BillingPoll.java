package dev.caravel.billing.spring;

import dev.caravel.billing.Billing;
import dev.caravel.billing.CycleReport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.springframework.context.SmartLifecycle;

/**
 * The poll (S12) as part of the application's lifecycle: on start, a cycle at once and then one
 * every interval; on stop, the cycle under way finishes and {@link Billing#close()} is called.
 *
 * <p>It schedules {@link Billing#countCycle()} itself rather than calling {@link Billing#start()},
 * because the engine's own poll tells no one when a cycle ends: running the cycles here lets the
 * health indicator and the metrics see each one. It runs the counting cycle, as the engine's own
 * poll does, not {@link Billing#runCycle()}: a cycle's {@link CycleReport.Counts} stay the same
 * size however many invoices a renewal day makes, where a report would hold every one of them.
 */
public class BillingPoll implements SmartLifecycle {
  private static final System.Logger LOG = System.getLogger(BillingPoll.class.getName());

  private final Billing billing;
  private final Duration interval;
  private final BillingStatus status;
  private final UnaryOperator<Supplier<CycleReport.Counts>> timing;
  private final Clock clock;
  private final Object lock = new Object();
  private ScheduledExecutorService poller;

  /**
   * @param timing wraps each cycle, {@code billing::countCycle} (the metrics time it); {@code c ->
   *     c} for none
   */
  public BillingPoll(
      Billing billing,
      Duration interval,
      BillingStatus status,
      UnaryOperator<Supplier<CycleReport.Counts>> timing,
      Clock clock) {
    this.billing = Objects.requireNonNull(billing, "billing");
    this.interval = Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the poll interval must be positive, got " + interval);
    }
    this.status = Objects.requireNonNull(status, "status");
    this.timing = Objects.requireNonNull(timing, "timing");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Runs one cycle ({@link Billing#countCycle()}) now, on the caller's thread, and records its
   * counts in the status (the scheduled runs do this).
   */
  public void runCycle() {
    Instant started = clock.instant();
    long t0 = System.nanoTime();
    try {
      CycleReport.Counts counts = timing.apply(billing::countCycle).get();
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      status.cycleFinished(started, took, counts);
      LOG.log(
          System.Logger.Level.DEBUG,
          () ->
              "billing poll cycle: "
                  + counts.tenantsVisited()
                  + " tenants visited, "
                  + counts.invoicesCreated()
                  + " invoices created, "
                  + counts.payments()
                  + " payment results ("
                  + counts.paid()
                  + " paid), "
                  + counts.failures()
                  + " failures, "
                  + took.toMillis()
                  + " ms");
    } catch (RuntimeException e) {
      status.cycleFailed(started, Duration.ofNanos(System.nanoTime() - t0), e);
      LOG.log(System.Logger.Level.ERROR, "billing poll cycle failed", e);
    }
    try {
      status.refreshBacklog();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "counting the due invoices failed", e);
    }
  }

  @Override
  public void start() {
    synchronized (lock) {
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
      poller.scheduleWithFixedDelay(this::runCycle, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void stop() {
    ScheduledExecutorService stopping;
    synchronized (lock) {
      stopping = poller;
      poller = null;
    }
    if (stopping != null) {
      stopping.shutdown();
      try {
        if (!stopping.awaitTermination(30, TimeUnit.SECONDS)) {
          stopping.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    billing.close();
  }

  @Override
  public boolean isRunning() {
    synchronized (lock) {
      return poller != null;
    }
  }

  /** Late in start-up, early in shutdown: after the web server is up, before the pools close. */
  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE - 1024;
  }
}
