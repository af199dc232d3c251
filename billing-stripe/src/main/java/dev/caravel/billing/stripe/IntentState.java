package dev.caravel.billing.stripe;

/** Where a PaymentIntent stands, as reconciliation needs to know it. */
public enum IntentState {
  /** The money moved: settle the invoice with the intent id. */
  SUCCEEDED,
  /** Accepted, not final ({@code processing}, or {@code requires_capture}): wait for the webhook. */
  PROCESSING,
  /** The customer must authenticate; cancel it if the invoice gets paid another way. */
  REQUIRES_ACTION,
  /** The attempt failed ({@code requires_payment_method}, or left {@code requires_confirmation}): nothing was charged. */
  FAILED,
  /** Canceled: nothing was charged. */
  CANCELED;

  static IntentState of(String status) {
    switch (status) {
      case "succeeded":
        return SUCCEEDED;
      case "processing":
      case "requires_capture":
        return PROCESSING;
      case "requires_action":
        return REQUIRES_ACTION;
      case "canceled":
        return CANCELED;
      case "requires_payment_method":
      case "requires_confirmation":
        return FAILED;
      default:
        throw new StripeException("unexpected PaymentIntent status \"" + status + "\"", 200, null, null, null);
    }
  }
}
