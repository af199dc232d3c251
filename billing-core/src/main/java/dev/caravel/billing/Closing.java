package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Repository;
import java.util.Optional;

/** Voids and write-offs (S14): closing an unpaid invoice, never while money may be moving. */
final class Closing {
  private final EngineSettings settings;
  private final Repository repository;
  private final PaymentCascade cascade;
  private final Standings standings;

  Closing(EngineSettings settings, PaymentCascade cascade, Standings standings) {
    this.settings = settings;
    this.repository = settings.repository();
    this.cascade = cascade;
    this.standings = standings;
  }

  /** {@link Billing#voidInvoice}. */
  CloseResult voidInvoice(String invoiceId, String reason) {
    return close(invoiceId, Invoice.Status.VOID, reason);
  }

  /** {@link Billing#writeOff}. */
  CloseResult writeOff(String invoiceId, String reason) {
    return close(invoiceId, Invoice.Status.UNCOLLECTIBLE, reason);
  }

  private CloseResult close(String invoiceId, Invoice.Status status, String reason) {
    Checks.id(invoiceId, "invoice id");
    Checks.text(reason, "reason");
    Invoice.Closure closure = new Invoice.Closure(status, reason.strip(), settings.now());
    if (repository.closeInvoice(invoiceId, closure)) {
      Invoice closed = repository.findInvoice(invoiceId).orElseThrow();
      settings.notify(l -> l.invoiceClosed(closed));
      cascade.cancelOpenCharges(closed, status.name().toLowerCase(java.util.Locale.ROOT), 0);
      standings.refreshStanding(closed.tenant());
      return new CloseResult.Closed(closed);
    }
    Optional<Invoice> found = repository.findInvoice(invoiceId);
    if (found.isEmpty()) {
      return new CloseResult.Refused(invoiceId, CloseResult.Reason.NO_SUCH_INVOICE);
    }
    Invoice invoice = found.get();
    if (invoice.isPaid()) {
      return new CloseResult.Refused(invoiceId, CloseResult.Reason.PAID);
    }
    if (invoice.isClosed()) {
      return invoice.status() == status
          ? new CloseResult.AlreadyClosed(invoice)
          : new CloseResult.Refused(invoiceId, CloseResult.Reason.CLOSED_OTHERWISE);
    }
    return new CloseResult.Refused(invoiceId, CloseResult.Reason.MONEY_MAY_BE_MOVING);
  }
}
