package dev.caravel.billing;

import java.time.Instant;
import java.util.Optional;

/**
 * Where collecting an invoice stands: rounds started so far, whether the last one is still open
 * (its outcome unknown), when the first began and when the next is due (empty: none scheduled).
 */
public record CollectionState(int rounds, boolean roundOpen, Optional<Instant> firstAttemptAt, Optional<Instant> nextAttemptAt) {
  public CollectionState {
    Checks.notNull(firstAttemptAt, "firstAttemptAt");
    Checks.notNull(nextAttemptAt, "nextAttemptAt");
  }
}
