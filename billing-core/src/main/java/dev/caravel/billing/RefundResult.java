package dev.caravel.billing;

/** What {@link Billing#refund} did. */
public sealed interface RefundResult {
  /**
   * Recorded: refunded by the rail or as a credit ({@code DONE}), or owed and to be paid by hand
   * ({@code OWED}, see {@link Billing#refundPaid}).
   */
  record Recorded(Payment.Refund refund) implements RefundResult {}

  /**
   * Sent to the gateway without a definite answer (or the gateway says the charge has nothing left
   * to refund): the amount is reserved; call again with the same key.
   */
  record Pending(Payment.Refund refund, String message) implements RefundResult {}

  /**
   * The rail refused the card refund outright and nothing moved: the refund is {@code FAILED}
   * ({@link Payment.Refund#failure()} says why) and its amount is free again. The same key returns
   * this again; refund again under a new key.
   */
  record Failed(Payment.Refund refund) implements RefundResult {}

  record Refused(String invoiceId, Reason reason, String message) implements RefundResult {}

  enum Reason {
    NO_SUCH_INVOICE,
    NOT_PAID,
    /** More than what the payment has left unrefunded. */
    EXCEEDS_PAYMENT,
    /** A card refund of a payment that was not made by card, or with no gateway to make it. */
    NOT_A_CARD_PAYMENT
  }
}
