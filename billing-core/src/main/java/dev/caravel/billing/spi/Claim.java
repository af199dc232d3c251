package dev.caravel.billing.spi;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.internal.Checks;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;

/**
 * The engine's decision for one tenant visited in a poll (S7), from its unclaimed items as read:
 * put every one of them on a new invoice for the period {@code [periodStart, periodEnd)} ({@code
 * invoice}), or leave them unclaimed (they sum to zero or less: a credit waits for the next
 * invoice). Either way the visit is recorded, so the tenant's next due instant moves; see {@link
 * Repository#claim}, which records it only if the tenant's unclaimed items are still {@code read}.
 * The invoice's id is drawn only if one is made. {@code tax} is the invoice's tax line, computed by
 * the engine from the tenant's setting (S24): the storage records it with the invoice, whose total
 * is {@link #total()}.
 */
public record Claim(
    String tenant,
    Instant periodStart,
    Instant periodEnd,
    String currency,
    Instant createdAt,
    UnclaimedTotal read,
    boolean invoice,
    Optional<Invoice.Tax> tax) {
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
    Checks.notNull(tax, "tax");
    if (tax.isPresent() && !invoice) {
      throw new InvalidInputException("a claim that makes no invoice has no tax line");
    }
    if (invoice) {
      total(read, tax); // the net plus the tax it adds must fit a long too
    }
  }

  /** A claim without tax. */
  public Claim(
      String tenant,
      Instant periodStart,
      Instant periodEnd,
      String currency,
      Instant createdAt,
      UnclaimedTotal read,
      boolean invoice) {
    this(tenant, periodStart, periodEnd, currency, createdAt, read, invoice, Optional.empty());
  }

  /** The invoice's net: the sum of the items it claims, when {@link #invoice}. */
  public long net() {
    return read.total().longValueExact();
  }

  /** The invoice's total, when {@link #invoice}: its net plus the tax it adds (S24). */
  public long total() {
    return total(read, tax);
  }

  private static long total(UnclaimedTotal read, Optional<Invoice.Tax> tax) {
    long net = read.total().longValueExact();
    long added = tax.map(Invoice.Tax::added).orElse(0L);
    if (net > Long.MAX_VALUE - added) {
      throw new InvalidInputException(
          "tenant " + read.tenant() + " owes more than a long holds with tax: " + net);
    }
    return net + added;
  }
}
