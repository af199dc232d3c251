package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * Observes what the engine does. Called after the ledger is written; an exception thrown here is
 * logged and ignored, never undoes billing. Collection runs several invoices at once ({@link
 * Billing.Builder#collectionConcurrency}), so the payment events come from the engine's worker
 * threads, several at a time, and in no fixed order across invoices: an implementation must be
 * thread-safe. Events of one invoice's round come in order, from one thread.
 *
 * <p>A crash between the commit and the call loses the call. What must not be lost is also in the
 * durable feed ({@link Billing#events}): every state change reported here is written as an {@link
 * Event} in the same transaction as the change itself (S16).
 */
public interface BillingListener {
  default void invoiceCreated(Invoice invoice) {}

  default void paymentSucceeded(Invoice invoice, Payment payment) {}

  /**
   * A rail failed; the cascade goes on. {@code rail} is {@link Rail#NWC} or {@link Rail#STRIPE}.
   */
  default void paymentFailed(Invoice invoice, Rail rail, String error) {}

  default void paymentPending(Invoice invoice, String reference) {}

  default void directMessageSent(Invoice invoice, String text) {}

  /** The DM asking for payment could not be delivered. */
  default void directMessageFailed(Invoice invoice, String error) {}

  /**
   * Something only the operator can fix, or a state a person must look at (S18): a gateway that
   * refused our own request or key (the round is retried later, the tenant is not told), or an
   * invoice held because a charge's outcome could not be learned ({@code OUTCOME_UNKNOWN}).
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
  default void standingChanged(String tenant, Billing.Standing from, Billing.Standing to) {}

  /** A hand adjustment ({@link Billing#credit} or {@link Billing#charge}) was recorded. */
  default void adjustmentRecorded(InvoiceItem item) {}

  /** The invoice was voided or written off: it is never collected. */
  default void invoiceClosed(Invoice invoice) {}

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

  BillingListener NONE = new BillingListener() {};

  /**
   * One entry of the durable event feed (S16), read with {@link Billing#events}. Ids grow with
   * commit order, so a reader that resumes after the last id it handled misses nothing; it may see
   * an entry again after a crash (at least once) and should be idempotent on the id.
   *
   * <p>{@code invoiceId} is present for invoice events; {@code amount} is in minor units (the
   * invoice total, the adjustment's signed amount, the refund's amount; 0 for standing); {@code
   * reference} is the rail's reference of a payment, the key of an adjustment or refund, or the
   * previous standing; {@code detail} is the reason, hold detail, payment method or new standing.
   */
  record Event(
      long id,
      Type type,
      String tenant,
      Optional<String> invoiceId,
      long amount,
      Optional<String> reference,
      String detail,
      Instant at) {

    public enum Type {
      INVOICE_CREATED,
      PAYMENT_SUCCEEDED,
      /** A card charge is processing: the invoice is held until the rail answers. */
      PAYMENT_PENDING,
      /** Held because a charge's outcome could not be learned (S18): a person must look. */
      NEEDS_ATTENTION,
      /** A second, different payment reached a paid or closed invoice. */
      REFUND_NEEDED,
      CREDITED,
      CHARGED,
      INVOICE_VOIDED,
      INVOICE_WRITTEN_OFF,
      /** A refund to pay by hand was recorded. */
      REFUND_OWED,
      /** A refund was made (by the rail, by hand, or as a credit). */
      REFUNDED,
      /**
       * The rail refused a card refund outright and nothing moved: its amount is free again. A type
       * of its own, not REFUNDED with a detail, so that a reader summing REFUNDED amounts never
       * counts money that did not move. {@code detail} holds the refund's reason and the rail's.
       */
      REFUND_FAILED,
      /** {@code detail} is the new standing, {@code reference} the previous one. */
      STANDING_CHANGED
    }

    public Event {
      Checks.notNull(type, "event type");
      Checks.pubkey(tenant, "tenant");
      Checks.notNull(invoiceId, "invoiceId");
      Checks.notNull(reference, "reference");
      Checks.notNull(detail, "detail");
      Checks.notNull(at, "at");
      if (id < 0) {
        throw new InvalidInputException("event ids are not negative, got " + id);
      }
    }

    /** The same event under the id the feed gave it (0 until appended). */
    public Event withId(long id) {
      return new Event(id, type, tenant, invoiceId, amount, reference, detail, at);
    }

    public static Event invoiceCreated(Invoice i) {
      return of(Type.INVOICE_CREATED, i, i.total(), null, "", i.createdAt());
    }

    public static Event paid(Invoice i, Payment p) {
      return of(
          Type.PAYMENT_SUCCEEDED, i, i.total(), p.reference(), p.method().wireName(), p.paidAt());
    }

    public static Event held(Invoice i, dev.caravel.billing.spi.CollectionHold hold, Instant at) {
      boolean pending =
          hold.reason() == dev.caravel.billing.spi.CollectionHold.Reason.PAYMENT_PENDING;
      return of(
          pending ? Type.PAYMENT_PENDING : Type.NEEDS_ATTENTION,
          i,
          i.total(),
          pending ? hold.detail() : null,
          hold.detail(),
          at);
    }

    public static Event refundNeeded(Invoice i, Payment late) {
      return of(
          Type.REFUND_NEEDED,
          i,
          i.total(),
          late.reference(),
          late.method().wireName(),
          late.paidAt());
    }

    public static Event adjusted(InvoiceItem item) {
      return new Event(
          0,
          item.amount() < 0 ? Type.CREDITED : Type.CHARGED,
          item.tenant(),
          Optional.empty(),
          item.amount(),
          item.adjustmentKey(),
          item.description(),
          item.at());
    }

    public static Event closed(Invoice i) {
      Invoice.Closure c = i.closure().orElseThrow();
      return of(
          c.status() == Invoice.Status.VOID ? Type.INVOICE_VOIDED : Type.INVOICE_WRITTEN_OFF,
          i,
          i.total(),
          null,
          c.reason(),
          c.at());
    }

    public static Event refund(Payment.Refund r, Instant at) {
      return new Event(
          0,
          switch (r.status()) {
            case OWED -> Type.REFUND_OWED;
            case FAILED -> Type.REFUND_FAILED;
            case PENDING, DONE -> Type.REFUNDED;
          },
          r.tenant(),
          Optional.of(r.invoiceId()),
          r.amount(),
          Optional.of(r.key()),
          r.via().name()
              + ": "
              + r.reason()
              + r.failure().map(why -> "; refused: " + why).orElse(""),
          at);
    }

    public static Event standingChanged(
        String tenant, Billing.Standing from, Billing.Standing to, Instant at) {
      return new Event(
          0,
          Type.STANDING_CHANGED,
          tenant,
          Optional.empty(),
          0,
          Optional.of(from.name()),
          to.name(),
          at);
    }

    private static Event of(
        Type type, Invoice i, long amount, String reference, String detail, Instant at) {
      return new Event(
          0,
          type,
          i.tenant(),
          Optional.of(i.id()),
          amount,
          Optional.ofNullable(reference),
          detail,
          at);
    }
  }
}
