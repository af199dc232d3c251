package dev.caravel.billing.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MoneyFormatTest {

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // ISO 4217 exponents: usd 2, jpy 0, kwd 3, isk 0
        "usd |        1234 | $12.34",
        "usd |           5 | $0.05",
        "usd |           0 | $0.00",
        "usd |        -250 | -$2.50",
        "usd |    12345678 | $123,456.78",
        "USD |   100000000 | $1,000,000.00",
        "jpy |        1234 | ¥1,234",
        "jpy |          -7 | -¥7",
        "jpy |           0 | ¥0",
        "kwd |        1234 | KWD 1.234",
        "kwd |           1 | KWD 0.001",
        "kwd |       -1500 | -KWD 1.500",
        "kwd |     1234567 | KWD 1,234.567",
        "isk |        1234 | ISK 1,234",
        "isk |     -999999 | -ISK 999,999",
        "jpy |        -250 | -¥250",
        "kwd |        -250 | -KWD 0.250",
        "isk |        -250 | -ISK 250",
        "eur |      100050 | €1,000.50",
        "gbp |         -99 | -£0.99",
      })
  void formatsByTheCurrencysOwnExponentAndSymbol(String currency, long minor, String expected) {
    assertThat(MoneyFormat.of(currency).format(minor)).isEqualTo(expected);
  }

  @Test
  void exponentsAreIso4217s() {
    assertThat(MoneyFormat.of("usd").exponent()).isEqualTo(2);
    assertThat(MoneyFormat.of("jpy").exponent()).isEqualTo(0);
    assertThat(MoneyFormat.of("kwd").exponent()).isEqualTo(3);
    assertThat(MoneyFormat.of("isk").exponent()).isEqualTo(0);
  }

  @Test
  void theExtremesOfALongAreExact() {
    assertThat(MoneyFormat.of("usd").format(Long.MAX_VALUE))
        .isEqualTo("$92,233,720,368,547,758.07");
    assertThat(MoneyFormat.of("usd").format(Long.MIN_VALUE))
        .isEqualTo("-$92,233,720,368,547,758.08");
    assertThat(MoneyFormat.of("kwd").format(Long.MIN_VALUE))
        .isEqualTo("-KWD 9,223,372,036,854,775.808");
  }

  @Test
  void theLocaleGivesTheSymbolAndSeparators() {
    assertThat(MoneyFormat.of("eur", Locale.GERMANY).format(123456)).isEqualTo("€1.234,56");
    assertThat(MoneyFormat.of("usd", Locale.ROOT).format(-123456)).isEqualTo("-US$1,234.56");
  }

  @Test
  void aUnitIsoDoesNotDefineNeedsACustomFormat() {
    assertThatThrownBy(() -> MoneyFormat.of("sat"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("custom");
    assertThatThrownBy(() -> MoneyFormat.of("xau"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no minor unit");
    MoneyFormat sats = MoneyFormat.custom("sat", 0, "sats", Locale.US);
    assertThat(sats.format(21000)).isEqualTo("sats 21,000");
    assertThat(MoneyFormat.custom("btc", 8, "₿", Locale.US).format(-1)).isEqualTo("-₿0.00000001");
    assertThatThrownBy(() -> MoneyFormat.custom("x", 19, "", Locale.US))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** An independent model: BigDecimal's exact plain string, with the grouping taken out. */
  @Property(tries = 2000)
  void agreesWithBigDecimalForEveryLong(
      @ForAll("amounts") long minor, @ForAll("currencies") String currency) {
    MoneyFormat f = MoneyFormat.of(currency);
    String expected = BigDecimal.valueOf(minor, f.exponent()).toPlainString();
    String formatted = f.format(minor).replace(f.symbol(), "").replace(" ", "").replace(",", "");
    assertThat(formatted).isEqualTo(expected);
  }

  @Provide
  Arbitrary<Long> amounts() {
    return Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(-100_000, 100_000));
  }

  @Provide
  Arbitrary<String> currencies() {
    return Arbitraries.of("usd", "jpy", "kwd", "isk", "eur", "clf");
  }
}
