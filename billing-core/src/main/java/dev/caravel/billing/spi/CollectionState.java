package dev.caravel.billing.spi;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * Where collecting an invoice stands: rounds started so far, whether the last one is still open
 * (running, or its outcome unknown), when the first began, when the next is due (empty: none
 * scheduled), the live lease's end if any, and the hold that keeps it from being collected.
 */
public record CollectionState(
    int rounds,
    boolean roundOpen,
    Optional<Instant> firstAttemptAt,
    Optional<Instant> nextAttemptAt,
    Optional<Instant> leaseUntil,
    Optional<CollectionHold> hold) {
  public CollectionState {
    Checks.notNull(firstAttemptAt, "firstAttemptAt");
    Checks.notNull(nextAttemptAt, "nextAttemptAt");
    Checks.notNull(leaseUntil, "leaseUntil");
    Checks.notNull(hold, "hold");
  }

  /** Whether a round may start (or resume) at {@code now}: due, and no live lease holds it. */
  public boolean dueAt(Instant now) {
    return nextAttemptAt.isPresent() && !nextAttemptAt.get().isAfter(now) && !leasedAt(now);
  }

  /** Whether a live lease holds the invoice at {@code now}. */
  public boolean leasedAt(Instant now) {
    return leaseUntil.isPresent() && leaseUntil.get().isAfter(now);
  }
}
