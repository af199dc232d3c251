package dev.caravel.billing.spi;

/**
 * What {@link Repository#markPaid} recorded for one payment. The engine tells the host about a
 * payment (a listener call) only when the write says it recorded something, so a payment delivered
 * again (a webhook redelivered, a BOLT11 noticed twice, two instances) is told once, exactly as its
 * event is written once.
 */
public enum PaymentRecord {
  /** This call made it the invoice's one payment and appended its {@code PAYMENT_SUCCEEDED}. */
  PAID,
  /**
   * The invoice was paid with another reference, voided or written off: this call recorded the
   * payment as a second payment of the invoice, with its {@code REFUND_NEEDED} event.
   */
  SECOND_PAYMENT,
  /**
   * Nothing recorded: the invoice holds this reference already (as its payment, or as a second
   * payment recorded by an earlier call), or there is no such invoice.
   */
  NOTHING
}
