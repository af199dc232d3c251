package dev.caravel.billing.spi;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * One relay's billing state as of a tenant's snapshot point (the start of its last renewed period,
 * S17): whether it is active, its plan and since when it has been on that plan. What the activities
 * before the snapshot point fold to (S4), so that reconciling and renewing read only the activity
 * after it. Only relays created before the snapshot point have one.
 */
public record RelaySnapshot(
    String relay, boolean active, Optional<String> plan, Optional<Instant> planSince) {
  public RelaySnapshot {
    Checks.id(relay, "relay");
    Checks.notNull(plan, "plan");
    Checks.notNull(planSince, "planSince");
  }
}
