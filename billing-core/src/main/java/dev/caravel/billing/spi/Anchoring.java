package dev.caravel.billing.spi;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * What the engine decided a tenant's first activity sets (S1, S20), for {@link
 * Repository#appendActivity} to record if the tenant has no anchor yet: its anchor, its renewal
 * mark and the mark's start. Without a trial, the anchor is the activity's instant and the mark 0
 * (none renewed, no start); with a trial, the anchor is the trial's end, the mark {@link
 * TenantLedger#TRIAL_RUNNING} and its start the trial's start (the activity's instant), what the
 * poll's claims during the trial are compared with.
 */
public record Anchoring(Instant anchor, int renewedThrough, Optional<Instant> markStart) {
  public Anchoring {
    Checks.instant(anchor, "anchor");
    Checks.notNull(markStart, "markStart");
    markStart.ifPresent(start -> Checks.instant(start, "mark start"));
    boolean trial = renewedThrough == TenantLedger.TRIAL_RUNNING;
    if (!trial && renewedThrough != 0) {
      throw new InvalidInputException(
          "a first anchoring marks 0 or a running trial, got " + renewedThrough);
    }
    if (trial != markStart.isPresent()) {
      throw new InvalidInputException("a trial's mark has a start, and only a trial's");
    }
    if (trial && !markStart.get().isBefore(anchor)) {
      throw new InvalidInputException("a trial starts before its end, the anchor");
    }
  }

  /** Anchored at {@code at}, nothing renewed: a tenant without a trial (S1). */
  public static Anchoring at(Instant at) {
    return new Anchoring(at, 0, Optional.empty());
  }

  /** A trial from {@code start} to {@code anchor} (S20). */
  public static Anchoring trial(Instant start, Instant anchor) {
    return new Anchoring(anchor, TenantLedger.TRIAL_RUNNING, Optional.of(start));
  }
}
