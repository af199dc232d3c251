package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.util.Optional;

/**
 * The saved-card rail. Implementations must be thread-safe.
 *
 * <p>{@link #charge} must honour {@link ChargeRequest#idempotencyKey()}: the same key sent
 * twice charges at most once, and the second call answers what the first did. A charge whose
 * fate is unknown returns {@link ChargeOutcome.Unknown}, never throws; exceptions are for bad
 * setup (a rejected API key) and bugs.
 */
public interface PaymentGateway {

  /** The customer's saved payment method to charge off-session, if they have one. */
  Optional<String> savedPaymentMethod(String customerId);

  ChargeOutcome charge(ChargeRequest request);

  /**
   * An off-session card charge. The {@code idempotencyKey} is derived from the invoice and the
   * payment round, so sending the same request again can never charge twice.
   */
  record ChargeRequest(
      String customerId, String paymentMethodId, long amount, String currency, String invoiceId, String idempotencyKey) {
    public ChargeRequest {
      Checks.id(customerId, "customer id");
      Checks.id(paymentMethodId, "payment method id");
      Checks.text(currency, "currency");
      Checks.id(invoiceId, "invoice id");
      Checks.id(idempotencyKey, "idempotency key");
      if (amount <= 0) {
        throw new InvalidInputException("a charge must be positive, got " + amount);
      }
    }
  }

  /** What became of a card charge. Expected results are values; only bugs and bad setup throw. */
  sealed interface ChargeOutcome {

    /** The money moved. {@code reference} is the rail's id for it (a PaymentIntent id). */
    record Paid(String reference) implements ChargeOutcome {}

    /** Accepted but not final yet (Stripe's {@code processing}); the host settles it later. */
    record Pending(String reference) implements ChargeOutcome {}

    /** Refused by the card's bank: {@code code} is the decline code when given. */
    record Declined(String code, String message) implements ChargeOutcome {}

    /** The customer must act (authenticate, 3-D Secure) before the charge can go through. */
    record NeedsCustomer(String reference, String message) implements ChargeOutcome {}

    /** The request may or may not have charged (a timeout, a 5xx): retry with the same key. */
    record Unknown(String message) implements ChargeOutcome {}
  }
}
