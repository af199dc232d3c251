package dev.caravel.billing;

import java.util.Objects;

/** An activity was refused; nothing of it was recorded. {@link #reason()} says why. */
public final class ActivityRejectedException extends InvalidInputException {
  /** Why an activity was refused. */
  public enum Reason {
    /** The plan id is not in the catalogue, or has no price yet at the activity's instant. */
    UNKNOWN_PLAN,
    /** The plan is retired as of the activity's instant: it bills its relays, none may join. */
    PLAN_RETIRED,
    /** {@code update/activate/deactivate} for a relay that was never created. */
    UNKNOWN_RELAY,
    /** {@code create_relay} for a relay that already exists. */
    RELAY_EXISTS,
    /** The activity is dated before the tenant's latest recorded activity. */
    OUT_OF_ORDER,
    /** The activity is dated inside a period that has already been renewed. */
    PERIOD_ALREADY_BILLED,
    /** An activity with this id was recorded already, with different content. */
    CONFLICTING_ID,
    /**
     * The activity is dated more than the builder's {@code futureSkew} (default 5 minutes) after
     * now: a clock or unit error (milliseconds read as seconds). Accepted, it would be billed in
     * advance and would block every catalogue change dated before it.
     */
    IN_THE_FUTURE,
    /**
     * S22: a plan change can't be scheduled for this relay now: it is inactive, or already on the
     * plan (a change scheduled before is replaced only by a change to another plan).
     */
    NOT_SCHEDULABLE,
    /** S22: a cancel for a relay with no change still to come (none, or it took effect). */
    NOTHING_SCHEDULED
  }

  private final Reason reason;

  public ActivityRejectedException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
