package dev.caravel.billing.spi;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.internal.Checks;
import java.math.BigInteger;

/**
 * A tenant's items on no invoice yet, as {@link Repository#unclaimedTotals} read them: their exact
 * sum (no {@code long} to overflow: whether the sum can be an invoice's total is the engine's to
 * judge) and how many there are. The engine decides an invoice from it, and {@link
 * Repository#claim} records that decision only if the items are still these.
 */
public record UnclaimedTotal(String tenant, BigInteger total, int count) {
  /** Nothing unclaimed. */
  public static UnclaimedTotal none(String tenant) {
    return new UnclaimedTotal(tenant, BigInteger.ZERO, 0);
  }

  public UnclaimedTotal {
    Checks.pubkey(tenant, "tenant");
    Checks.notNull(total, "total");
    if (count < 0 || (count == 0 && total.signum() != 0)) {
      throw new InvalidInputException(
          "an unclaimed total of " + total + " over " + count + " items");
    }
  }
}
