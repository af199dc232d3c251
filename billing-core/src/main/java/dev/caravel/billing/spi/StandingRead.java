package dev.caravel.billing.spi;

import dev.caravel.billing.Standing;
import dev.caravel.billing.internal.Checks;
import java.util.List;

/**
 * What the engine judges a tenant's standing from (S13), as {@link Repository#readStanding} read it
 * at one moment: the standing stored (GOOD when none was ever recorded), the tenant's standing
 * revision, and the collection state of each of its open (unpaid, not closed) invoices. The
 * revision is what {@link Repository#recordStanding} compares, so a verdict made from this read is
 * recorded only if nothing that may move the standing was written since.
 */
public record StandingRead(Standing stored, long revision, List<CollectionState> openInvoices) {
  public StandingRead {
    Checks.notNull(stored, "stored");
    openInvoices = List.copyOf(Checks.notNull(openInvoices, "openInvoices"));
  }
}
