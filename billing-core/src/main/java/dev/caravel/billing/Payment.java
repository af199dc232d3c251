package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;

/** The one payment an invoice received: how, a reference on that rail, and when. */
public record Payment(PaymentMethod method, String reference, Instant paidAt) {
  public Payment {
    Checks.notNull(method, "payment method");
    Checks.text(reference, "payment reference");
    Checks.instant(paidAt, "paid at");
  }
}
