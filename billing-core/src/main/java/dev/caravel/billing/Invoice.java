package dev.caravel.billing;

import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.internal.Checks;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A claim on a tenant's unclaimed items (S7): its total is their sum (less a coupon's discount,
 * S21; zero only when that leaves nothing to pay, and then paid as it is made). The period is the
 * billing period holding the moment the invoice was made. {@code payment} is present once paid; an
 * invoice is paid at most once. {@code closure} is present once it was voided or written off (S14):
 * then it is never collected, and its items are never billed again. An invoice is paid or closed,
 * never both. {@code tax} is present when the tenant had a {@link TaxSetting} when the invoice was
 * claimed (S24): {@code total} is what the rails charge, {@link #net} the sum of the items.
 *
 * <p>Invoice ids are numbers drawn by the repository in the claim's transaction (gapless across
 * instances), formatted as the builder says ({@code INV-000123} by default).
 */
public record Invoice(
    String id,
    String tenant,
    Instant periodStart,
    Instant periodEnd,
    long total,
    String currency,
    Instant createdAt,
    Optional<Payment> payment,
    Optional<Closure> closure,
    Optional<Tax> tax) {

  /**
   * An invoice's tax line (S24): the setting it was taxed with and the amount, added to the net
   * ({@link TaxSetting.Mode#EXCLUSIVE}) or included in it ({@link TaxSetting.Mode#INCLUSIVE}).
   */
  public record Tax(TaxSetting setting, long amount) {
    public Tax {
      Checks.notNull(setting, "tax setting");
      Checks.nonNegative(amount, "tax amount");
    }

    /** The tax the invoice adds to its net: the amount when exclusive, else 0. */
    public long added() {
      return setting.mode() == TaxSetting.Mode.EXCLUSIVE ? amount : 0;
    }

    /** The tax the invoice's net already includes: the amount when inclusive, else 0. */
    public long included() {
      return setting.mode() == TaxSetting.Mode.INCLUSIVE ? amount : 0;
    }
  }

  /**
   * What an invoice generated at {@code at} would be (S23), as {@link Billing#preview} and {@link
   * Billing#upcoming} answer it, written nowhere: the items it would claim (those already
   * unclaimed, the ones reconciling pending activity would add, and the renewals due by then),
   * their sum {@code net}, the tax line by the tenant's setting (S24) and {@code total}, what the
   * rails would be asked for. The items carry no invoice id yet. {@code carriedBelow} is present
   * when the invoice would be closed as carried (S25: its total below that card minimum, for a
   * card-only tenant): nothing would be charged, and its net would be one item of the next invoice.
   */
  public record Preview(
      String tenant,
      Instant at,
      Instant periodStart,
      Instant periodEnd,
      String currency,
      List<InvoiceItem> items,
      long net,
      Optional<Tax> tax,
      long total,
      java.util.OptionalLong carriedBelow) {
    public Preview {
      Checks.pubkey(tenant, "tenant");
      Checks.instant(at, "at");
      Checks.instant(periodStart, "period start");
      Checks.instant(periodEnd, "period end");
      Checks.text(currency, "currency");
      items = List.copyOf(Checks.notNull(items, "items"));
      Checks.notNull(tax, "tax");
      if (net < 0 || total != net + tax.map(Tax::added).orElse(0L)) {
        throw new InvalidInputException(
            "a preview's net must not be negative and its total the net plus its tax, got net "
                + net
                + " and total "
                + total);
      }
      Checks.notNull(carriedBelow, "carriedBelow");
    }

    /** Whether the invoice would be closed as carried when claimed (S25). */
    public boolean carried() {
      return carriedBelow.isPresent();
    }
  }

  /**
   * Where an invoice stands: open (to collect), paid, voided, written off, or carried (S25: below
   * the card minimum for a card-only tenant, its net moved to the tenant's next invoice).
   */
  public enum Status {
    OPEN,
    PAID,
    VOID,
    UNCOLLECTIBLE,
    /**
     * S25: closed when claimed, never collected nor dunned; its net is one unclaimed item "Carried
     * from" it ({@link InvoiceItem#forCarried}), billed once on the tenant's next invoice.
     */
    CARRIED
  }

  /**
   * Why an unpaid invoice will never be collected: voided ({@link Status#VOID}: it should not have
   * been issued), written off ({@link Status#UNCOLLECTIBLE}: it was owed but won't be paid) or
   * carried ({@link Status#CARRIED}, S25: too small for the card, owed on the next invoice).
   */
  public record Closure(Status status, String reason, Instant at) {
    public Closure {
      Checks.notNull(status, "closure status");
      if (status == Status.OPEN || status == Status.PAID) {
        throw new InvalidInputException("an invoice is closed as VOID, UNCOLLECTIBLE or CARRIED");
      }
      Checks.text(reason, "closure reason");
      Checks.instant(at, "closed at");
    }
  }

  /**
   * What one invoice comes to, in minor units: {@code billed} (its total), {@code paid} (the total
   * once paid, else 0), {@code refunded} (every refund recorded against it, money or credit) and
   * {@code net} = paid − refunded.
   */
  public record Balance(String invoiceId, long billed, long paid, long refunded, long net) {}

  /**
   * The Lightning payment request made on the service wallet for one invoice (S10), which {@link
   * Billing#bolt11} hands the host to present: made once for the invoice's total, reused while
   * settled or unexpired, replaced when it expires unpaid. A storage keeps it with the invoice.
   */
  public record Bolt11Request(
      String invoiceId,
      String bolt11,
      String paymentHash,
      long msats,
      Instant createdAt,
      Instant expiresAt,
      Optional<Instant> settledAt) {

    public Bolt11Request {
      Checks.id(invoiceId, "invoice id");
      Checks.text(bolt11, "bolt11");
      Checks.text(paymentHash, "payment hash");
      Checks.instant(createdAt, "created at");
      Checks.instant(expiresAt, "expires at");
      Checks.notNull(settledAt, "settledAt");
      if (msats <= 0) {
        throw new InvalidInputException(
            "a BOLT11 request must be for a positive amount, got " + msats + " msats");
      }
    }

    public boolean isSettled() {
      return settledAt.isPresent();
    }

    /** Usable at {@code now}: settled, or not yet expired (S10; the seed got this wrong). */
    public boolean isUsableAt(Instant now) {
      return isSettled() || now.isBefore(expiresAt);
    }

    public Bolt11Request settled(Instant at) {
      return new Bolt11Request(
          invoiceId, bolt11, paymentHash, msats, createdAt, expiresAt, Optional.of(at));
    }
  }

  /**
   * Billing period {@code index} of a tenant: {@code [start, end)} (S2). Period {@code k} of a
   * tenant anchored at {@code A} (its first activity, S1) is {@code [A + k months, A + (k+1)
   * months)}, the day clamped to the month's end; {@link #of} and {@link #at} find it. An invoice's
   * {@code periodStart} and {@code periodEnd} are those of the period holding the moment it was
   * made.
   */
  public record Period(int index, Instant start, Instant end) {
    public Period {
      if (index < 0) {
        throw new InvalidInputException("period index must not be negative");
      }
      if (!start.isBefore(end)) {
        throw new InvalidInputException("a period must end after it starts");
      }
    }

    /**
     * Period {@code index} of a tenant anchored at {@code anchor}.
     *
     * @throws InvalidInputException a negative index, or an anchor with a fraction of a second
     */
    public static Period of(Instant anchor, int index) {
      return new BillingPeriods(anchor).period(index);
    }

    /**
     * The period holding {@code t} of a tenant anchored at {@code anchor}.
     *
     * @throws InvalidInputException {@code t} before the anchor, or an instant with a fraction of a
     *     second
     */
    public static Period at(Instant anchor, Instant t) {
      return new BillingPeriods(anchor).periodAt(t);
    }

    public boolean contains(Instant t) {
      return !t.isBefore(start) && t.isBefore(end);
    }

    /**
     * S3: what is left of {@code price} for the rest of this period from {@code t}, exactly: {@code
     * round_half_up(price × (end − t) / (end − start))} in whole seconds.
     *
     * @throws InvalidInputException when {@code t} is outside the period or the price is negative
     *     or above {@link Billing#MAX_AMOUNT}
     */
    public long prorate(long price, Instant t) {
      return Proration.prorate(Checks.amount(price, "price"), this, t);
    }

    public long seconds() {
      return end.getEpochSecond() - start.getEpochSecond();
    }
  }

  public Invoice {
    Checks.id(id, "invoice id");
    Checks.pubkey(tenant, "tenant");
    Checks.instant(periodStart, "period start");
    Checks.instant(periodEnd, "period end");
    Checks.instant(createdAt, "created at");
    Checks.text(currency, "currency");
    Checks.notNull(payment, "payment");
    Checks.notNull(closure, "closure");
    Checks.notNull(tax, "tax");
    if (!periodStart.isBefore(periodEnd)) {
      throw new InvalidInputException("period start must be before period end");
    }
    if (total < 0) {
      // Zero only when a discount leaves nothing to pay (S21): then it is paid as it is made.
      throw new InvalidInputException("an invoice total must not be negative, got " + total);
    }
    if (payment.isPresent() && closure.isPresent()) {
      throw new InvalidInputException("an invoice is paid or closed, never both");
    }
    if (tax.isPresent() && total - tax.get().added() < 0) {
      throw new InvalidInputException("an invoice's net must not be negative, got " + total);
    }
  }

  /** An invoice without tax. */
  public Invoice(
      String id,
      String tenant,
      Instant periodStart,
      Instant periodEnd,
      long total,
      String currency,
      Instant createdAt,
      Optional<Payment> payment,
      Optional<Closure> closure) {
    this(
        id,
        tenant,
        periodStart,
        periodEnd,
        total,
        currency,
        createdAt,
        payment,
        closure,
        Optional.empty());
  }

  /** An invoice not closed, without tax. */
  public Invoice(
      String id,
      String tenant,
      Instant periodStart,
      Instant periodEnd,
      long total,
      String currency,
      Instant createdAt,
      Optional<Payment> payment) {
    this(id, tenant, periodStart, periodEnd, total, currency, createdAt, payment, Optional.empty());
  }

  /** The sum of the invoice's items (S24): the total less any tax it adds. */
  public long net() {
    return total - tax.map(Tax::added).orElse(0L);
  }

  public boolean isPaid() {
    return payment.isPresent();
  }

  /** S25: closed as carried, its net owed on the tenant's next invoice. */
  public boolean isCarried() {
    return closure.isPresent() && closure.get().status() == Status.CARRIED;
  }

  /** Voided, written off or carried (S25): never collected again. */
  public boolean isClosed() {
    return closure.isPresent();
  }

  /** Neither paid nor closed: still to collect. */
  public boolean isOpen() {
    return payment.isEmpty() && closure.isEmpty();
  }

  public Status status() {
    return payment.isPresent() ? Status.PAID : closure.map(Closure::status).orElse(Status.OPEN);
  }

  /** This invoice, paid by {@code payment}. */
  public Invoice paidBy(Payment payment) {
    return new Invoice(
        id,
        tenant,
        periodStart,
        periodEnd,
        total,
        currency,
        createdAt,
        Optional.of(payment),
        Optional.empty(),
        tax);
  }

  /** This invoice, closed by {@code closure}. */
  public Invoice closedBy(Closure closure) {
    return new Invoice(
        id,
        tenant,
        periodStart,
        periodEnd,
        total,
        currency,
        createdAt,
        Optional.empty(),
        Optional.of(closure),
        tax);
  }

  /**
   * A tenant's tax (S24): a rate in basis points (0 to 10,000, so 2,000 is 20%), the label an
   * invoice shows ("VAT") and whether prices are before tax ({@link Mode#EXCLUSIVE}) or include it
   * ({@link Mode#INCLUSIVE}). Set with {@link Billing#setTax}; it applies to the invoices claimed
   * after it is set, each of which keeps the setting it was taxed with ({@link Invoice.Tax}).
   * Nested here: the host package keeps at most 25 top-level types (issue 11).
   */
  public record TaxSetting(int rateBps, String label, Mode mode) {
    /** The largest rate, 100%, in basis points. */
    public static final int MAX_RATE_BPS = 10_000;

    private static final BigInteger BPS = BigInteger.valueOf(MAX_RATE_BPS);
    private static final BigInteger TWO = BigInteger.TWO;

    /** Whether an invoice's items are before tax or already include it. */
    public enum Mode {
      /** Items are net: the invoice adds the tax, and its total is net + tax. */
      EXCLUSIVE,
      /**
       * Items include the tax: the total is the net, and the invoice states the tax it includes.
       */
      INCLUSIVE;

      /** The replay's spelling: {@code exclusive} or {@code inclusive}. */
      public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
      }
    }

    public TaxSetting {
      if (rateBps < 0 || rateBps > MAX_RATE_BPS) {
        throw new InvalidInputException(
            "a tax rate is 0 to " + MAX_RATE_BPS + " basis points, got " + rateBps);
      }
      Checks.id(label, "tax label");
      Checks.notNull(mode, "tax mode");
    }

    /**
     * The tax line of an invoice whose items sum to {@code net} (S24), rounded half up once, in
     * exact integers (a {@code long} net times a rate could overflow a {@code long}): exclusive,
     * {@code round_half_up(net × rate / 10,000)}, added to the total; inclusive, {@code
     * round_half_up(net × rate / (10,000 + rate))}, stated as included.
     *
     * @throws InvalidInputException a net of zero or less: a credit is never taxed (S7 makes no
     *     invoice of it)
     */
    public Invoice.Tax on(long net) {
      if (net < 0) {
        throw new InvalidInputException("only a net of zero or more is taxed, got " + net);
      }
      BigInteger rate = BigInteger.valueOf(rateBps);
      BigInteger divisor = mode == Mode.EXCLUSIVE ? BPS : BPS.add(rate);
      BigInteger numerator = BigInteger.valueOf(net).multiply(rate);
      // Half up for a non-negative quotient: floor((2n + d) / 2d).
      long amount =
          numerator.multiply(TWO).add(divisor).divide(divisor.multiply(TWO)).longValueExact();
      return new Invoice.Tax(this, amount);
    }
  }
}
