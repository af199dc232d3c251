package dev.caravel.billing.nwc;

import dev.caravel.billing.InvalidInputException;
import java.util.Locale;

/**
 * How often a wallet connection's spending limit ({@code max_amount}) starts again: the values of
 * NWC-08's {@code renewal_period} and of Alby's older {@code budget_renewal}.
 */
public enum BudgetRenewal {
  NEVER,
  DAILY,
  WEEKLY,
  MONTHLY,
  YEARLY;

  /** The value as written in a URI or a {@code get_budget} reply, e.g. {@code monthly}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Reads a renewal period as wallets write it ({@code monthly}, any case).
   *
   * @throws InvalidInputException for anything else
   */
  public static BudgetRenewal ofWire(String value) {
    if (value != null) {
      for (BudgetRenewal r : values()) {
        if (r.wire().equalsIgnoreCase(value.strip())) {
          return r;
        }
      }
    }
    throw new InvalidInputException(
        "a budget renewal period must be never, daily, weekly, monthly or yearly");
  }
}
