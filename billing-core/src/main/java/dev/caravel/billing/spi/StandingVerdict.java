package dev.caravel.billing.spi;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Standing;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The engine's verdict on a tenant's standing (S13), for {@link Repository#recordStandings} to
 * record if the tenant's standing revision is still {@code readRevision}, the one the verdict was
 * judged from ({@link StandingRead#revision()}): the standing, the instant at which time alone may
 * change it (empty: none), and, when it differs from the standing read, the {@code
 * STANDING_CHANGED} event the engine built ({@link BillingEvent#standingChanged}).
 */
public record StandingVerdict(
    String tenant,
    long readRevision,
    Standing standing,
    Optional<Instant> recheckAt,
    Optional<BillingEvent> changed) {
  public StandingVerdict {
    Checks.notNull(tenant, "tenant");
    Checks.notNull(standing, "standing");
    Checks.notNull(recheckAt, "recheckAt");
    Checks.notNull(changed, "changed");
    changed.ifPresent(
        e -> {
          // The event must say what is recorded: a mismatch is the caller's mistake.
          if (e.type() != BillingEvent.Type.STANDING_CHANGED
              || !e.tenant().equals(tenant)
              || !e.detail().equals(standing.name())) {
            throw new IllegalArgumentException(
                "not the STANDING_CHANGED event of " + tenant + " to " + standing + ": " + e);
          }
        });
  }

  /**
   * The misuse a storage refuses in {@link Repository#recordStandings}: two verdicts of one tenant
   * in one call, which could not both be compared with the revision they were judged from.
   *
   * @throws IllegalArgumentException two verdicts of one tenant
   */
  public static void requireOnePerTenant(List<StandingVerdict> verdicts) {
    Set<String> seen = new HashSet<>();
    for (StandingVerdict verdict : verdicts) {
      if (!seen.add(Checks.notNull(verdict, "verdict").tenant())) {
        throw new IllegalArgumentException("two verdicts of " + verdict.tenant() + " in one call");
      }
    }
  }
}
