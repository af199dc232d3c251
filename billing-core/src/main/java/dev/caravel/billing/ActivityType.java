package dev.caravel.billing;

import java.util.Locale;

/**
 * What a tenant did to a relay. The first four are billable and may set the anchor (S1); the last
 * two schedule and cancel a plan change at the end of the relay's term (S22), bill nothing when
 * recorded, and need an active relay, so they never come first.
 */
public enum ActivityType {
  CREATE_RELAY,
  UPDATE_RELAY,
  ACTIVATE_RELAY,
  DEACTIVATE_RELAY,
  /** S22: the relay moves to the activity's plan at the end of its current term. */
  SCHEDULE_CHANGE,
  /** S22: the relay's scheduled change is dropped; it stays on its plan. */
  CANCEL_CHANGE;

  /** The snake_case name used on the wire and in storage, e.g. {@code create_relay}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ActivityType fromWireName(String name) {
    for (ActivityType type : values()) {
      if (type.wireName().equals(name)) {
        return type;
      }
    }
    throw new InvalidInputException(
        "unknown activity type \""
            + name
            + "\"; expected create_relay, update_relay, activate_relay, deactivate_relay,"
            + " schedule_change or cancel_change");
  }
}
