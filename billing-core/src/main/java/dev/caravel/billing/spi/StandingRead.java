package dev.caravel.billing.spi;

import dev.caravel.billing.Standing;
import dev.caravel.billing.internal.Checks;
import java.util.List;

/**
 * What the engine judges a tenant's standing from (S13), as {@link Repository#readStandings} read
 * it at one moment: the tenant, the standing stored (GOOD when none was ever recorded), the
 * tenant's standing revision, and the collection state of each of its open (unpaid, not closed)
 * invoices. The revision is what {@link Repository#recordStandings} compares, so a verdict made
 * from this read is recorded only if nothing that may move the standing was written since.
 *
 * <p>Why a revision and not the stored standing: a compare-and-set on the stored standing alone
 * would not do. With GOOD stored, engine A reads an invoice whose round failed and judges PAST_DUE;
 * meanwhile the invoice is paid, and the payer's own refresh judges GOOD, as stored, and records no
 * change; A's GOOD -> PAST_DUE must then lose, though the stored standing is still the one A read.
 * So each tenant has a standing revision, bumped by every write that may move its standing (see
 * {@link Repository#standingChecksDue}) and by every recorded verdict, and the verdict names the
 * revision it was judged from.
 */
public record StandingRead(
    String tenant, Standing stored, long revision, List<CollectionState> openInvoices) {
  public StandingRead {
    Checks.notNull(tenant, "tenant");
    Checks.notNull(stored, "stored");
    openInvoices = List.copyOf(Checks.notNull(openInvoices, "openInvoices"));
  }
}
