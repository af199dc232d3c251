package dev.caravel.billing;

import dev.caravel.billing.RailException.Rail;
import java.time.Instant;
import java.util.Optional;

/**
 * Observes what the engine does. Called after the ledger is written; an exception thrown here is
 * logged and ignored, never undoes billing. Collection runs several invoices at once ({@link
 * BillingBuilder#collectionConcurrency}), so the payment events come from the engine's worker
 * threads, several at a time, and in no fixed order across invoices: an implementation must be
 * thread-safe. Events of one invoice's round come in order, from one thread.
 *
 * <p>A crash between the commit and the call loses the call. What must not be lost is also in the
 * durable feed ({@link Billing#events}): every state change reported here is written as an {@link
 * BillingEvent} in the same transaction as the change itself (S16).
 */
public interface BillingListener {
  default void invoiceCreated(Invoice invoice) {}

  default void paymentSucceeded(Invoice invoice, Payment payment) {}

  /**
   * A rail failed; the cascade goes on. {@code rail} is {@link Rail#NWC} or {@link Rail#STRIPE};
   * {@code error} is the rail's own text, for the operator (the tenant's DM carries a fixed
   * sentence instead).
   */
  default void paymentFailed(Invoice invoice, Rail rail, String error) {}

  default void paymentPending(Invoice invoice, String reference) {}

  default void directMessageSent(Invoice invoice, String text) {}

  /** The DM asking for payment could not be delivered. */
  default void directMessageFailed(Invoice invoice, String error) {}

  /**
   * Something only the operator can fix, or a state a person must look at (S18), with the rail's
   * own words in {@code reason}: a rail that refused our own request, key or account, or a charge
   * refused before it was sent (below the card minimum); on the round's last rail the invoice then
   * needs attention (no round by itself; the tenant heard only a fixed sentence) until {@link
   * Billing#retryNow}, {@link Billing#reopen}, a void or a write-off. Also an invoice held because
   * a charge's outcome could not be learned ({@code OUTCOME_UNKNOWN}).
   */
  default void needsAttention(Invoice invoice, Rail rail, String reason) {}

  /**
   * The rail refunded (part of) a payment of the invoice: {@code amountRefunded} is the total
   * refunded so far on {@code reference}, in ledger minor units. The ledger itself is unchanged.
   */
  default void paymentRefunded(Invoice invoice, String reference, long amountRefunded) {}

  /**
   * The cardholder disputed the charge {@code reference} ({@code invoice} empty when the rail did
   * not say which invoice it paid): {@code amount} in ledger minor units, {@code reason} the
   * rail's.
   */
  default void paymentDisputed(
      Optional<Invoice> invoice, String reference, String disputeId, long amount, String reason) {}

  /**
   * The tenant's standing changed (S13): the host suspends or restores its relays on this; the
   * library never does.
   */
  default void standingChanged(String tenant, Standing from, Standing to) {}

  /** A hand adjustment ({@link Billing#credit} or {@link Billing#charge}) was recorded. */
  default void adjustmentRecorded(InvoiceItem item) {}

  /** The invoice was voided or written off: it is never collected. */
  default void invoiceClosed(Invoice invoice) {}

  /**
   * S25: the invoice was below the card minimum of a card-only tenant and was closed as carried
   * when claimed (called instead of {@link #invoiceCreated}); its net is now {@code carried}, an
   * unclaimed item for the tenant's next invoice.
   */
  default void invoiceCarried(Invoice invoice, InvoiceItem carried) {}

  /**
   * A refund was recorded (or its state moved on: sent, owed, done, or failed: the rail refused it
   * and nothing moved, {@link Payment.Refund#failure()} says why). Called once per change.
   */
  default void refundRecorded(Invoice invoice, Payment.Refund refund) {}

  /**
   * A second, different payment reached an invoice already paid or closed: the tenant paid twice
   * and is owed {@code late}'s money back. The same charge seen twice (same reference) is one
   * payment and never reported.
   */
  default void refundNeeded(Invoice invoice, Payment late) {}

  /**
   * The poll could not bill {@code tenant}: its stored data broke billing (a sum beyond a {@code
   * long}, an instant beyond the calendar: data written before the entry checks, or by an older
   * version), and {@code reason} says how, for the operator. The tenant was skipped and the rest of
   * its page billed; nothing of the tenant's was written. Called once per failed attempt, with a
   * {@link BillingEvent.Type#TENANT_BILLING_FAILED} event and a log line at ERROR. The poll tries
   * the tenant again an hour later (or at once after its next activity or adjustment), so a tenant
   * that keeps failing is reported about once an hour, not on every cycle; {@link
   * Billing#generateInvoice} bills it at once after a fix. A failing storage is not a tenant's
   * failure: the page is left for the next cycle, as before.
   */
  default void billingFailed(String tenant, String reason) {}

  /**
   * S20: the tenant's trial ends at {@code anchor}, in 3 days or less (written to the feed once).
   */
  default void trialEnding(String tenant, Instant anchor) {}

  /** S20: the tenant's trial ended at {@code anchor}; its first term is charged. */
  default void trialEnded(String tenant, Instant anchor) {}

  BillingListener NONE = new BillingListener() {};
}
