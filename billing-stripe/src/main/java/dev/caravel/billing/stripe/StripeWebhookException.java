package dev.caravel.billing.stripe;

import dev.caravel.billing.InvalidInputException;

/**
 * A webhook request the host must not act on: no or malformed {@code Stripe-Signature}, no matching
 * signature, a timestamp outside the tolerance, or a signed body that is not an event. Answer it
 * with HTTP 400.
 */
public final class StripeWebhookException extends InvalidInputException {
  StripeWebhookException(String message) {
    super(message);
  }
}
