package dev.caravel.billing.spi;

import dev.caravel.billing.Activity;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the engine reads of one tenant to reconcile and renew: its anchor (S1), the last period
 * renewed ({@code 0} when none; period 0 is never a renewal), every activity oldest-first (by time,
 * then by the order recorded), and which of them are billed.
 */
public record TenantLedger(
    String tenant,
    Optional<Instant> anchor,
    int renewedThrough,
    List<Activity> activities,
    Set<String> billedActivityIds) {

  public TenantLedger {
    Checks.pubkey(tenant, "tenant");
    Checks.notNull(anchor, "anchor");
    activities = List.copyOf(activities);
    billedActivityIds = Set.copyOf(billedActivityIds);
    if (renewedThrough < 0) {
      throw new InvalidInputException("renewedThrough must not be negative");
    }
  }
}
