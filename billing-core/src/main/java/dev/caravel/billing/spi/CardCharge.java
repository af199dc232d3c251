package dev.caravel.billing.spi;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;

/**
 * The card a payment round charged (or tried to), noted before the charge was sent: a resumed round
 * must send the very same request, card included, for its idempotency key to protect it.
 */
public record CardCharge(String invoiceId, int round, String paymentMethodId, Instant sentAt) {
  public CardCharge {
    Checks.id(invoiceId, "invoice id");
    Checks.id(paymentMethodId, "payment method id");
    Checks.instant(sentAt, "sent at");
    if (round < 1) {
      throw new InvalidInputException("rounds start at 1, got " + round);
    }
  }
}
