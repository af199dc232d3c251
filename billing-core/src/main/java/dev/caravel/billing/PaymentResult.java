package dev.caravel.billing;

import java.time.Instant;
import java.util.Optional;

/** What one payment round of an invoice came to (S9). */
public sealed interface PaymentResult {

  String invoiceId();

  /** Paid, by the rail in {@code payment}. */
  record Paid(String invoiceId, Payment payment) implements PaymentResult {}

  /**
   * Every rail failed or none was set up: the tenant was sent a DM asking to pay by hand ({@code
   * messaged} false if even that failed). {@code nextAttempt} is the next round (S11).
   */
  record NotPaid(
      String invoiceId, Optional<String> lastError, boolean messaged, Optional<Instant> nextAttempt)
      implements PaymentResult {}

  /**
   * The card payment was accepted but is not final (Stripe's {@code processing}). The invoice is
   * held: no round starts, by poll, {@link Billing#collect} or {@link Billing#retryNow}, while the
   * money may be moving. The rail's webhook ends the hold: {@link Billing#settle} when it
   * succeeded.
   */
  record Pending(String invoiceId, String reference) implements PaymentResult {}

  /**
   * A rail may or may not have taken the money (a timeout). The round stays open and is resumed at
   * {@code nextAttempt} with the same idempotency key, so it can never charge twice.
   */
  record Unknown(String invoiceId, String message, Instant nextAttempt) implements PaymentResult {}

  /**
   * The fault is <b>ours</b> (the gateway refused our request, key or account): nothing was
   * charged, the tenant was not messaged and no dunning step was used. The operator was told
   * ({@link BillingListener#needsAttention}); the round stays open and is resumed at {@code
   * nextAttempt} with the same idempotency key.
   */
  record Deferred(String invoiceId, Rail rail, String error, Instant nextAttempt)
      implements PaymentResult {}

  /** Nothing was attempted. */
  record Skipped(String invoiceId, Reason reason) implements PaymentResult {
    public enum Reason {
      ALREADY_PAID,
      /** Another instance holds the invoice's payment lease right now. */
      IN_PROGRESS,
      NO_SUCH_INVOICE,
      /** The invoice's next round is not due yet (S11). */
      NOT_DUE,
      /**
       * A card charge was accepted and is not final: its webhook settles the invoice or reopens it.
       */
      PAYMENT_PENDING,
      /**
       * A rail may have taken the money and has not said: the open round is resumed, never
       * repeated.
       */
      OUTCOME_UNKNOWN
    }
  }
}
