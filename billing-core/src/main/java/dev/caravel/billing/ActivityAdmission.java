package dev.caravel.billing;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the engine asks of an activity before the repository stores it, beyond the checks of the
 * values themselves: a date at most the future skew after now (DESIGN "Security", bounded input),
 * and, for an activity that chooses a plan, a plan new activity may choose at that instant (S15: in
 * the catalogue then, and not retired).
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

  /** The builder's check of a skew. */
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
}
