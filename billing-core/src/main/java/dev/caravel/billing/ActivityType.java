package dev.caravel.billing;

import java.util.Locale;

/** What a tenant did to a relay. Every type is billable and may set the anchor (S1). */
public enum ActivityType {
  CREATE_RELAY,
  UPDATE_RELAY,
  ACTIVATE_RELAY,
  DEACTIVATE_RELAY;

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
            + "\"; expected create_relay, update_relay, activate_relay or deactivate_relay");
  }
}
