package dev.caravel.billing;

import java.time.Instant;

/** A request to put all of a tenant's unclaimed items on a new invoice if they sum above zero (S7). */
public record Claim(String tenant, String invoiceId, Instant periodStart, Instant periodEnd, String currency, Instant createdAt) {
  public Claim {
    Checks.pubkey(tenant, "tenant");
    Checks.id(invoiceId, "invoice id");
    Checks.instant(periodStart, "period start");
    Checks.instant(periodEnd, "period end");
    Checks.text(currency, "currency");
    Checks.instant(createdAt, "created at");
  }
}
