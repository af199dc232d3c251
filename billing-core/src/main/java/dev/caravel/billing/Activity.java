package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * One thing a tenant did to one of its relays, at {@code at}. {@code plan} is required for {@code
 * create_relay} and {@code schedule_change}, optional for {@code update_relay} (an update may
 * change other things) and absent otherwise. The id is the host's (its event id), so recording is
 * idempotent.
 */
public record Activity(
    String id, String tenant, ActivityType type, String relay, Optional<String> plan, Instant at) {
  public Activity {
    Checks.id(id, "activity id");
    Checks.pubkey(tenant, "tenant");
    Checks.notNull(type, "activity type");
    Checks.id(relay, "relay id");
    Checks.notNull(plan, "plan");
    plan.ifPresent(p -> Checks.id(p, "plan id"));
    Checks.instant(at, "activity time");
    if (type == ActivityType.CREATE_RELAY && plan.isEmpty()) {
      throw new InvalidInputException("create_relay needs a plan");
    }
    if (type == ActivityType.SCHEDULE_CHANGE && plan.isEmpty()) {
      throw new InvalidInputException("schedule_change needs a plan");
    }
    if ((type == ActivityType.ACTIVATE_RELAY
            || type == ActivityType.DEACTIVATE_RELAY
            || type == ActivityType.CANCEL_CHANGE)
        && plan.isPresent()) {
      throw new InvalidInputException(type.wireName() + " takes no plan");
    }
  }

  public static Activity create(String id, String tenant, String relay, String plan, Instant at) {
    return new Activity(
        id, tenant, ActivityType.CREATE_RELAY, relay, Optional.ofNullable(plan), at);
  }

  public static Activity update(
      String id, String tenant, String relay, String planOrNull, Instant at) {
    return new Activity(
        id, tenant, ActivityType.UPDATE_RELAY, relay, Optional.ofNullable(planOrNull), at);
  }

  public static Activity activate(String id, String tenant, String relay, Instant at) {
    return new Activity(id, tenant, ActivityType.ACTIVATE_RELAY, relay, Optional.empty(), at);
  }

  public static Activity deactivate(String id, String tenant, String relay, Instant at) {
    return new Activity(id, tenant, ActivityType.DEACTIVATE_RELAY, relay, Optional.empty(), at);
  }

  /**
   * S22: from the end of the relay's current term, the relay is on {@code plan}; until then nothing
   * changes and nothing bills. A newer schedule replaces it; a plan change now, a deactivation or
   * {@link #cancelChange} before the boundary drops it.
   */
  public static Activity scheduleChange(
      String id, String tenant, String relay, String plan, Instant at) {
    return new Activity(
        id, tenant, ActivityType.SCHEDULE_CHANGE, relay, Optional.ofNullable(plan), at);
  }

  /** S22: drops the relay's scheduled change, if the boundary has not come yet. */
  public static Activity cancelChange(String id, String tenant, String relay, Instant at) {
    return new Activity(id, tenant, ActivityType.CANCEL_CHANGE, relay, Optional.empty(), at);
  }
}
