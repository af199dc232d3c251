package dev.caravel.billing.spi;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;

/**
 * A request to put all of a tenant's unclaimed items on a new invoice if they sum above zero (S7).
 * The invoice's id is drawn only if one is made: see {@link Repository#claim}.
 */
public record Claim(
    String tenant, Instant periodStart, Instant periodEnd, String currency, Instant createdAt) {
  public Claim {
    Checks.pubkey(tenant, "tenant");
    Checks.instant(periodStart, "period start");
    Checks.instant(periodEnd, "period end");
    Checks.text(currency, "currency");
    Checks.instant(createdAt, "created at");
  }
}
