package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;

/**
 * A plan: {@code amount} is the price of one whole term in the catalogue's currency, in minor units
 * (cents), from 0 to {@link Billing#MAX_AMOUNT}; a term is {@code intervalMonths} months (S19: 1,
 * 3, 6 or 12; 1 by default), its boundaries aligned to the tenant's anchor. A plan of amount zero
 * is free and bills nothing.
 */
public record Plan(String id, String name, long amount, int intervalMonths) {
  public Plan {
    Checks.id(id, "plan id");
    Checks.text(name, "plan name");
    Checks.amount(amount, "plan amount");
    Checks.intervalMonths(intervalMonths, "plan " + id + "'s interval");
  }

  /** A monthly plan. */
  public Plan(String id, String name, long amount) {
    this(id, name, amount, 1);
  }
}
