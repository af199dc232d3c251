package dev.caravel.billing;

import dev.caravel.billing.InvalidInputException.ConflictingKeyException;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.AdjustmentWrite;
import dev.caravel.billing.spi.Repository;

/**
 * Hand adjustments (S14): a credit or a charge, once per key, on the tenant's next invoice.
 *
 * <p>A charge on a tenant that has no anchor yet (saved, no activity) anchors it at the charge's
 * instant (issue 21, defect 6): invoices are for periods, and periods start at the anchor, so
 * without one the charge would never be invoiced. S1 is otherwise unchanged: the anchor is set once
 * and never moved, so a first activity after the charge leaves it where the charge put it (and one
 * dated before it is refused as out of order). A credit never anchors: alone it owes nothing, and
 * it waits for the tenant's first activity or charge like any credit waits for items that sum above
 * zero.
 */
final class Adjustments {
  private final EngineSettings settings;
  private final Repository repository;

  Adjustments(EngineSettings settings) {
    this.settings = settings;
    this.repository = settings.repository();
  }

  /** {@link Billing#credit}. */
  boolean credit(String tenant, long amount, String reason, String key) {
    return adjust(tenant, amount, reason, key, -1);
  }

  /** {@link Billing#charge}. */
  boolean charge(String tenant, long amount, String reason, String key) {
    return adjust(tenant, amount, reason, key, 1);
  }

  private boolean adjust(String tenant, long amount, String reason, String key, int sign) {
    Checks.pubkey(tenant, "tenant");
    Checks.text(reason, "reason");
    Checks.id(key, "key");
    Checks.positiveAmount(amount, "an adjustment amount");
    InvoiceItem item =
        InvoiceItem.forAdjustment(tenant, sign * amount, reason.strip(), key, settings.now());
    // The storage sets the anchor only if unset, atomically with the item: a first activity racing
    // this charge keeps the anchor it set. A tenant given a trial is anchored by its first
    // activity alone, at the trial's end (S20): the charge waits for its first invoice.
    boolean anchors =
        item.amount() > 0
            && repository.findTenant(tenant).map(t -> t.trialDays().isEmpty()).orElse(true);
    AdjustmentWrite write = repository.recordAdjustment(item, BillingEvent.adjusted(item), anchors);
    if (write instanceof AdjustmentWrite.KeyTaken taken) {
      // The storage stores once per key; whether the stored one is this request is ours to judge.
      if (taken.stored().sameAdjustment(item)) {
        return false;
      }
      throw new ConflictingKeyException(
          "adjustment key "
              + item.adjustmentKey().orElseThrow()
              + " was used already for another adjustment");
    }
    settings.notify(l -> l.adjustmentRecorded(item));
    return true;
  }
}
