package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The fiat-to-msats rule against an independent integer computation. */
class FiatToMsatsPropertiesTest {

  /**
   * msats = ceil(m · 10^(11−f) / P), with P = U / 10^s: ceil(m · 10^(11−f) · 10^s / U), computed
   * here with BigInteger division only.
   */
  @Property(tries = 500)
  void equalsTheCeilingOfTheExactQuotient(
      @ForAll @LongRange(min = 0, max = 10_000_000_000L) long minorUnits,
      @ForAll @IntRange(min = 0, max = 3) int fractionDigits,
      @ForAll @LongRange(min = 1, max = 1_000_000_000_000_000L) long unscaledPrice,
      @ForAll @IntRange(min = 0, max = 8) int priceScale) {
    BigDecimal price = BigDecimal.valueOf(unscaledPrice, priceScale);
    if (price.compareTo(BigDecimal.ONE) < 0) {
      return; // below any plausible price; the rule still holds but bores the property
    }
    BigInteger numerator =
        BigInteger.valueOf(minorUnits)
            .multiply(BigInteger.TEN.pow(11 - fractionDigits))
            .multiply(BigInteger.TEN.pow(priceScale));
    BigInteger[] qr = numerator.divideAndRemainder(BigInteger.valueOf(unscaledPrice));
    BigInteger expected = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    if (expected.bitLength() >= 63) {
      return;
    }
    assertThat(HttpExchangeRates.msats(minorUnits, fractionDigits, price))
        .isEqualTo(expected.longValueExact());
  }

  /** Never less than the fiat amount: the msats, converted back, cover the minor units. */
  @Property(tries = 300)
  void neverUndercharges(
      @ForAll @LongRange(min = 1, max = 100_000_000L) long minorUnits,
      @ForAll @LongRange(min = 100_00, max = 1_000_000_00L) long priceCents) {
    BigDecimal price = BigDecimal.valueOf(priceCents, 2);
    long msats = HttpExchangeRates.msats(minorUnits, 2, price);
    // msats · P / 10^9 >= m (in cents), and one msat less would fall short.
    BigDecimal back = BigDecimal.valueOf(msats).multiply(price).movePointLeft(9);
    BigDecimal backLess = BigDecimal.valueOf(msats - 1).multiply(price).movePointLeft(9);
    assertThat(back).isGreaterThanOrEqualTo(BigDecimal.valueOf(minorUnits));
    assertThat(backLess).isLessThan(BigDecimal.valueOf(minorUnits));
  }

  /** More money never buys fewer msats. */
  @Property(tries = 300)
  void isMonotonic(
      @ForAll @LongRange(min = 0, max = 1_000_000_000L) long minorUnits,
      @ForAll @LongRange(min = 100, max = 10_000_000_00L) long priceCents) {
    BigDecimal price = BigDecimal.valueOf(priceCents, 2);
    assertThat(HttpExchangeRates.msats(minorUnits + 1, 2, price))
        .isGreaterThanOrEqualTo(HttpExchangeRates.msats(minorUnits, 2, price));
  }
}
