package dev.caravel.billing;

import dev.caravel.billing.spi.CollectionState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * S13 as a pure function of the tenant's open invoices and the clock. Each open invoice is judged
 * on its own and the tenant gets the worst (the oldest unpaid invoice is normally that one):
 *
 * <ul>
 *   <li>{@code SUSPENDED} once {@code suspendAfter} has passed since its first payment attempt;
 *   <li>{@code PAST_DUE} once {@code pastDueAfter} of its rounds have failed: a round counts as
 *       failed once it is closed without payment, so a round still running, whose outcome is
 *       unknown, or that is held (a pending charge, or needing attention for a fault of ours) does
 *       not count. An engine with no rail and no messenger runs no round at all (issue 26), so no
 *       tenant falls past due because the host wired nothing;
 *   <li>{@code GOOD} otherwise, and whenever nothing is open (paid, voided, written off).
 * </ul>
 *
 * The recheck instant is the earliest instant at which time alone would suspend the tenant; rounds
 * change only when the engine runs one, and the engine judges again then.
 */
record StandingPolicy(int pastDueAfter, Duration suspendAfter) {

  /** The standing, and the next instant at which time alone would change it (empty: none). */
  record Verdict(Standing standing, Optional<Instant> recheckAt) {}

  /**
   * The standing from the collection state of each of the tenant's open (unpaid, not closed)
   * invoices at {@code now}. Pure: the same open invoices and instant give the same verdict.
   */
  Verdict judge(List<CollectionState> openInvoices, Instant now) {
    Standing worst = Standing.GOOD;
    Instant recheck = null;
    for (CollectionState s : openInvoices) {
      Standing standing = Standing.GOOD;
      int unsettled = s.roundOpen() || s.hold().isPresent() ? 1 : 0;
      if (s.rounds() - unsettled >= pastDueAfter) {
        standing = Standing.PAST_DUE;
      }
      if (s.firstAttemptAt().isPresent()) {
        Instant suspendAt = s.firstAttemptAt().get().plus(suspendAfter);
        if (!now.isBefore(suspendAt)) {
          standing = Standing.SUSPENDED;
        } else if (recheck == null || suspendAt.isBefore(recheck)) {
          recheck = suspendAt;
        }
      }
      if (standing.compareTo(worst) > 0) {
        worst = standing;
      }
    }
    return new Verdict(worst, Optional.ofNullable(recheck));
  }
}
