package dev.caravel.billing;

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
}
