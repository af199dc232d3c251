package dev.caravel.billing.spi;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.internal.Checks;
import java.math.BigInteger;
import java.time.Instant;

/**
 * The engine's decision for one tenant visited in a poll (S7), from its unclaimed items as read:
 * put every one of them on a new invoice for the period {@code [periodStart, periodEnd)} ({@code
 * invoice}), or leave them unclaimed (they sum to zero or less: a credit waits for the next
 * invoice). Either way the visit is recorded, so the tenant's next due instant moves; see {@link
 * Repository#claim}, which records it only if the tenant's unclaimed items are still {@code read}.
 * The invoice's id is drawn only if one is made.
 */
public record Claim(
    String tenant,
    Instant periodStart,
    Instant periodEnd,
    String currency,
    Instant createdAt,
    UnclaimedTotal read,
    boolean invoice) {
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  public Claim {
    Checks.pubkey(tenant, "tenant");
    Checks.instant(periodStart, "period start");
    Checks.instant(periodEnd, "period end");
    Checks.text(currency, "currency");
    Checks.instant(createdAt, "created at");
    Checks.notNull(read, "read");
    if (!read.tenant().equals(tenant)) {
      throw new InvalidInputException(
          "a claim of " + tenant + " from the items of " + read.tenant());
    }
    if (invoice && (read.total().signum() <= 0 || read.total().compareTo(LONG_MAX) > 0)) {
      throw new InvalidInputException(
          "an invoice's total must be above zero and fit a long, got " + read.total());
    }
  }

  /** The invoice's total, when {@link #invoice}. */
  public long total() {
    return read.total().longValueExact();
  }
}
