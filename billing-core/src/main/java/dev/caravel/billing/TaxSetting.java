package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.math.BigInteger;

/**
 * A tenant's tax (S24): a rate in basis points (0 to 10,000, so 2,000 is 20%), the label an invoice
 * shows ("VAT") and whether prices are before tax ({@link Mode#EXCLUSIVE}) or include it ({@link
 * Mode#INCLUSIVE}). Set with {@link Billing#setTax}; it applies to the invoices claimed after it is
 * set, each of which keeps the setting it was taxed with ({@link Invoice.Tax}).
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
    /** Items include the tax: the total is the net, and the invoice states the tax it includes. */
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
   * The tax line of an invoice whose items sum to {@code net} (S24), rounded half up once, in exact
   * integers (a {@code long} net times a rate could overflow a {@code long}): exclusive, {@code
   * round_half_up(net × rate / 10,000)}, added to the total; inclusive, {@code round_half_up(net ×
   * rate / (10,000 + rate))}, stated as included.
   *
   * @throws InvalidInputException a net of zero or less: a credit is never taxed (S7 makes no
   *     invoice of it)
   */
  public Invoice.Tax on(long net) {
    if (net <= 0) {
      throw new InvalidInputException("only a positive net is taxed, got " + net);
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
