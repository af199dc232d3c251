package dev.caravel.billing;

import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.spi.RelaySnapshot;
import dev.caravel.billing.spi.TenantLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the engine asks of an activity before the repository stores it, beyond the checks of the
 * values themselves: a date at most the future skew after now (DESIGN "Security", bounded input);
 * for an activity that chooses a plan, a plan new activity may choose at that instant (S15: in the
 * catalogue then, and not retired); and a place in its tenant's log ({@link #againstLog}: in order,
 * in no renewed period, for a relay the tenant has). The repository only records what passes,
 * guarded by the log the judgement read ({@link
 * dev.caravel.billing.spi.Repository#appendActivity}).
 *
 * <p>Why a skew: hosts' clocks and event timestamps differ by seconds, so "not after now" would
 * refuse honest activity; but an activity dated far ahead (milliseconds read as seconds, a year
 * typed wrong) would be billed in advance, and, since a catalogue change must be dated after every
 * recorded activity, it would block every price change and retirement for every tenant until that
 * date. Refusing it also bounds every instant the period arithmetic sees (see {@link
 * dev.caravel.billing.internal.BillingPeriods}).
 */
final class ActivityAdmission {
  /** How far after now an activity may be dated unless the builder says otherwise. */
  static final Duration DEFAULT_FUTURE_SKEW = Duration.ofMinutes(5);

  /**
   * The largest skew a builder accepts: a skew is for clocks that differ, not for scheduling
   * activity ahead, and a long one would let in the dates this check exists to refuse.
   */
  static final Duration MAX_FUTURE_SKEW = Duration.ofDays(1);

  private ActivityAdmission() {}

  /**
   * Refuses {@code activity} unless it is dated at most {@code futureSkew} after {@code now} and
   * its plan, if it names one, may be chosen at its instant. {@code catalogue} is read only for an
   * activity that names a plan.
   *
   * @throws ActivityRejectedException {@code IN_THE_FUTURE}, {@code UNKNOWN_PLAN} or {@code
   *     PLAN_RETIRED}; nothing was recorded
   */
  static void check(
      Activity activity, Supplier<PlanCatalogue> catalogue, Instant now, Duration futureSkew) {
    notInTheFuture(activity, now, futureSkew);
    activity.plan().ifPresent(plan -> choosable(catalogue.get(), plan, activity.at()));
  }

  /**
   * The builder's check of a skew ({@link BillingBuilder#futureSkew}). Why an activity dated past
   * it is refused: a far date is a clock or unit error, and a catalogue change must be dated after
   * every recorded activity, so accepting it would block every price change and retirement dated
   * before it.
   */
  static Duration checkedSkew(Duration skew) {
    Objects.requireNonNull(skew, "futureSkew");
    if (skew.isNegative() || skew.compareTo(MAX_FUTURE_SKEW) > 0) {
      throw new IllegalArgumentException(
          "futureSkew must be from zero to " + MAX_FUTURE_SKEW + ", got " + skew);
    }
    return skew;
  }

  private static void notInTheFuture(Activity activity, Instant now, Duration futureSkew) {
    // A difference of two instants always fits a Duration; now.plus(skew) could overflow near
    // Instant.MAX, a comparison of differences cannot.
    if (Duration.between(now, activity.at()).compareTo(futureSkew) > 0) {
      throw new ActivityRejectedException(
          ActivityRejectedException.Reason.IN_THE_FUTURE,
          "activity "
              + activity.id()
              + " is dated "
              + activity.at()
              + ", more than "
              + futureSkew
              + " after now ("
              + now
              + "): a clock or unit error? (milliseconds read as seconds give dates"
              + " thousands of years ahead)");
    }
  }

  /**
   * A plan new activity may choose at {@code at}: in the catalogue at that instant (S15) and not
   * retired since. Choosing is read at the activity's own instant; pricing, at its period's start.
   */
  private static void choosable(PlanCatalogue catalogue, String plan, Instant at) {
    if (catalogue.versionAt(plan, at).isEmpty()) {
      throw new ActivityRejectedException(
          ActivityRejectedException.Reason.UNKNOWN_PLAN,
          "plan \""
              + plan
              + "\" is not in the catalogue at "
              + at
              + " "
              + catalogue.plans().stream().map(Plan::id).toList());
    }
    catalogue
        .retiredSince(plan, at)
        .ifPresent(
            since -> {
              throw new ActivityRejectedException(
                  ActivityRejectedException.Reason.PLAN_RETIRED,
                  "plan \""
                      + plan
                      + "\" is retired since "
                      + since
                      + ": it keeps billing the relays on it, but new activity can't choose it");
            });
  }

  /**
   * Why the tenant's log, as {@code read} (empty: no such tenant yet), refuses {@code activity};
   * empty when it admits it (S1, S2, S4, S8). Checked in this order, each naming what it compares:
   *
   * <ul>
   *   <li>{@code OUT_OF_ORDER}: before the tenant's latest activity, or before its anchor (only a
   *       charge sets an anchor before any activity, and an activity before it would belong to no
   *       period) unless a trial still runs up to it (S20);
   *   <li>{@code PERIOD_ALREADY_BILLED}: before the start of the tenant's last renewed period,
   *       whose items are written: the activity would change a bill already made;
   *   <li>{@code RELAY_EXISTS}: a create of a relay the tenant created before;
   *   <li>{@code UNKNOWN_RELAY}: any other type for a relay the tenant never created.
   * </ul>
   *
   * <p>The caller checks first whether this very activity is recorded already (a retry is answered
   * as recorded, whatever the log says now), so that the refusal is only for new ones.
   */
  static Optional<ActivityRejectedException> againstLog(
      Activity activity, Optional<TenantLedger> read) {
    if (read.isEmpty()) {
      return activity.type() == ActivityType.CREATE_RELAY
          ? Optional.empty()
          : Optional.of(unknownRelay(activity));
    }
    TenantLedger log = read.get();
    Instant at = activity.at();
    if (log.lastActivityAt().isPresent() && at.isBefore(log.lastActivityAt().get())) {
      return refused(
          ActivityRejectedException.Reason.OUT_OF_ORDER,
          activity,
          "is before the tenant's latest activity at " + log.lastActivityAt().get());
    }
    // S20: a trial's activity comes before its anchor, the trial's end, until period 0 is renewed.
    if (log.anchor().isPresent() && log.renewedThrough() >= 0 && at.isBefore(log.anchor().get())) {
      return refused(
          ActivityRejectedException.Reason.OUT_OF_ORDER,
          activity,
          "is before the tenant's billing anchor at " + log.anchor().get());
    }
    if (log.renewedThrough() > 0) {
      Instant renewedStart =
          new BillingPeriods(log.anchor().orElseThrow()).start(log.renewedThrough());
      if (at.isBefore(renewedStart)) {
        return refused(
            ActivityRejectedException.Reason.PERIOD_ALREADY_BILLED,
            activity,
            "falls before " + renewedStart + ", the start of a period already renewed");
      }
    }
    boolean created = hasCreated(log, activity.relay());
    if (activity.type() == ActivityType.CREATE_RELAY && created) {
      return Optional.of(
          new ActivityRejectedException(
              ActivityRejectedException.Reason.RELAY_EXISTS,
              "relay " + activity.relay() + " already exists"));
    }
    return activity.type() != ActivityType.CREATE_RELAY && !created
        ? Optional.of(unknownRelay(activity))
        : Optional.empty();
  }

  /**
   * S22: why the relay's state as of the activity ({@code rules} fold {@code log}, a log {@link
   * #againstLog} admitted it to) refuses a scheduled change or its cancel; empty when it admits it
   * or the activity is of another type. A change is scheduled for an active relay, to a plan other
   * than its own ({@code NOT_SCHEDULABLE}); a cancel needs a change still to come ({@code
   * NOTHING_SCHEDULED}): one that took effect is the plan now, and changing back is a new schedule.
   */
  static Optional<ActivityRejectedException> againstRelay(
      Activity activity, TenantLedger log, Ledger rules) {
    if (activity.type() != ActivityType.SCHEDULE_CHANGE
        && activity.type() != ActivityType.CANCEL_CHANGE) {
      return Optional.empty();
    }
    RelayState state = rules.stateAfterLog(log, activity.relay()).asOf(activity.at());
    if (activity.type() == ActivityType.CANCEL_CHANGE) {
      return state.scheduled().isPresent()
          ? Optional.empty()
          : refused(
              ActivityRejectedException.Reason.NOTHING_SCHEDULED,
              activity,
              "cancels no change: relay " + activity.relay() + " has none still to come");
    }
    if (!state.active()) {
      return refused(
          ActivityRejectedException.Reason.NOT_SCHEDULABLE,
          activity,
          "schedules a change for relay "
              + activity.relay()
              + ", which is inactive: an inactive relay is billed nothing to change");
    }
    if (activity.plan().equals(state.plan())) {
      return refused(
          ActivityRejectedException.Reason.NOT_SCHEDULABLE,
          activity,
          "schedules relay "
              + activity.relay()
              + " onto plan \""
              + activity.plan().orElseThrow()
              + "\", the plan it is on"
              + (state.scheduled().isPresent()
                  ? " (cancel_change drops the change scheduled to \""
                      + state.scheduled().get().plan()
                      + "\")"
                  : ""));
    }
    return Optional.empty();
  }

  /** The activity's id names another activity: a conflict, never an overwrite. */
  static ActivityRejectedException conflictingId(Activity activity) {
    return new ActivityRejectedException(
        ActivityRejectedException.Reason.CONFLICTING_ID,
        "activity " + activity.id() + " was recorded already with different content");
  }

  /**
   * Relays created before the snapshot point are in the snapshot (every one, active or not); the
   * rest were created in the tail.
   */
  private static boolean hasCreated(TenantLedger log, String relay) {
    for (RelaySnapshot snapshot : log.snapshot()) {
      if (snapshot.relay().equals(relay)) {
        return true;
      }
    }
    for (Activity a : log.activities()) {
      if (a.type() == ActivityType.CREATE_RELAY && a.relay().equals(relay)) {
        return true;
      }
    }
    return false;
  }

  private static ActivityRejectedException unknownRelay(Activity activity) {
    return new ActivityRejectedException(
        ActivityRejectedException.Reason.UNKNOWN_RELAY,
        "relay " + activity.relay() + " was never created");
  }

  private static Optional<ActivityRejectedException> refused(
      ActivityRejectedException.Reason reason, Activity activity, String why) {
    return Optional.of(
        new ActivityRejectedException(
            reason, "activity " + activity.id() + " at " + activity.at() + " " + why));
  }
}
