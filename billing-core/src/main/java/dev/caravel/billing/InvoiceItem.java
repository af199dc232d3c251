package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One line of the ledger: a charge (positive) or credit (negative) in minor units. An item comes
 * from one activity ({@code activityId}), from renewing one relay for period {@code renewalPeriod},
 * or from a hand adjustment ({@code adjustmentKey}: {@link Billing#credit} and {@link
 * Billing#charge}, whose reason is the description); exactly one is present. Its id is derived from
 * that source, so the same source can never yield two items. {@code invoiceId} is empty while
 * unclaimed.
 *
 * <p>Items are keyed by their id alone, on every storage. The id names the kind of source: {@code
 * adj:<key>} for a hand adjustment, {@code refund:<refund key>} for a refund's credit ({@link
 * #forRefundCredit}). Both carry an {@code adjustmentKey}, and the two may be equal (an adjustment
 * keyed {@code refund:K} and the credit of refund {@code K}), but their ids never are: the two
 * kinds of key never collide, whatever keys a host picks. A carried amount (S25, {@link
 * #forCarried}) is keyed {@code carried:<invoice id>} the same way.
 */
public record InvoiceItem(
    String id,
    String tenant,
    String relay,
    String plan,
    long amount,
    String description,
    Instant at,
    Optional<String> activityId,
    OptionalInt renewalPeriod,
    Optional<String> invoiceId,
    Optional<String> adjustmentKey) {

  /** The relay and plan an adjustment is booked under: it belongs to no relay. */
  public static final String ADJUSTMENT = "adjustment";

  /** The relay and plan a coupon's discount (S21) is booked under. */
  public static final String DISCOUNT = "discount";

  public InvoiceItem {
    Checks.text(id, "item id");
    Checks.pubkey(tenant, "tenant");
    Checks.id(relay, "relay id");
    Checks.id(plan, "plan id");
    Checks.text(description, "description");
    Checks.instant(at, "item time");
    Checks.notNull(activityId, "activityId");
    Checks.notNull(renewalPeriod, "renewalPeriod");
    Checks.notNull(invoiceId, "invoiceId");
    Checks.notNull(adjustmentKey, "adjustmentKey");
    int sources =
        (activityId.isPresent() ? 1 : 0)
            + (renewalPeriod.isPresent() ? 1 : 0)
            + (adjustmentKey.isPresent() ? 1 : 0);
    if (sources != 1) {
      throw new InvalidInputException(
          "an item comes from exactly one of an activity, a renewal or an adjustment");
    }
    if (amount == 0) {
      throw new InvalidInputException("an item of amount zero is not an item");
    }
  }

  /** An item from an activity or a renewal (no adjustment key). */
  public InvoiceItem(
      String id,
      String tenant,
      String relay,
      String plan,
      long amount,
      String description,
      Instant at,
      Optional<String> activityId,
      OptionalInt renewalPeriod,
      Optional<String> invoiceId) {
    this(
        id,
        tenant,
        relay,
        plan,
        amount,
        description,
        at,
        activityId,
        renewalPeriod,
        invoiceId,
        Optional.empty());
  }

  /**
   * A hand adjustment: a charge ({@code amount > 0}) or a credit ({@code amount < 0}) with its
   * reason, at most {@link Billing#MAX_AMOUNT} either way; its id is {@code adj:<key>}.
   */
  public static InvoiceItem forAdjustment(
      String tenant, long amount, String reason, String key, Instant at) {
    Checks.id(key, "adjustment key");
    // Long.MIN_VALUE has no positive counterpart; it is out of range like any amount below -MAX.
    Checks.amount(
        amount == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(amount), "an adjustment amount");
    return new InvoiceItem(
        "adj:" + key,
        tenant,
        ADJUSTMENT,
        ADJUSTMENT,
        amount,
        reason,
        at,
        Optional.empty(),
        OptionalInt.empty(),
        Optional.empty(),
        Optional.of(key));
  }

  /**
   * The credit a refund made as a credit gives the tenant: id {@code refund:<key>}, unclaimed, on
   * the next invoice.
   */
  public static InvoiceItem forRefundCredit(Payment.Refund refund) {
    return new InvoiceItem(
        "refund:" + refund.key(),
        refund.tenant(),
        ADJUSTMENT,
        ADJUSTMENT,
        -refund.amount(),
        "Refund of invoice " + refund.invoiceId() + ": " + refund.reason(),
        refund.at(),
        Optional.empty(),
        OptionalInt.empty(),
        Optional.empty(),
        Optional.of("refund:" + refund.key()));
  }

  /**
   * A coupon's discount (S21): {@code -amount}, described "Discount CODE", dated at the claim that
   * makes it, unclaimed until put on that claim's invoice. Its id and key are {@code
   * discount:<redemption key>:<uses before it>}: each use of a redemption is one invoice's one
   * discount, known before the invoice is (a preview shows the same item).
   */
  public static InvoiceItem forDiscount(
      String tenant, String code, String redemptionKey, int uses, long amount, Instant at) {
    if (amount <= 0) {
      throw new InvalidInputException("a discount takes a positive amount off, got " + amount);
    }
    String key = "discount:" + redemptionKey + ":" + uses;
    return new InvoiceItem(
        key,
        tenant,
        DISCOUNT,
        DISCOUNT,
        -amount,
        "Discount " + code,
        at,
        Optional.empty(),
        OptionalInt.empty(),
        Optional.empty(),
        Optional.of(key));
  }

  /**
   * Whether {@code other} is the same adjustment request (tenant, amount, reason, key), whenever it
   * was made and whether claimed since: what an idempotent retry must repeat.
   */
  public boolean sameAdjustment(InvoiceItem other) {
    return adjustmentKey.isPresent()
        && adjustmentKey.equals(other.adjustmentKey)
        && tenant.equals(other.tenant)
        && amount == other.amount
        && description.equals(other.description);
  }

  public boolean isAdjustment() {
    return adjustmentKey.isPresent();
  }

  /** The relay and plan a carried amount (S25) is booked under: it belongs to no relay. */
  public static final String CARRIED = "carried";

  /**
   * S25: the net of invoice {@code invoiceId}, closed as carried, owed on the tenant's next
   * invoice: one unclaimed item "Carried from INV-…", id and key {@code carried:<invoice id>}, so
   * an invoice is carried once. It is neither discounted nor taxed by itself: the next invoice's
   * tax is on its net, which includes it.
   */
  public static InvoiceItem forCarried(String invoiceId, String tenant, long net, Instant at) {
    if (net <= 0) {
      throw new InvalidInputException("only a positive net is carried, got " + net);
    }
    String key = CARRIED + ":" + Checks.id(invoiceId, "invoice id");
    return new InvoiceItem(
        key,
        tenant,
        CARRIED,
        CARRIED,
        net,
        "Carried from " + invoiceId,
        at,
        Optional.empty(),
        OptionalInt.empty(),
        Optional.empty(),
        Optional.of(key));
  }

  /** S25: the item an invoice closed as carried left for the tenant's next invoice. */
  public boolean isCarried() {
    return CARRIED.equals(relay) && id.startsWith(CARRIED + ":");
  }

  /** The item for one activity; its id is {@code act:<activity id>}. */
  public static InvoiceItem forActivity(
      Activity activity, String plan, long amount, String description) {
    return new InvoiceItem(
        "act:" + activity.id(),
        activity.tenant(),
        activity.relay(),
        plan,
        amount,
        description,
        activity.at(),
        Optional.of(activity.id()),
        OptionalInt.empty(),
        Optional.empty());
  }

  /** The renewal of one relay for period {@code k}; its id is {@code ren:<tenant>:<k>:<relay>}. */
  public static InvoiceItem forRenewal(
      String tenant, String relay, String plan, long amount, int period, Instant start) {
    return forRenewal(tenant, relay, plan, amount, period, start, "Subscription renewal");
  }

  /** {@link #forRenewal(String, String, String, long, int, Instant)} described otherwise. */
  public static InvoiceItem forRenewal(
      String tenant,
      String relay,
      String plan,
      long amount,
      int period,
      Instant start,
      String description) {
    return new InvoiceItem(
        "ren:" + tenant + ":" + period + ":" + relay,
        tenant,
        relay,
        plan,
        amount,
        description,
        start,
        Optional.empty(),
        OptionalInt.of(period),
        Optional.empty());
  }

  /**
   * S20: the first term of one relay active when its tenant's trial ended, charged at the anchor as
   * the renewal of period 0; its id is {@code ren:<tenant>:0:<relay>}.
   */
  public static InvoiceItem forFirstTerm(
      String tenant, String relay, String plan, long amount, Instant anchor) {
    return new InvoiceItem(
        "ren:" + tenant + ":0:" + relay,
        tenant,
        relay,
        plan,
        amount,
        "First period after trial",
        anchor,
        Optional.empty(),
        OptionalInt.of(0),
        Optional.empty());
  }

  public InvoiceItem onInvoice(String invoice) {
    return new InvoiceItem(
        id,
        tenant,
        relay,
        plan,
        amount,
        description,
        at,
        activityId,
        renewalPeriod,
        Optional.of(invoice),
        adjustmentKey);
  }
}
