package dev.caravel.billing.spi;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.internal.Checks;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The engine's decision for one tenant visited in a poll (S7), from its unclaimed items as read:
 * put every one of them on a new invoice for the period {@code [periodStart, periodEnd)} ({@code
 * invoice}), or leave them unclaimed (they sum to zero or less: a credit waits for the next
 * invoice). Either way the visit is recorded, so the tenant's next due instant moves; see {@link
 * Repository#claim}, which records it only if the tenant's unclaimed items are still {@code read}.
 * The invoice's id is drawn only if one is made. {@code tax} is the invoice's tax line, computed by
 * the engine from the tenant's setting (S24): the storage records it with the invoice, whose total
 * is {@link #total()}. {@code discount} is the invoice's coupon discount (S21), decided by the
 * engine: the storage puts its item on the invoice ({@link #discountItem}) and counts the use, and
 * creates an invoice with nothing left to pay paid at once ({@link #settledAtOnce}). {@code
 * carriedBelow} is the card minimum the invoice's total fell below when the engine closes it as
 * carried (S25): the storage records the invoice closed ({@link #closure()}), uncollected, and
 * inserts {@link #carriedItem} unclaimed, in the claim's transaction.
 */
public record Claim(
    String tenant,
    Instant periodStart,
    Instant periodEnd,
    String currency,
    Instant createdAt,
    UnclaimedTotal read,
    boolean invoice,
    Optional<Invoice.Tax> tax,
    Optional<Claim.Discount> discount,
    OptionalLong carriedBelow) {
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  /** The reference of the payment an invoice with nothing left to pay is settled by (S21). */
  public static final String NOTHING_TO_PAY = "nothing to pay";

  /**
   * A coupon's discount on the invoice (S21): {@code amount} off (positive), by the tenant's
   * redemption {@code redemptionKey} of coupon {@code code}, decided from the redemption with
   * {@code usesRead} uses.
   */
  public record Discount(String redemptionKey, int usesRead, String code, long amount) {
    public Discount {
      Checks.id(redemptionKey, "redemption key");
      Checks.id(code, "coupon code");
      if (usesRead < 0 || amount <= 0) {
        throw new InvalidInputException(
            "a discount takes a positive amount off, got " + amount + " after " + usesRead);
      }
    }

    /** Its item ({@link InvoiceItem#forDiscount}), on no invoice yet, dated {@code at}. */
    public InvoiceItem item(String tenant, Instant at) {
      return InvoiceItem.forDiscount(tenant, code, redemptionKey, usesRead, amount, at);
    }
  }

  public Claim {
    Checks.pubkey(tenant, "tenant");
    Checks.instant(periodStart, "period start");
    Checks.instant(periodEnd, "period end");
    Checks.text(currency, "currency");
    Checks.instant(createdAt, "created at");
    Checks.notNull(read, "read");
    if (!read.tenant().equals(tenant)) {
      throw new InvalidInputException(
          "a claim of " + tenant + " from the items of " + read.tenant());
    }
    if (invoice && (read.total().signum() <= 0 || read.total().compareTo(LONG_MAX) > 0)) {
      throw new InvalidInputException(
          "an invoice's total must be above zero and fit a long, got " + read.total());
    }
    Checks.notNull(tax, "tax");
    if (tax.isPresent() && !invoice) {
      throw new InvalidInputException("a claim that makes no invoice has no tax line");
    }
    Checks.notNull(discount, "discount");
    if (discount.isPresent()
        && (!invoice || BigInteger.valueOf(discount.get().amount()).compareTo(read.total()) > 0)) {
      throw new InvalidInputException(
          "a discount is on an invoice, and takes at most its items' sum " + read.total());
    }
    if (invoice) {
      total(read, tax, discount); // the net plus the tax it adds must fit a long too
    }
    Checks.notNull(carriedBelow, "carriedBelow");
    if (carriedBelow.isPresent()
        && (!invoice
            || total(read, tax, discount) <= 0
            || total(read, tax, discount) >= carriedBelow.getAsLong())) {
      throw new InvalidInputException(
          "only an invoice below the card minimum, with something to pay, is carried, got "
              + read.total());
    }
  }

  /** A claim without tax, discount or carry: the engine's decision when none applies. */
  public Claim(
      String tenant,
      Instant periodStart,
      Instant periodEnd,
      String currency,
      Instant createdAt,
      UnclaimedTotal read,
      boolean invoice) {
    this(
        tenant,
        periodStart,
        periodEnd,
        currency,
        createdAt,
        read,
        invoice,
        Optional.empty(),
        Optional.empty(),
        OptionalLong.empty());
  }

  /** Whether the invoice is closed as carried when claimed (S25). */
  public boolean carried() {
    return carriedBelow.isPresent();
  }

  /** The closure a carried invoice is recorded with (S25); empty for any other claim. */
  public Optional<Invoice.Closure> closure() {
    return carriedBelow.stream()
        .mapToObj(
            minimum ->
                new Invoice.Closure(
                    Invoice.Status.CARRIED,
                    "below the card minimum of "
                        + minimum
                        + " "
                        + currency
                        + ": carried to the next invoice",
                    createdAt))
        .findFirst();
  }

  /**
   * The unclaimed item a carried invoice {@code invoiceId} leaves (S25, {@link
   * InvoiceItem#forCarried}): its net (after any discount, before tax), for the tenant's next
   * invoice. Empty when not carried.
   */
  public Optional<InvoiceItem> carriedItem(String invoiceId) {
    return carried()
        ? Optional.of(InvoiceItem.forCarried(invoiceId, tenant, net(), createdAt))
        : Optional.empty();
  }

  /** The invoice's net: the sum of the items it claims less its discount, when {@link #invoice}. */
  public long net() {
    return net(read, discount);
  }

  /** The invoice's total, when {@link #invoice}: its net plus the tax it adds (S24). */
  public long total() {
    return total(read, tax, discount);
  }

  /** The discount's item, on invoice {@code invoiceId}, dated at the claim. */
  public Optional<InvoiceItem> discountItem(String invoiceId) {
    return discount.map(d -> d.item(tenant, createdAt).onInvoice(invoiceId));
  }

  /**
   * The payment an invoice whose discount leaves nothing to pay is settled by as it is created, so
   * that it ends (S18); empty for an invoice with something to pay.
   */
  public Optional<Payment> settledAtOnce() {
    return invoice && total() == 0
        ? Optional.of(new Payment(PaymentMethod.MANUAL, NOTHING_TO_PAY, createdAt))
        : Optional.empty();
  }

  private static long net(UnclaimedTotal read, Optional<Discount> discount) {
    return read.total().longValueExact() - discount.map(Discount::amount).orElse(0L);
  }

  private static long total(
      UnclaimedTotal read, Optional<Invoice.Tax> tax, Optional<Discount> discount) {
    long net = net(read, discount);
    long added = tax.map(Invoice.Tax::added).orElse(0L);
    if (net > Long.MAX_VALUE - added) {
      throw new InvalidInputException(
          "tenant " + read.tenant() + " owes more than a long holds with tax: " + net);
    }
    return net + added;
  }
}
