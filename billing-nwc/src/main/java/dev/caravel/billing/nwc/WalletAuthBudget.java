package dev.caravel.billing.nwc;

import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.InvalidInputException;
import java.math.BigDecimal;
import java.util.Currency;
import java.util.Objects;

/**
 * The default spending limit a walletauth request asks for: twice the tenant's current monthly
 * total, in whole sats at today's rate, and never less than a floor. Twice, so that a month with a
 * plan change or a catch-up renewal is still paid from the wallet; a floor, so that a tenant whose
 * bill is still small does not have to raise the budget at the first new relay.
 *
 * <pre>
 * maxAmountMsats = max(floorMsats, 2 × ceil(msats(monthlyTotal) / 1000) × 1000)
 * </pre>
 *
 * where {@code msats(...)} is the {@link ExchangeRates} rule (rounded up to a whole msat). Exact
 * integer arithmetic throughout; the host's own rule may replace this one.
 */
public final class WalletAuthBudget {
  /** The default floor: 10,000 sats. */
  public static final long DEFAULT_FLOOR_MSATS = 10_000_000L;

  private static final long MULTIPLIER = 2;

  private WalletAuthBudget() {}

  /**
   * The default limit for a tenant whose monthly total is {@code monthlyTotalMinor} minor units of
   * {@code currency}, at the rate {@code rates} gives now.
   *
   * @param floorMsats the least limit asked; positive
   * @throws IllegalArgumentException for a negative total or a floor below 1
   * @throws InvalidInputException when the limit does not fit a {@code long}
   */
  public static long maxAmountMsats(
      long monthlyTotalMinor, String currency, ExchangeRates rates, long floorMsats) {
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(rates, "rates");
    check(monthlyTotalMinor, floorMsats);
    return fromMsats(rates.toMsats(monthlyTotalMinor, currency), floorMsats);
  }

  /**
   * As above, at a given BTC price ({@code btcPrice} major units of {@code currency} per bitcoin,
   * e.g. {@code 97000.50} USD), by the same rule as {@link HttpExchangeRates}.
   *
   * @throws IllegalArgumentException for a price that is not positive, or an unknown currency
   */
  public static long maxAmountMsats(
      long monthlyTotalMinor, String currency, BigDecimal btcPrice, long floorMsats) {
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(btcPrice, "btcPrice");
    check(monthlyTotalMinor, floorMsats);
    if (btcPrice.signum() <= 0) {
      throw new IllegalArgumentException("btcPrice must be positive");
    }
    Currency c;
    try {
      c = Currency.getInstance(currency.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown currency: " + currency);
    }
    if (c.getDefaultFractionDigits() < 0) {
      throw new IllegalArgumentException("currency without minor units: " + currency);
    }
    return fromMsats(
        HttpExchangeRates.msats(monthlyTotalMinor, c.getDefaultFractionDigits(), btcPrice),
        floorMsats);
  }

  private static void check(long monthlyTotalMinor, long floorMsats) {
    if (monthlyTotalMinor < 0) {
      throw new IllegalArgumentException("the monthly total must not be negative");
    }
    if (floorMsats < 1) {
      throw new IllegalArgumentException("the floor must be at least 1 msat");
    }
  }

  private static long fromMsats(long monthlyMsats, long floorMsats) {
    try {
      long wholeSats = NwcWallet.wholeSats(monthlyMsats);
      return Math.max(floorMsats, Math.multiplyExact(wholeSats, MULTIPLIER));
    } catch (ArithmeticException e) {
      throw new InvalidInputException(
          "a spending limit for " + monthlyMsats + " msats a month does not fit in msats");
    }
  }
}
