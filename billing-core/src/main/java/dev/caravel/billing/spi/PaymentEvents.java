package dev.caravel.billing.spi;

import dev.caravel.billing.BillingEvent;
import java.util.Objects;

/**
 * The events the engine built for one payment write ({@link Repository#markPaid}), one for each
 * write it may make: the storage appends the one of the write that happened, as given, and builds
 * none itself.
 *
 * @param asPayment appended when the write sets the invoice's payment (the engine's {@code
 *     PAYMENT_SUCCEEDED}, {@link BillingEvent#paid})
 * @param asSecondPayment appended when the write inserts the (invoice, reference) second payment
 *     (the engine's {@code REFUND_NEEDED}, {@link BillingEvent#refundNeeded})
 */
public record PaymentEvents(BillingEvent asPayment, BillingEvent asSecondPayment) {
  public PaymentEvents {
    Objects.requireNonNull(asPayment, "asPayment");
    Objects.requireNonNull(asSecondPayment, "asSecondPayment");
  }
}
