package dev.caravel.billing.spi;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * One relay's billing state as of a tenant's snapshot point (the start of its last renewed period,
 * S17): whether it is active, its plan and since when it has been on that plan, and the plan change
 * scheduled for the end of its term, if one is still to come (S22). What the activities before the
 * snapshot point fold to (S4), so that reconciling and renewing read only the activity after it.
 * Only relays created before the snapshot point have one.
 */
public record RelaySnapshot(
    String relay,
    boolean active,
    Optional<String> plan,
    Optional<Instant> planSince,
    Optional<ScheduledChange> scheduled) {

  /**
   * S22: the plan a relay moves to at {@code at}, the end of the term it was scheduled in (a period
   * start); the engine computed the instant, a storage keeps both as they are.
   */
  public record ScheduledChange(String plan, Instant at) {
    public ScheduledChange {
      Checks.id(plan, "scheduled plan");
      Checks.instant(at, "scheduled change's instant");
    }
  }

  public RelaySnapshot {
    Checks.id(relay, "relay");
    Checks.notNull(plan, "plan");
    Checks.notNull(planSince, "planSince");
    Checks.notNull(scheduled, "scheduled");
  }

  /** A relay with no change scheduled. */
  public RelaySnapshot(
      String relay, boolean active, Optional<String> plan, Optional<Instant> planSince) {
    this(relay, active, plan, planSince, Optional.empty());
  }
}
