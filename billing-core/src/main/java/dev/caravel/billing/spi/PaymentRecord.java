package dev.caravel.billing.spi;

/**
 * Which write {@link Repository#markPaid} made for one payment, described from the write's side:
 * what each means for the money (the payment, or one to refund) is the engine's to say. The engine
 * tells the host about a payment (a listener call) only when the write says it wrote something, so
 * a payment delivered again (a webhook redelivered, a BOLT11 noticed twice, two instances) is told
 * once, exactly as its event is written once.
 */
public enum PaymentRecord {
  /**
   * The invoice was open (unpaid, not closed) at the write: this call set its payment (the
   * compare-and-set won) and appended the {@link PaymentEvents#asPayment} event given.
   */
  PAID,
  /**
   * The invoice was not open (paid, or closed) at the write, and held the reference neither as its
   * payment nor as a second payment: this call inserted the (invoice, reference) second payment and
   * appended the {@link PaymentEvents#asSecondPayment} event given.
   */
  SECOND_PAYMENT,
  /**
   * Nothing written: the invoice was not open and held this reference already (as its payment, or
   * as a second payment an earlier call inserted), or there is no such invoice.
   */
  NOTHING
}
