package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Repository;

/** Hand adjustments (S14): a credit or a charge, once per key, on the tenant's next invoice. */
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
    boolean recorded = repository.recordAdjustment(item);
    if (recorded) {
      settings.notify(l -> l.adjustmentRecorded(item));
    }
    return recorded;
  }
}
