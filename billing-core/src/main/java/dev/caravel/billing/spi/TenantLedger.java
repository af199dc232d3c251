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
 * its stored details ({@link Tenant}): its tax setting (S24), which the invoices it claims from
 * this read are taxed by, its trial in days (S20), read with the rest so that the first append is
 * judged against it ({@link Repository#appendActivity}), and how it pays, so that the invoices
 * claimed from this read are collected without reading the tenant again; and its latest coupon
 * redemption (S21, {@link CouponStorage#redeemCoupon}), active or not: the engine reads the
 * unclaimed items themselves only for a tenant with one.
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
    Tenant profile,
    Optional<CouponRedemption> coupon) {

  /** The mark of a tenant in trial whose trial-ending event is not written yet (S20). */
  public static final int TRIAL_RUNNING = -2;

  /** The mark of a tenant in trial whose trial-ending event is written: period 0 comes next. */
  public static final int TRIAL_ENDING_TOLD = -1;

  public TenantLedger {
    Checks.notNull(lastActivityAt, "lastActivityAt");
    Checks.pubkey(tenant, "tenant");
    Checks.notNull(unclaimed, "unclaimed");
    Checks.notNull(profile, "profile");
    if (!profile.pubkey().equals(tenant)) {
      throw new InvalidInputException("the ledger of " + tenant + " with another's details");
    }
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
    if (renewedThrough < TRIAL_RUNNING) {
      throw new InvalidInputException(
          "renewedThrough must be " + TRIAL_RUNNING + " or more, got " + renewedThrough);
    }
    if (renewedThrough < 0 && (anchor.isEmpty() || profile.trialDays().isEmpty())) {
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

  /** The tenant's tax setting (S24), which the invoices claimed from this read are taxed by. */
  public Optional<Invoice.TaxSetting> tax() {
    return profile.tax();
  }

  /** The tenant's trial in days (S20), which its first append is judged against. */
  public OptionalInt trialDays() {
    return profile.trialDays();
  }

  /**
   * A ledger read whole: no snapshot, every activity, nothing unclaimed, a tenant with no details
   * (no way to pay, no tax, no trial) and no coupon.
   */
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
        Tenant.of(tenant),
        Optional.empty());
  }
}
