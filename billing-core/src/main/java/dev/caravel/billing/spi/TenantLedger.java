package dev.caravel.billing.spi;

import dev.caravel.billing.Activity;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What the engine reads of one tenant to reconcile and renew: its anchor (S1), the last period
 * renewed ({@code 0} when none; period 0 is never a renewal), a snapshot of its relays' states as
 * of the start of period {@code snapshotPeriod} ({@code 0}: none, the log read whole), the
 * activities at or after that start oldest-first (by time, then by the order recorded: the log's
 * tail), which of them are billed, how many activities the whole log holds (what a {@link Renewal}
 * is guarded by), the instant of its latest activity (in the tail or before it), and its items on
 * no invoice yet as read with the rest ({@link Repository#unclaimedTotals}' answer for it): the
 * engine adds what it writes after the read, and claims from that without reading them again; and
 * its tax setting (S24), which the invoices it claims from this read are taxed by; and its trial in
 * days (S20), read with the rest so that the first append is judged against it ({@link
 * Repository#appendActivity}); and its latest coupon redemption (S21, {@link
 * CouponStorage#redeemCoupon}), active or not: the engine reads the unclaimed items themselves only
 * for a tenant with one.
 *
 * <p>A tenant anchored at a trial's end has a negative mark while the trial runs ({@link
 * #TRIAL_RUNNING}, then {@link #TRIAL_ENDING_TOLD} once the trial-ending event is written): period
 * 0 is then renewed once, at the anchor, with the first term's charges, guarded like every renewal.
 *
 * <p>Snapshot plus tail fold to exactly the states the whole log folds to (S8): every activity
 * before the snapshot point is billed, and none can be appended there (it would fall inside a
 * renewed period).
 */
public record TenantLedger(
    String tenant,
    Optional<Instant> anchor,
    int renewedThrough,
    int snapshotPeriod,
    List<RelaySnapshot> snapshot,
    int activityCount,
    List<Activity> activities,
    Set<String> billedActivityIds,
    Optional<Instant> lastActivityAt,
    UnclaimedTotal unclaimed,
    Optional<Invoice.TaxSetting> tax,
    OptionalInt trialDays,
    Optional<CouponRedemption> coupon) {

  /** The mark of a tenant in trial whose trial-ending event is not written yet (S20). */
  public static final int TRIAL_RUNNING = -2;

  /** The mark of a tenant in trial whose trial-ending event is written: period 0 comes next. */
  public static final int TRIAL_ENDING_TOLD = -1;

  public TenantLedger {
    Checks.notNull(lastActivityAt, "lastActivityAt");
    Checks.pubkey(tenant, "tenant");
    Checks.notNull(unclaimed, "unclaimed");
    Checks.notNull(tax, "tax");
    Checks.notNull(coupon, "coupon");
    if (coupon.isPresent() && !coupon.get().tenant().equals(tenant)) {
      throw new InvalidInputException("the ledger of " + tenant + " with another's coupon");
    }
    if (!unclaimed.tenant().equals(tenant)) {
      throw new InvalidInputException("the ledger of " + tenant + " with the items of another");
    }
    Checks.notNull(anchor, "anchor");
    snapshot = List.copyOf(snapshot);
    activities = List.copyOf(activities);
    billedActivityIds = Set.copyOf(billedActivityIds);
    Checks.notNull(trialDays, "trialDays");
    if (renewedThrough < TRIAL_RUNNING) {
      throw new InvalidInputException(
          "renewedThrough must be " + TRIAL_RUNNING + " or more, got " + renewedThrough);
    }
    if (renewedThrough < 0 && (anchor.isEmpty() || trialDays.isEmpty())) {
      throw new InvalidInputException("a trial's mark without an anchor or a trial");
    }
    if (snapshotPeriod < 0 || snapshotPeriod > Math.max(0, renewedThrough)) {
      throw new InvalidInputException(
          "the snapshot is of a renewed period, got "
              + snapshotPeriod
              + " with "
              + renewedThrough
              + " renewed");
    }
    if (snapshotPeriod == 0 && !snapshot.isEmpty()) {
      throw new InvalidInputException("no snapshot point, yet relay states");
    }
    if (activityCount < activities.size()) {
      throw new InvalidInputException("the log is shorter than its tail");
    }
  }

  /** A ledger without a trial (S20) or a coupon (S21), as read before they were kept. */
  public TenantLedger(
      String tenant,
      Optional<Instant> anchor,
      int renewedThrough,
      int snapshotPeriod,
      List<RelaySnapshot> snapshot,
      int activityCount,
      List<Activity> activities,
      Set<String> billedActivityIds,
      Optional<Instant> lastActivityAt,
      UnclaimedTotal unclaimed,
      Optional<Invoice.TaxSetting> tax) {
    this(
        tenant,
        anchor,
        renewedThrough,
        snapshotPeriod,
        snapshot,
        activityCount,
        activities,
        billedActivityIds,
        lastActivityAt,
        unclaimed,
        tax,
        OptionalInt.empty(),
        Optional.empty());
  }

  /** A ledger without a coupon (S21). */
  public TenantLedger(
      String tenant,
      Optional<Instant> anchor,
      int renewedThrough,
      int snapshotPeriod,
      List<RelaySnapshot> snapshot,
      int activityCount,
      List<Activity> activities,
      Set<String> billedActivityIds,
      Optional<Instant> lastActivityAt,
      UnclaimedTotal unclaimed,
      Optional<Invoice.TaxSetting> tax,
      OptionalInt trialDays) {
    this(
        tenant,
        anchor,
        renewedThrough,
        snapshotPeriod,
        snapshot,
        activityCount,
        activities,
        billedActivityIds,
        lastActivityAt,
        unclaimed,
        tax,
        trialDays,
        Optional.empty());
  }

  /** A ledger read whole: no snapshot, every activity, nothing unclaimed. */
  public TenantLedger(
      String tenant,
      Optional<Instant> anchor,
      int renewedThrough,
      List<Activity> activities,
      Set<String> billedActivityIds) {
    this(
        tenant,
        anchor,
        renewedThrough,
        0,
        List.of(),
        activities.size(),
        activities,
        billedActivityIds,
        activities.isEmpty()
            ? Optional.empty()
            : Optional.of(activities.get(activities.size() - 1).at()),
        UnclaimedTotal.none(tenant),
        Optional.empty());
  }
}
