package dev.caravel.billing;

import dev.caravel.billing.Invoice.Period;
import dev.caravel.billing.internal.Checks;
import java.math.BigInteger;
import java.time.Instant;

/**
 * Exact proration (S3): {@code round_half_up(price × (end − t) / (end − start))}, in whole seconds.
 * Exact for every non-negative {@code long} price: the ledger's prices (at most {@link
 * Billing#MAX_AMOUNT}) always take the {@code long} paths, larger ones fall back to big integers
 * rather than overflow.
 */
final class Proration {
  private Proration() {}

  /** What is left of {@code price} for the rest of {@code period} from {@code t}. */
  static long prorate(long price, Period period, Instant t) {
    Checks.nonNegative(price, "price");
    if (!period.contains(t)) {
      throw new InvalidInputException("instant " + t + " is outside period " + period);
    }
    long remaining = period.end().getEpochSecond() - t.getEpochSecond();
    return roundHalfUp(price, remaining, period.seconds());
  }

  /** {@code round_half_up(a × b / d)} for non-negative a, b and positive d, exactly. */
  static long roundHalfUp(long a, long b, long d) {
    if ((a | b) >>> 31 == 0) {
      // Both below 2^31, so a × b fits in a long; one division gives quotient and remainder, and
      // the remainder (below d) doubled cannot overflow. Round half up: 2r >= d.
      long product = a * b;
      long q = product / d;
      long r = product - q * d;
      return r >= d - r ? q + 1 : q;
    }
    try {
      long product = Math.multiplyExact(a, b);
      // floor((2ab + d) / 2d) is round-half-up of ab/d for non-negative values.
      return Math.addExact(Math.multiplyExact(product, 2), d) / Math.multiplyExact(d, 2);
    } catch (ArithmeticException overflow) {
      BigInteger two = BigInteger.TWO;
      BigInteger n =
          BigInteger.valueOf(a)
              .multiply(BigInteger.valueOf(b))
              .multiply(two)
              .add(BigInteger.valueOf(d));
      return n.divide(BigInteger.valueOf(d).multiply(two)).longValueExact();
    }
  }
}
