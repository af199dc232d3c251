package dev.caravel.billing;

/** What {@link Billing#voidInvoice} or {@link Billing#writeOff} did. */
public sealed interface CloseResult {
  /** This call closed the invoice. */
  record Closed(Invoice invoice) implements CloseResult {}

  /** Closed the same way before: nothing changed. */
  record AlreadyClosed(Invoice invoice) implements CloseResult {}

  /** Not closed, because of {@code reason}. */
  record Refused(String invoiceId, Reason reason) implements CloseResult {}

  enum Reason {
    NO_SUCH_INVOICE,
    /** Paid: refund it instead. */
    PAID,
    /** Closed the other way (voided vs written off). */
    CLOSED_OTHERWISE,
    /**
     * A payment round is running, its outcome is unknown, or a charge is pending: money may be
     * moving. Wait for the round, the rail's answer ({@link Billing#chargeFailed}, {@link
     * Billing#settle}) or {@link Billing#reopen}, then close it.
     */
    MONEY_MAY_BE_MOVING
  }
}
