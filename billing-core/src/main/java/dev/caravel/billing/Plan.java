package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;

/**
 * A monthly plan: {@code amount} is the price of one whole period in the catalogue's currency, in
 * minor units (cents), from 0 to {@link Billing#MAX_AMOUNT}. A plan of amount zero is free and
 * bills nothing.
 */
public record Plan(String id, String name, long amount) {
  public Plan {
    Checks.id(id, "plan id");
    Checks.text(name, "plan name");
    Checks.amount(amount, "plan amount");
  }
}
