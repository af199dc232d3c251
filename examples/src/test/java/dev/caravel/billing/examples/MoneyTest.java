package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MoneyTest {
  @Test
  void formatsMinorUnitsExactly() {
    assertThat(Money.format(0, "usd")).isEqualTo("$0.00");
    assertThat(Money.format(5, "usd")).isEqualTo("$0.05");
    assertThat(Money.format(483, "usd")).isEqualTo("$4.83");
    assertThat(Money.format(-207, "usd")).isEqualTo("-$2.07");
    assertThat(Money.format(-7, "usd")).isEqualTo("-$0.07");
    assertThat(Money.format(123_456_789, "usd")).isEqualTo("$1,234,567.89");
    assertThat(Money.format(1999, "eur")).isEqualTo("19.99 EUR");
    assertThat(Money.format(1500, "jpy")).isEqualTo("1,500 JPY");
    assertThat(Money.format(Long.MAX_VALUE, "usd")).isEqualTo("$92,233,720,368,547,758.07");
    assertThat(Money.format(Long.MIN_VALUE, "usd")).isEqualTo("-$92,233,720,368,547,758.08");
    assertThat(Money.format(Long.MIN_VALUE, "jpy")).isEqualTo("-9,223,372,036,854,775,808 JPY");
  }

  @Test
  void formatsMillisatoshis() {
    assertThat(Money.msats(0)).isEqualTo("0 msats");
    assertThat(Money.msats(1000)).isEqualTo("1,000 msats");
    assertThat(Money.msats(38_330_000)).isEqualTo("38,330,000 msats");
    assertThat(Money.msats(-1_000)).isEqualTo("-1,000 msats");
  }
}
