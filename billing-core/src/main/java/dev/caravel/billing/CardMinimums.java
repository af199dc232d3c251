package dev.caravel.billing;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * S25: the card rail's minimum charge per currency. A minimum set on the builder ({@link
 * BillingBuilder#cardMinimum}) wins over the gateway's own ({@link PaymentGateway#minimumCharge}):
 * the replay has no rail and sets it by hand, and a host may know its account's settlement minimum
 * better than the gateway's table. Without either, there is no minimum and nothing is carried.
 */
final class CardMinimums {
  private final Map<String, Long> overrides;
  private final PaymentGateway gateway;

  CardMinimums(Map<String, Long> overrides, PaymentGateway gateway) {
    this.overrides = Map.copyOf(overrides);
    this.gateway = gateway;
  }

  /** None at all: no gateway, no override. */
  static CardMinimums none() {
    return new CardMinimums(Map.of(), null);
  }

  /**
   * Checks a builder override and adds it to {@code into}, keyed by the lowercase code.
   *
   * @throws NullPointerException a null currency
   * @throws IllegalArgumentException a blank currency, or an amount below 1 or above {@link
   *     Billing#MAX_AMOUNT}
   */
  static void put(Map<String, Long> into, String currency, long amount) {
    Objects.requireNonNull(currency, "currency");
    if (currency.isBlank()) {
      throw new IllegalArgumentException("a card minimum needs a currency");
    }
    if (amount < 1 || amount > Billing.MAX_AMOUNT) {
      throw new IllegalArgumentException(
          "a card minimum is 1 to " + Billing.MAX_AMOUNT + " minor units, got " + amount);
    }
    into.put(currency.strip().toLowerCase(Locale.ROOT), amount);
  }

  /** The minimum charge in {@code currency}, if the card rail has one. */
  OptionalLong in(String currency) {
    Long override = overrides.get(currency.toLowerCase(Locale.ROOT));
    if (override != null) {
      return OptionalLong.of(override);
    }
    return gateway == null ? OptionalLong.empty() : gateway.minimumCharge(currency);
  }
}
