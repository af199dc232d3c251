package dev.caravel.billing.spring;

import dev.caravel.billing.CycleReport;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.Repository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the poll has done and what is waiting: the last cycle (when, how long, its counts and
 * failures or the error it threw), failures so far, and the backlog of due and overdue invoices.
 * Read by the health indicator and the metrics' gauges; written by {@link BillingPoll}.
 */
public class BillingStatus {
  private final Repository repository;
  private final Clock clock;
  private final Duration overdueAfter;
  private final int backlogLimit;

  private volatile Instant lastCycleAt;
  private volatile Duration lastCycleDuration;
  private volatile int lastCycleFailures;
  private volatile CycleReport.Counts lastCycleCounts;
  private volatile String lastError;
  private final AtomicLong cycles = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile Backlog backlog = new Backlog(0, 0);

  /** The due and overdue counts, each capped at the backlog limit. */
  public record Backlog(int due, int overdue) {}

  public BillingStatus(
      Repository repository, Clock clock, Duration overdueAfter, int backlogLimit) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.overdueAfter = Objects.requireNonNull(overdueAfter, "overdueAfter");
    if (overdueAfter.isNegative()) {
      throw new IllegalArgumentException("overdueAfter must not be negative");
    }
    if (backlogLimit < 1) {
      throw new IllegalArgumentException("backlogLimit must be positive, got " + backlogLimit);
    }
    this.backlogLimit = backlogLimit;
  }

  /** A cycle ({@code Billing.countCycle()}, what the poll runs) finished with {@code counts}. */
  public void cycleFinished(Instant startedAt, Duration took, CycleReport.Counts counts) {
    Objects.requireNonNull(counts, "counts");
    lastCycleAt = startedAt;
    lastCycleDuration = took;
    lastCycleFailures = counts.failures();
    lastCycleCounts = counts;
    lastError = null;
    cycles.incrementAndGet();
    failures.addAndGet(counts.failures());
  }

  /**
   * A cycle a host ran with {@code Billing.runCycle()} finished with {@code report}: recorded as
   * its counts, so the status keeps none of its invoices.
   */
  public void cycleFinished(Instant startedAt, Duration took, CycleReport report) {
    Objects.requireNonNull(report, "report");
    int paid = 0;
    for (PaymentResult result : report.payments()) {
      if (result instanceof PaymentResult.Paid) {
        paid++;
      }
    }
    cycleFinished(
        startedAt,
        took,
        new CycleReport.Counts(
            report.tenantsVisited(),
            report.invoicesCreated().size(),
            report.payments().size(),
            paid,
            report.failures()));
  }

  /** A cycle threw. */
  public void cycleFailed(Instant startedAt, Duration took, RuntimeException error) {
    lastCycleAt = startedAt;
    lastCycleDuration = took;
    lastCycleFailures = 1;
    lastCycleCounts = null;
    String message = error.getMessage();
    lastError = error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    cycles.incrementAndGet();
    failures.incrementAndGet();
  }

  /** Counts the due and overdue invoices now, remembers and returns the counts. */
  public Backlog refreshBacklog() {
    Instant now = clock.instant();
    List<String> due = repository.dueInvoices(now, backlogLimit);
    Instant overdueBefore = now.minus(overdueAfter);
    int overdue = 0;
    for (String id : due) {
      Optional<Instant> first =
          repository.collectionState(id).flatMap(CollectionState::firstAttemptAt);
      if (first.isPresent() && first.get().isBefore(overdueBefore)) {
        overdue++;
      }
    }
    Backlog counted = new Backlog(due.size(), overdue);
    backlog = counted;
    return counted;
  }

  /** The counts of the last {@link #refreshBacklog}. */
  public Backlog backlog() {
    return backlog;
  }

  public Optional<Instant> lastCycleAt() {
    return Optional.ofNullable(lastCycleAt);
  }

  public Optional<Duration> lastCycleDuration() {
    return Optional.ofNullable(lastCycleDuration);
  }

  /** Failures in the last cycle: its report's count, or 1 when it threw. */
  public int lastCycleFailures() {
    return lastCycleFailures;
  }

  /** What the last cycle did; empty before the first cycle and when the last one threw. */
  public Optional<CycleReport.Counts> lastCycleCounts() {
    return Optional.ofNullable(lastCycleCounts);
  }

  /** What the last cycle threw, if it threw. */
  public Optional<String> lastError() {
    return Optional.ofNullable(lastError);
  }

  public long cycles() {
    return cycles.get();
  }

  /** Failures over every cycle so far. */
  public long failures() {
    return failures.get();
  }
}
