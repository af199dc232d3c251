package dev.caravel.billing;

import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.StorageException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Bills one page of a poll cycle's due tenants (S7, S12) so that one tenant's failure stays its own
 * (DESIGN, "Security": one tenant's bad data fails that tenant alone, never the rest of a poll
 * page).
 *
 * <p>The page is billed in one batch, as fast as before. Only when the batch throws is the page
 * billed again, tenant by tenant: what the batch wrote stays, since every write is guarded and
 * idempotent (S8), so the second pass finishes what the first left and makes nothing twice.
 *
 * <p>In that pass, a tenant whose billing throws is its own failure (its stored data overflows a
 * {@code long}, or holds an instant beyond the calendar: written before the entry checks, or by an
 * older version). It is reported once per attempt (a {@link
 * BillingEvent.Type#TENANT_BILLING_FAILED} event, {@link BillingListener#billingFailed}, a log line
 * at ERROR), skipped, and due again {@link #RETRY_AFTER_FAILURE} later. That spacing is the rate
 * limit: a tenant that keeps failing costs one report and one tenant-by-tenant pass of its page an
 * hour, not one per cycle, and still comes back by itself once fixed.
 *
 * <p>A {@link StorageException} is not the tenant's failure: the storage is failing, and the tenant
 * stays due for the next cycle without a report, as a failed page did before. A second one in a row
 * (counting the batch's) means the storage is down, and the rest of the page is left for the next
 * cycle rather than tried tenant by tenant against it.
 */
final class PageBilling {
  /** How long after a failed attempt the poll tries a tenant again. */
  static final Duration RETRY_AFTER_FAILURE = Duration.ofHours(1);

  /** A failure's reason is for the operator: the exception, cut to a bounded length. */
  private static final int REASON_LENGTH = 500;

  /** The facade's logger: hosts configure logging by the engine's name. */
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  private final EngineSettings settings;
  private final Repository repository;
  private final Bookkeeping bookkeeping;

  /**
   * What billing a page made (each invoice with how its tenant pays, as the page read it), and
   * whether the storage failed part of it: the tenants it left are still due, for the next cycle.
   */
  record Billed(List<PaymentCascade.Known> made, boolean storageFailed) {}

  PageBilling(EngineSettings settings, Bookkeeping bookkeeping) {
    this.settings = settings;
    this.repository = settings.repository();
    this.bookkeeping = bookkeeping;
  }

  Billed bill(List<String> page, Instant now) {
    RuntimeException batchFailure;
    try {
      return new Billed(bookkeeping.generate(page, now), false);
    } catch (RuntimeException e) {
      batchFailure = e;
    }
    if (page.size() == 1) {
      // Its own failure already: billing it again alone would fail the same way.
      return new Billed(List.of(), failedAlone(page.get(0), batchFailure, now));
    }
    LOG.log(
        Level.WARNING,
        "billing a page of {0} tenants at once failed ({1}); billing them one by one",
        page.size(),
        describe(batchFailure));
    List<PaymentCascade.Known> made = new ArrayList<>();
    boolean storageFailed = false;
    int storageFailuresInARow = batchFailure instanceof StorageException ? 1 : 0;
    for (int i = 0; i < page.size(); i++) {
      String tenant = page.get(i);
      try {
        made.addAll(bookkeeping.generate(List.of(tenant), now));
        storageFailuresInARow = 0;
      } catch (StorageException e) {
        storageFailed = true;
        if (++storageFailuresInARow >= 2) {
          LOG.log(
              Level.ERROR,
              "billing tenant "
                  + tenant
                  + " failed in the storage, as the page did; the "
                  + (page.size() - i)
                  + " tenants left on the page are billed by the next cycle",
              e);
          break;
        }
        failedAlone(tenant, e, now);
      } catch (RuntimeException e) {
        storageFailuresInARow = 0;
        failedAlone(tenant, e, now);
      }
    }
    return new Billed(made, storageFailed);
  }

  /** A tenant billed alone failed: true if in the storage, else reported. */
  private boolean failedAlone(String tenant, RuntimeException failure, Instant now) {
    if (failure instanceof StorageException) {
      LOG.log(
          Level.ERROR,
          "billing tenant " + tenant + " failed in the storage; the next cycle retries",
          failure);
      return true;
    }
    report(tenant, failure, now);
    return false;
  }

  /** Reports a tenant's failure (event, listener, log) and defers its next try. */
  private void report(String tenant, RuntimeException failure, Instant now) {
    String reason = describe(failure);
    Instant retryAt = now.plus(RETRY_AFTER_FAILURE);
    LOG.log(
        Level.ERROR,
        "billing tenant " + tenant + " failed; skipped, tried again at " + retryAt + ": " + reason,
        failure);
    try {
      repository.recordBillingFailure(BillingEvent.billingFailed(tenant, reason, now), retryAt);
    } catch (RuntimeException e) {
      // Not recorded, so not deferred either: the next cycle tries the tenant (and reports) again.
      LOG.log(Level.ERROR, "recording the billing failure of tenant " + tenant + " failed", e);
    }
    settings.notify(listener -> listener.billingFailed(tenant, reason));
  }

  private static String describe(RuntimeException e) {
    String text =
        e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return text.length() <= REASON_LENGTH ? text : text.substring(0, REASON_LENGTH - 3) + "...";
  }
}
