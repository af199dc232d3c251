package dev.caravel.billing;

import dev.caravel.billing.RailException.Rail;
import java.time.Instant;
import java.util.Optional;

/** What one payment round of an invoice came to (S9). */
public sealed interface PaymentResult {

  String invoiceId();

  /** Paid, by the rail in {@code payment}. */
  record Paid(String invoiceId, Payment payment) implements PaymentResult {}

  /**
   * Every rail failed or none was set up: the tenant was sent a DM asking to pay by hand ({@code
   * messaged} false if even that failed, or no messenger is wired). {@code nextAttempt} is the next
   * round (S11); empty when dunning is over, or when the round ended needing attention (our fault:
   * {@code lastError} says what, {@link BillingListener#needsAttention} was told, and only a person
   * moves the invoice on: {@link Billing#retryNow}, {@link Billing#reopen}, a void or a write-off).
   * {@code lastError} is the operator's text, never sent to the tenant. With no rail and no
   * messenger wired at all, no round is run: {@code lastError} says so and the invoice stays due.
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
   * No longer answered by the engine (issue 21): a fault of ours (the gateway refused our request,
   * key or account) now ends the round needing attention, a {@link NotPaid} with no next attempt,
   * instead of resuming it every {@code faultRetryDelay}. Kept so that code handling it still
   * compiles.
   *
   * @deprecated a fault of ours is a {@link NotPaid} whose invoice needs attention
   */
  @Deprecated(since = "0.1.0")
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
      OUTCOME_UNKNOWN,
      /**
       * The last round ended on a fault of ours (the gateway refused our request, a charge refused
       * before it was sent): nothing can move, and only a person moves it on ({@link
       * Billing#retryNow}, {@link Billing#reopen}, a void or a write-off).
       */
      NEEDS_ATTENTION
    }
  }
}
