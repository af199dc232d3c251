package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.InvalidInputException;
import java.math.BigDecimal;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The default spending limit: twice the monthly total in whole sats, at least the floor. */
class WalletAuthBudgetTest {
  static final BigDecimal USD_PRICE = new BigDecimal("97000.50");
  static final long FLOOR = WalletAuthBudget.DEFAULT_FLOOR_MSATS;

  @Test
  void twiceTheMonthlyTotalInWholeSatsAtTodaysRate() {
    // $19.99 at 97,000.50 USD/BTC is 20,608,142 msats (HttpExchangeRates' rule), 20,609 whole
    // sats; twice that is 41,218 sats.
    assertThat(WalletAuthBudget.maxAmountMsats(1999, "usd", USD_PRICE, FLOOR))
        .isEqualTo(41_218_000);
    // 1,500 JPY at 15,000,000 JPY/BTC is exactly 10,000 sats: 20,000 sats.
    assertThat(WalletAuthBudget.maxAmountMsats(1500, "JPY", new BigDecimal("15000000"), FLOOR))
        .isEqualTo(20_000_000);
  }

  @Test
  void aSmallOrEmptyBillAsksForTheFloor() {
    // $1.00 is 1,031 sats: twice is 2,062 sats, under the 10,000-sat floor.
    assertThat(WalletAuthBudget.maxAmountMsats(100, "usd", USD_PRICE, FLOOR)).isEqualTo(FLOOR);
    assertThat(WalletAuthBudget.maxAmountMsats(0, "usd", USD_PRICE, FLOOR)).isEqualTo(FLOOR);
    assertThat(WalletAuthBudget.maxAmountMsats(100, "usd", USD_PRICE, 1)).isEqualTo(2_062_000);
  }

  @Test
  void theExchangeRatesPortGivesTheSameAnswerAsItsPrice() {
    ExchangeRates rates = (minor, currency) -> HttpExchangeRates.msats(minor, 2, USD_PRICE);
    assertThat(WalletAuthBudget.maxAmountMsats(1999, "usd", rates, FLOOR))
        .isEqualTo(WalletAuthBudget.maxAmountMsats(1999, "usd", USD_PRICE, FLOOR));
    ExchangeRates subSat = (minor, currency) -> 1_001;
    assertThat(WalletAuthBudget.maxAmountMsats(1, "usd", subSat, 1)).isEqualTo(4_000);
  }

  @Test
  void aLimitThatDoesNotFitIsBadData() {
    ExchangeRates huge = (minor, currency) -> Long.MAX_VALUE / 2 + 1;
    assertThatThrownBy(() -> WalletAuthBudget.maxAmountMsats(1, "usd", huge, FLOOR))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("does not fit");
  }

  @Test
  void programmingMistakesAreRefused() {
    assertThatThrownBy(() -> WalletAuthBudget.maxAmountMsats(-1, "usd", USD_PRICE, FLOOR))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WalletAuthBudget.maxAmountMsats(1, "usd", USD_PRICE, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("floor");
    assertThatThrownBy(() -> WalletAuthBudget.maxAmountMsats(1, "usd", BigDecimal.ZERO, FLOOR))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WalletAuthBudget.maxAmountMsats(1, "xyz", USD_PRICE, FLOOR))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown currency");
    assertThatThrownBy(() -> WalletAuthBudget.maxAmountMsats(1, "XAU", USD_PRICE, FLOOR))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("without minor units");
    assertThatThrownBy(() -> WalletAuthBudget.maxAmountMsats(1, null, (ExchangeRates) null, FLOOR))
        .isInstanceOf(NullPointerException.class);
  }

  @Property(tries = 300)
  void coversTwoMonthsInWholeSatsAndNeverGoesBelowTheFloor(
      @ForAll @LongRange(min = 0, max = 100_000_000L) long monthlyCents,
      @ForAll @LongRange(min = 1, max = 100_000_000L) long floor) {
    long monthlyMsats = HttpExchangeRates.msats(monthlyCents, 2, USD_PRICE);
    long limit = WalletAuthBudget.maxAmountMsats(monthlyCents, "usd", USD_PRICE, floor);

    assertThat(limit).isGreaterThanOrEqualTo(floor);
    assertThat(limit).isGreaterThanOrEqualTo(2 * monthlyMsats);
    if (limit > floor) {
      assertThat(limit % 2_000).isZero(); // twice a whole number of sats
      assertThat(limit - 2 * monthlyMsats).isLessThan(2_000); // rounded up by under a sat, twice
    }
  }
}
