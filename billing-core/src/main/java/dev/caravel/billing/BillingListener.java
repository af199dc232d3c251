package dev.caravel.billing;

/**
 * Observes what the engine does. Called on the engine's thread after the ledger is written;
 * an exception thrown here is logged and ignored, never undoes billing.
 */
public interface BillingListener {
  default void invoiceCreated(Invoice invoice) {}

  default void paymentSucceeded(Invoice invoice, Payment payment) {}

  /** A rail failed; the cascade goes on. {@code rail} is {@link Rail#NWC} or {@link Rail#STRIPE}. */
  default void paymentFailed(Invoice invoice, Rail rail, String error) {}

  default void paymentPending(Invoice invoice, String reference) {}

  default void directMessageSent(Invoice invoice, String text) {}

  /** The DM asking for payment could not be delivered. */
  default void directMessageFailed(Invoice invoice, String error) {}

  BillingListener NONE = new BillingListener() {};
}
