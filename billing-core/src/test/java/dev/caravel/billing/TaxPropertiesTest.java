package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Invoice.TaxSetting;
import java.math.BigDecimal;
import java.math.RoundingMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * S24's arithmetic, exact: the tax line against a reference in decimals written here (the rate as a
 * fraction, rounded half up once), for every net a {@code long} holds and every rate.
 */
class TaxPropertiesTest {
  /** The reference: {@code net × rate / 10,000} (exclusive) or {@code / (10,000 + rate)}. */
  private static long reference(long net, int bps, TaxSetting.Mode mode) {
    BigDecimal numerator = BigDecimal.valueOf(net).multiply(BigDecimal.valueOf(bps));
    BigDecimal divisor =
        BigDecimal.valueOf(mode == TaxSetting.Mode.EXCLUSIVE ? 10_000 : 10_000 + bps);
    return numerator.divide(divisor, 0, RoundingMode.HALF_UP).longValueExact();
  }

  @Provide
  Arbitrary<Long> nets() {
    // Small nets (where one cent of rounding shows), prices, and the largest a long holds.
    return Arbitraries.oneOf(
        Arbitraries.longs().between(1, 10_000),
        Arbitraries.longs().between(1, Billing.MAX_AMOUNT),
        Arbitraries.longs().between(Long.MAX_VALUE / 2, Long.MAX_VALUE));
  }

  @Property(tries = 2000)
  void taxIsExactRoundedHalfUpOnce(
      @ForAll("nets") long net,
      @ForAll @IntRange(min = 0, max = 10_000) int bps,
      @ForAll TaxSetting.Mode mode) {
    Invoice.Tax tax = new TaxSetting(bps, "VAT", mode).on(net);
    assertThat(tax.amount()).isEqualTo(reference(net, bps, mode));
    assertThat(tax.amount()).isBetween(0L, net);
    if (mode == TaxSetting.Mode.EXCLUSIVE) {
      assertThat(tax.added()).isEqualTo(tax.amount());
      assertThat(tax.included()).isZero();
    } else {
      assertThat(tax.included()).isEqualTo(tax.amount());
      assertThat(tax.added()).isZero();
    }
  }

  @Test
  void halvesRoundUpAndEverythingElseToTheNearestCent() {
    TaxSetting half = new TaxSetting(5_000, "VAT", TaxSetting.Mode.EXCLUSIVE);
    assertThat(half.on(999).amount()).as("499.5").isEqualTo(500);
    assertThat(half.on(1).amount()).as("0.5").isEqualTo(1);
    TaxSetting vat = new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE);
    assertThat(vat.on(999).amount()).as("199.8").isEqualTo(200);
    assertThat(vat.on(1002).amount()).as("200.4").isEqualTo(200);
    TaxSetting included = new TaxSetting(2_000, "VAT", TaxSetting.Mode.INCLUSIVE);
    assertThat(included.on(999).amount()).as("999 / 6 = 166.5").isEqualTo(167);
    assertThat(included.on(1200).amount()).as("1200 / 6").isEqualTo(200);
  }

  @Test
  void theLargestNetIsTaxedWithoutOverflow() {
    TaxSetting all = new TaxSetting(10_000, "VAT", TaxSetting.Mode.EXCLUSIVE);
    assertThat(all.on(Long.MAX_VALUE).amount()).isEqualTo(Long.MAX_VALUE);
    TaxSetting allIncluded = new TaxSetting(10_000, "VAT", TaxSetting.Mode.INCLUSIVE);
    assertThat(allIncluded.on(Long.MAX_VALUE).amount())
        .isEqualTo(reference(Long.MAX_VALUE, 10_000, TaxSetting.Mode.INCLUSIVE));
  }

  @Test
  void aSettingOutOfRangeOrWithoutALabelIsBadData() {
    assertThatThrownBy(() -> new TaxSetting(-1, "VAT", TaxSetting.Mode.EXCLUSIVE))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("0 to 10000 basis points");
    assertThatThrownBy(() -> new TaxSetting(10_001, "VAT", TaxSetting.Mode.EXCLUSIVE))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> new TaxSetting(2_000, " ", TaxSetting.Mode.EXCLUSIVE))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("tax label");
    assertThatThrownBy(() -> new TaxSetting(2_000, "VAT", null))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE).on(-1))
        .isInstanceOf(InvalidInputException.class);
    // A net of 0 (a discount left nothing to pay, S21) is taxed 0.
    assertThat(new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE).on(0).amount()).isZero();
  }
}
