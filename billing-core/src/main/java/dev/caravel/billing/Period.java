package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;

/** Billing period {@code index} of a tenant: {@code [start, end)} (S2). */
public record Period(int index, Instant start, Instant end) {
  public Period {
    if (index < 0) {
      throw new InvalidInputException("period index must not be negative");
    }
    if (!start.isBefore(end)) {
      throw new InvalidInputException("a period must end after it starts");
    }
  }

  public boolean contains(Instant t) {
    return !t.isBefore(start) && t.isBefore(end);
  }

  /**
   * S3: what is left of {@code price} for the rest of this period from {@code t}, exactly: {@code
   * round_half_up(price × (end − t) / (end − start))} in whole seconds.
   *
   * @throws InvalidInputException when {@code t} is outside the period or the price is negative or
   *     above {@link MoneyLimits#MAX_AMOUNT}
   */
  public long prorate(long price, Instant t) {
    return Proration.prorate(Checks.amount(price, "price"), this, t);
  }

  public long seconds() {
    return end.getEpochSecond() - start.getEpochSecond();
  }
}
