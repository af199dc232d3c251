package dev.caravel.billing.spi;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The renewal of one tenant for period {@code period} (S6): applied only if the tenant's last
 * renewed period is {@code period - 1} and the tenant still has exactly {@code logSize} activities
 * (the log it was computed from: an activity appended meanwhile could fall before the period start,
 * so the engine must compute again), together with moving the mark to {@code period}.
 *
 * <p>{@code snapshot}, when present, is every relay's state as of {@code periodStart} (S17): the
 * repository keeps it as the tenant's snapshot, in the same transaction, if every activity of the
 * tenant is billed then; otherwise the snapshot stays where it was (still correct, only older).
 */
public record Renewal(
    String tenant,
    int period,
    Instant periodStart,
    int logSize,
    List<InvoiceItem> items,
    Optional<List<RelaySnapshot>> snapshot) {
  public Renewal {
    Checks.pubkey(tenant, "tenant");
    Checks.instant(periodStart, "period start");
    items = List.copyOf(items);
    Checks.notNull(snapshot, "snapshot");
    snapshot = snapshot.map(List::copyOf);
    if (logSize < 0) {
      throw new InvalidInputException("logSize must not be negative");
    }
    if (period < 1) {
      throw new InvalidInputException("renewals start at period 1, got " + period);
    }
    for (InvoiceItem item : items) {
      if (!item.tenant().equals(tenant) || item.renewalPeriod().orElse(-1) != period) {
        throw new InvalidInputException(
            "a renewal's items must be its own tenant's renewals for period " + period);
      }
    }
  }

  /** A renewal that leaves the tenant's snapshot where it is. */
  public Renewal(
      String tenant, int period, Instant periodStart, int logSize, List<InvoiceItem> items) {
    this(tenant, period, periodStart, logSize, items, Optional.empty());
  }
}
