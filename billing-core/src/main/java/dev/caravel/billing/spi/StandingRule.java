package dev.caravel.billing.spi;

import dev.caravel.billing.Standing;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The engine's rule for a tenant's standing (S13), handed to {@link Repository#refreshStanding} so
 * the repository can apply it to what it reads under the tenant's lock. Pure: the same open
 * invoices and instant give the same verdict.
 */
@FunctionalInterface
public interface StandingRule {

  /**
   * The standing from the collection state of each of the tenant's open (unpaid, not closed)
   * invoices at {@code now}, and the next instant at which time alone would change it.
   */
  Verdict judge(List<CollectionState> openInvoices, Instant now);

  record Verdict(Standing standing, Optional<Instant> recheckAt) {
    public Verdict {
      Checks.notNull(standing, "standing");
      Checks.notNull(recheckAt, "recheckAt");
    }
  }
}
