package dev.caravel.billing;

import java.time.Instant;
import java.util.List;

/**
 * The renewal of one tenant for period {@code period} (S6): applied only if the tenant's last
 * renewed period is {@code period - 1}, together with moving that mark to {@code period}.
 */
public record Renewal(String tenant, int period, Instant periodStart, List<InvoiceItem> items) {
  public Renewal {
    Checks.pubkey(tenant, "tenant");
    Checks.instant(periodStart, "period start");
    items = List.copyOf(items);
    if (period < 1) {
      throw new InvalidInputException("renewals start at period 1, got " + period);
    }
    for (InvoiceItem item : items) {
      if (!item.tenant().equals(tenant) || item.renewalPeriod().orElse(-1) != period) {
        throw new InvalidInputException("a renewal's items must be its own tenant's renewals for period " + period);
      }
    }
  }
}
