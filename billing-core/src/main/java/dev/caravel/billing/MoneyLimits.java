package dev.caravel.billing;

/**
 * The largest money value the library takes in, chosen so that every sum it makes stays exact in a
 * {@code long} (DESIGN "Security", bounded input).
 *
 * <p>{@link #MAX_AMOUNT} is 10<sup>12</sup> minor units: ten billion dollars in cents, far above
 * any plan price or hand adjustment a relay host makes, and far below {@code Long.MAX_VALUE} (about
 * 9.22 × 10<sup>18</sup>). Every money value that enters through the public API is checked against
 * it ({@link InvalidInputException} otherwise): a {@link Plan}'s and a {@link
 * PlanCatalogue.Version}'s amount, {@link Billing#changePrice}, {@link Billing#credit}, {@link
 * Billing#charge}, {@link Billing#refund}, and the price {@link Invoice.Period#prorate} is asked
 * about.
 *
 * <p>Why that keeps the ledger's arithmetic exact:
 *
 * <ul>
 *   <li><b>Every item is within ±{@code MAX_AMOUNT}.</b> A renewal is a price; a proration is at
 *       most its price; a plan change is the difference of two prorations, each in {@code [0,
 *       MAX_AMOUNT]}; a hand adjustment and a refund credit are bounded where they enter.
 *   <li><b>A tenant's sums are exact up to about 9.2 million items</b> ({@code Long.MAX_VALUE /
 *       MAX_AMOUNT} = 9,223,372 items at the maximum, in either direction): a relay renewed every
 *       month for a century makes 1,200. Sums are still taken with {@link Math#addExact} (claims,
 *       balances), so a ledger beyond that fails loudly for that tenant; it never wraps around.
 *   <li><b>Proration needs no big integers.</b> {@code price × seconds left} is at most 10<sup>12
 *       </sup> × 2,678,400 (a 31-day month) ≈ 2.7 × 10<sup>18</sup>, and twice that plus the
 *       period's length for rounding half up stays below 5.4 × 10<sup>18</sup> &lt; 2<sup>63</sup>.
 * </ul>
 */
public final class MoneyLimits {
  /** The largest amount, in minor units, of a price, an adjustment or a refund: 10^12. */
  public static final long MAX_AMOUNT = 1_000_000_000_000L;

  private MoneyLimits() {}
}
