package dev.caravel.billing.jdbc;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.spi.Claim;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * S25 in the claim's transaction: the invoices the engine closed as carried (below the card minimum
 * of a card-only tenant) are recorded closed and never due, and each one's net is inserted as the
 * unclaimed item {@link Claim#carriedItem} built, after the claim took the tenant's items, so it
 * waits for the tenant's next invoice. The engine decided all of it; this records.
 */
final class CarriedClaims {
  private CarriedClaims() {}

  /**
   * Records the carried invoices among {@code created} ({@code making}'s invoices, in order) and
   * returns the events of all of them, in order: INVOICE_CARRIED for a carried one, else
   * INVOICE_CREATED.
   */
  static List<BillingEvent> record(Connection c, List<Claim> making, List<Invoice> created)
      throws SQLException {
    List<BillingEvent> events = new ArrayList<>();
    List<InvoiceItem> carriedItems = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE billing_invoice SET closed_status = ?, closed_reason = ?, closed_at = ?, "
                + "next_attempt_at = NULL WHERE id = ?")) {
      for (int k = 0; k < created.size(); k++) {
        Invoice invoice = created.get(k);
        Claim claim = making.get(k);
        if (!invoice.isCarried()) {
          events.add(BillingEvent.invoiceCreated(invoice));
          continue;
        }
        Invoice.Closure closure = invoice.closure().orElseThrow();
        ps.setString(1, closure.status().name());
        ps.setString(2, closure.reason());
        Rows.setInstant(ps, 3, closure.at());
        ps.setString(4, invoice.id());
        ps.addBatch();
        InvoiceItem item = claim.carriedItem(invoice.id()).orElseThrow();
        carriedItems.add(item);
        events.add(BillingEvent.carried(invoice, item));
      }
      if (!carriedItems.isEmpty()) {
        ps.executeBatch();
        for (InvoiceItem item : carriedItems) {
          LedgerOperations.insertItem(c, item);
        }
      }
    }
    return events;
  }
}
