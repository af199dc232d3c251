package dev.caravel.billing.spi;

import dev.caravel.billing.BillingEvent;
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
 *
 * <p>A tenant in trial (S20) has two more: period -1, no items, which writes the trial-ending
 * event, and period 0 at the anchor, the first term's charges, which writes the trial-ended event;
 * {@code event} is appended in the renewal's transaction. Neither carries a snapshot (period 0 is
 * the log read whole).
 */
public record Renewal(
    String tenant,
    int period,
    Instant periodStart,
    int logSize,
    List<InvoiceItem> items,
    Optional<List<RelaySnapshot>> snapshot,
    Optional<BillingEvent> event) {
  public Renewal {
    Checks.pubkey(tenant, "tenant");
    Checks.instant(periodStart, "period start");
    items = List.copyOf(items);
    Checks.notNull(snapshot, "snapshot");
    snapshot = snapshot.map(List::copyOf);
    if (logSize < 0) {
      throw new InvalidInputException("logSize must not be negative");
    }
    Checks.notNull(event, "event");
    if (period < TenantLedger.TRIAL_ENDING_TOLD) {
      throw new InvalidInputException(
          "renewals start at period 1, or -1 in a trial, got " + period);
    }
    if (period < 1 && snapshot.isPresent()) {
      throw new InvalidInputException("a trial's renewal carries no snapshot");
    }
    event.ifPresent(
        e -> {
          if (!e.tenant().equals(tenant)) {
            throw new InvalidInputException("a renewal's event must be its own tenant's");
          }
        });
    for (InvoiceItem item : items) {
      if (!item.tenant().equals(tenant) || item.renewalPeriod().orElse(-1) != period) {
        throw new InvalidInputException(
            "a renewal's items must be its own tenant's renewals for period " + period);
      }
    }
  }

  /** A renewal without an event. */
  public Renewal(
      String tenant,
      int period,
      Instant periodStart,
      int logSize,
      List<InvoiceItem> items,
      Optional<List<RelaySnapshot>> snapshot) {
    this(tenant, period, periodStart, logSize, items, snapshot, Optional.empty());
  }

  /** A renewal that leaves the tenant's snapshot where it is. */
  public Renewal(
      String tenant, int period, Instant periodStart, int logSize, List<InvoiceItem> items) {
    this(tenant, period, periodStart, logSize, items, Optional.empty());
  }
}
