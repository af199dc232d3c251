package dev.caravel.billing;

import dev.caravel.billing.spi.RelaySnapshot.ScheduledChange;
import java.time.Instant;
import java.util.Optional;

/**
 * A relay's billing state: whether it exists, is active, its plan (S4), since when it has been on
 * that plan (the activity that chose it, or the boundary a scheduled change took effect at;
 * grandfathering reads the term holding it, S15), and the change scheduled for the end of its term
 * (S22). Folding a relay's activities oldest-first: create → active on its plan; update with
 * another plan → that plan, status unchanged; activate → active; deactivate → inactive;
 * schedule_change → the plan and the boundary it takes effect at; cancel_change → none scheduled.
 *
 * <p>A scheduled change is part of the state, not an activity of its own: the state "as of {@code
 * t}" ({@link #asOf}) is on the new plan once {@code t} reaches the boundary. So the renewal at the
 * boundary charges the new plan, an activity at or after it sees the new plan, and the change bills
 * nothing by itself (S22). Only an active relay holds one: a deactivation drops it, as does a plan
 * change made at once.
 */
record RelayState(
    boolean exists,
    boolean active,
    Optional<String> plan,
    Instant planSince,
    Optional<ScheduledChange> scheduled) {
  static final RelayState NONE =
      new RelayState(false, false, Optional.empty(), null, Optional.empty());

  /**
   * Where a change scheduled at {@code at} for a relay on {@code plan} takes effect: the end of
   * that plan's term holding {@code at} (S19, S22), a function of the anchor and the catalogue.
   */
  @FunctionalInterface
  interface TermEnds {
    Instant after(String plan, Instant at);
  }

  /** For folds of logs that schedule nothing (benchmarks, old tests): a schedule is refused. */
  private static final TermEnds NO_SCHEDULES =
      (plan, at) -> {
        throw new IllegalStateException("folding a scheduled change needs the relay's terms");
      };

  /** A state with no change scheduled. */
  RelayState(boolean exists, boolean active, Optional<String> plan, Instant planSince) {
    this(exists, active, plan, planSince, Optional.empty());
  }

  /** The state as of {@code t}: on the scheduled plan from its boundary on, chosen there. */
  RelayState asOf(Instant t) {
    if (scheduled.isEmpty() || t.isBefore(scheduled.get().at())) {
      return this;
    }
    ScheduledChange change = scheduled.get();
    return new RelayState(exists, active, Optional.of(change.plan()), change.at());
  }

  /** {@link #apply(Activity, TermEnds)} for a log with no scheduled change. */
  RelayState apply(Activity activity) {
    return apply(activity, NO_SCHEDULES);
  }

  /** The state after {@code activity}, which sees the state as of its instant ({@link #asOf}). */
  RelayState apply(Activity activity, TermEnds ends) {
    RelayState s = asOf(activity.at());
    return switch (activity.type()) {
      case CREATE_RELAY -> new RelayState(true, true, activity.plan(), activity.at());
      case UPDATE_RELAY ->
          // A change made at once replaces any change scheduled.
          activity.plan().isPresent() && !activity.plan().equals(s.plan)
              ? new RelayState(s.exists, s.active, activity.plan(), activity.at())
              : s;
        // Unchanged states are shared, not copied: the fold allocates only on a change.
      case ACTIVATE_RELAY ->
          s.active ? s : new RelayState(s.exists, true, s.plan, s.planSince, s.scheduled);
      case DEACTIVATE_RELAY -> s.active ? new RelayState(s.exists, false, s.plan, s.planSince) : s;
      case SCHEDULE_CHANGE -> s.scheduling(activity, ends);
      case CANCEL_CHANGE ->
          s.scheduled.isEmpty() ? s : new RelayState(s.exists, s.active, s.plan, s.planSince);
    };
  }

  /**
   * A newer schedule replaces the one before. Recording refuses a schedule on an inactive relay or
   * for the plan it is on ({@link ActivityAdmission#againstRelay}); the fold stays total on such
   * logs all the same: an inactive relay holds no schedule, and "stay on this plan" drops one.
   */
  private RelayState scheduling(Activity activity, TermEnds ends) {
    if (!active || activity.plan().equals(plan)) {
      return scheduled.isEmpty() ? this : new RelayState(exists, active, plan, planSince);
    }
    Instant at = ends.after(plan.orElseThrow(), activity.at());
    return new RelayState(
        exists,
        active,
        plan,
        planSince,
        Optional.of(new ScheduledChange(activity.plan().orElseThrow(), at)));
  }
}
