package dev.caravel.billing.spi;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.internal.Checks;
import java.util.Optional;

/**
 * The outcome of reconciling one activity (S5): the item it yields, if any, and its billed mark.
 */
public record Reconciliation(String tenant, String activityId, Optional<InvoiceItem> item) {
  public Reconciliation {
    Checks.pubkey(tenant, "tenant");
    Checks.id(activityId, "activity id");
    Checks.notNull(item, "item");
    item.ifPresent(
        i -> {
          if (!i.activityId().equals(Optional.of(activityId)) || !i.tenant().equals(tenant)) {
            throw new InvalidInputException(
                "a reconciliation's item must come from its own activity");
          }
        });
  }
}
