package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.CollectionHold;
import java.time.Instant;
import java.util.Optional;

/**
 * One entry of the durable event feed (S16), read with {@link Billing#events}. Ids grow with commit
 * order, so a reader that resumes after the last id it handled misses nothing; it may see an entry
 * again after a crash (at least once) and should be idempotent on the id.
 *
 * <p>{@code invoiceId} is present for invoice events; {@code amount} is in minor units (the invoice
 * total, the adjustment's signed amount, the refund's amount; 0 for standing and billing failures);
 * {@code reference} is the rail's reference of a payment, the key of an adjustment or refund, or
 * the previous standing; {@code detail} is the reason, hold detail, payment method or new standing.
 */
public record BillingEvent(
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
    /**
     * S25: an invoice below the card minimum of a card-only tenant was closed as carried when it
     * was claimed (instead of INVOICE_CREATED: it is never collected). {@code amount} is its net,
     * now one unclaimed item of the tenant ({@code reference} is the item's id), {@code detail} the
     * reason.
     */
    INVOICE_CARRIED,
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
    STANDING_CHANGED,
    /**
     * The poll could not bill the tenant (its stored data overflows, or breaks a rule the ledger
     * relies on): it was skipped, the rest of its page was billed, and it is tried again later.
     * {@code detail} is the reason, for the operator; nothing in the ledger changed. Reported once
     * per failed attempt, and attempts are spaced (see {@link BillingListener#billingFailed}).
     */
    TENANT_BILLING_FAILED,
    /**
     * S20: the tenant's trial ends in 3 days (or less, for a shorter trial), at the instant in
     * {@code detail}; written once, by the poll that finds it due.
     */
    TRIAL_ENDING,
    /**
     * S20: the tenant's trial ended at {@code at}, its anchor; {@code amount} is what the first
     * term's charges sum to, claimed on its first invoice.
     */
    TRIAL_ENDED
  }

  public BillingEvent {
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
  public BillingEvent withId(long id) {
    return new BillingEvent(id, type, tenant, invoiceId, amount, reference, detail, at);
  }

  public static BillingEvent invoiceCreated(Invoice i) {
    return of(Type.INVOICE_CREATED, i, i.total(), null, "", i.createdAt());
  }

  public static BillingEvent paid(Invoice i, Payment p) {
    return of(
        Type.PAYMENT_SUCCEEDED, i, i.total(), p.reference(), p.method().wireName(), p.paidAt());
  }

  public static BillingEvent held(Invoice i, CollectionHold hold, Instant at) {
    boolean pending = hold.reason() == CollectionHold.Reason.PAYMENT_PENDING;
    return of(
        pending ? Type.PAYMENT_PENDING : Type.NEEDS_ATTENTION,
        i,
        i.total(),
        pending ? hold.detail() : null,
        hold.detail(),
        at);
  }

  public static BillingEvent refundNeeded(Invoice i, Payment late) {
    return of(
        Type.REFUND_NEEDED,
        i,
        i.total(),
        late.reference(),
        late.method().wireName(),
        late.paidAt());
  }

  public static BillingEvent adjusted(InvoiceItem item) {
    return new BillingEvent(
        0,
        item.amount() < 0 ? Type.CREDITED : Type.CHARGED,
        item.tenant(),
        Optional.empty(),
        item.amount(),
        item.adjustmentKey(),
        item.description(),
        item.at());
  }

  public static BillingEvent closed(Invoice i) {
    Invoice.Closure c = i.closure().orElseThrow();
    return of(
        c.status() == Invoice.Status.VOID ? Type.INVOICE_VOIDED : Type.INVOICE_WRITTEN_OFF,
        i,
        i.total(),
        null,
        c.reason(),
        c.at());
  }

  /** {@link Type#INVOICE_CARRIED} of {@code i}, whose net is now the item {@code carried}. */
  public static BillingEvent carried(Invoice i, InvoiceItem carried) {
    return of(
        Type.INVOICE_CARRIED,
        i,
        carried.amount(),
        carried.id(),
        i.closure().orElseThrow().reason(),
        i.createdAt());
  }

  public static BillingEvent refund(Payment.Refund r, Instant at) {
    return new BillingEvent(
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
        r.via().name() + ": " + r.reason() + r.failure().map(why -> "; refused: " + why).orElse(""),
        at);
  }

  public static BillingEvent standingChanged(
      String tenant, Standing from, Standing to, Instant at) {
    return new BillingEvent(
        0,
        Type.STANDING_CHANGED,
        tenant,
        Optional.empty(),
        0,
        Optional.of(from.name()),
        to.name(),
        at);
  }

  /** {@link Type#TENANT_BILLING_FAILED}: billing {@code tenant} failed at {@code at}. */
  public static BillingEvent billingFailed(String tenant, String reason, Instant at) {
    return new BillingEvent(
        0, Type.TENANT_BILLING_FAILED, tenant, Optional.empty(), 0, Optional.empty(), reason, at);
  }

  /** {@link Type#TRIAL_ENDING}: told at {@code at} that the trial ends at {@code anchor}. */
  public static BillingEvent trialEnding(String tenant, Instant anchor, Instant at) {
    return new BillingEvent(
        0, Type.TRIAL_ENDING, tenant, Optional.empty(), 0, Optional.empty(), anchor.toString(), at);
  }

  /** {@link Type#TRIAL_ENDED}: the trial ended at {@code anchor}, the first term charged. */
  public static BillingEvent trialEnded(String tenant, Instant anchor, long firstTermCharged) {
    return new BillingEvent(
        0,
        Type.TRIAL_ENDED,
        tenant,
        Optional.empty(),
        firstTermCharged,
        Optional.empty(),
        anchor.toString(),
        anchor);
  }

  private static BillingEvent of(
      Type type, Invoice i, long amount, String reference, String detail, Instant at) {
    return new BillingEvent(
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
