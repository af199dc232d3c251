package dev.caravel.billing;

import dev.caravel.billing.spi.Anchoring;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.TenantLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * S20's rules, pure: the anchor a first activity sets (its instant, or the trial's end), when the
 * trial-ending event is due, and the windows the poll's visits during a trial cover. The trial runs
 * from the first activity {@code F} to the anchor {@code A = F + D days}; its marks are {@link
 * TenantLedger#TRIAL_RUNNING} from {@code F}, then {@link TenantLedger#TRIAL_ENDING_TOLD} from the
 * notice instant {@code max(A - 3 days, F)}, then period 0's renewal at {@code A} ({@link
 * Ledger#renewalsDue}).
 */
final class Trials {
  /** How long before the anchor the trial-ending event is due. */
  static final Duration ENDING_NOTICE = Duration.ofDays(3);

  private Trials() {}

  /**
   * What {@code activity}, appended to the log {@code read} (empty: a new tenant), sets if the
   * tenant has no anchor yet: the trial's end when the tenant was given a trial, its instant
   * otherwise (S1).
   */
  static Anchoring anchoring(Activity activity, Optional<TenantLedger> read) {
    if (read.isPresent() && read.get().anchor().isEmpty() && read.get().trialDays().isPresent()) {
      Instant start = activity.at();
      return Anchoring.trial(start, start.plus(Duration.ofDays(read.get().trialDays().getAsInt())));
    }
    return Anchoring.at(activity.at());
  }

  /** Whether the ledger's tenant is in a trial not yet ended (its period 0 not renewed). */
  static boolean running(TenantLedger ledger) {
    return ledger.renewedThrough() < 0;
  }

  /** The trial's first instant: its first activity's. */
  private static Instant start(TenantLedger ledger) {
    return ledger.anchor().orElseThrow().minus(Duration.ofDays(ledger.trialDays().orElseThrow()));
  }

  /** When the trial-ending event is due: 3 days before the anchor, or at once if shorter. */
  static Instant endingNoticeAt(TenantLedger ledger) {
    Instant notice = ledger.anchor().orElseThrow().minus(ENDING_NOTICE);
    Instant start = start(ledger);
    return notice.isBefore(start) ? start : notice;
  }

  /**
   * The trial-ending "renewal" (period -1, no items) due by {@code now} for a tenant whose event is
   * not written yet: written once, guarded by the mark like every renewal.
   */
  static Optional<Renewal> endingNoticeDue(TenantLedger ledger, Instant now) {
    if (ledger.renewedThrough() != TenantLedger.TRIAL_RUNNING) {
      return Optional.empty();
    }
    Instant notice = endingNoticeAt(ledger);
    if (now.isBefore(notice)) {
      return Optional.empty();
    }
    return Optional.of(
        new Renewal(
            ledger.tenant(),
            TenantLedger.TRIAL_ENDING_TOLD,
            notice,
            ledger.activityCount(),
            List.of(),
            Optional.empty(),
            Optional.of(
                BillingEvent.trialEnding(ledger.tenant(), ledger.anchor().orElseThrow(), notice))));
  }

  /**
   * The window a visit at {@code now} (before the anchor) claims nothing for, from the trial's mark
   * start to its next step, so that the tenant is due again then: the notice instant, then the
   * anchor. The mark compared is the one the visit's renewals leave.
   */
  static Window window(TenantLedger ledger, Instant now) {
    Instant notice = endingNoticeAt(ledger);
    return now.isBefore(notice)
        ? new Window(start(ledger), notice)
        : new Window(notice, ledger.anchor().orElseThrow());
  }

  /** A stretch of a trial, {@code [start, end)}. */
  record Window(Instant start, Instant end) {}
}
