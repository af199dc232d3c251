package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * A claim on a tenant's unclaimed items (S7): its total is their sum and always positive. The
 * period is the billing period holding the moment the invoice was made. {@code payment} is present
 * once paid; an invoice is paid at most once.
 */
public record Invoice(
    String id,
    String tenant,
    Instant periodStart,
    Instant periodEnd,
    long total,
    String currency,
    Instant createdAt,
    Optional<Payment> payment) {

  public Invoice {
    Checks.id(id, "invoice id");
    Checks.pubkey(tenant, "tenant");
    Checks.instant(periodStart, "period start");
    Checks.instant(periodEnd, "period end");
    Checks.instant(createdAt, "created at");
    Checks.text(currency, "currency");
    Checks.notNull(payment, "payment");
    if (!periodStart.isBefore(periodEnd)) {
      throw new InvalidInputException("period start must be before period end");
    }
    if (total <= 0) {
      throw new InvalidInputException("an invoice total must be positive, got " + total);
    }
  }

  public boolean isPaid() {
    return payment.isPresent();
  }
}
