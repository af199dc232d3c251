package dev.caravel.billing.stripe;

/**
 * Stripe refused the API key (HTTP 401) or the key lacks a permission (HTTP 403). Nothing will work
 * until the host fixes its setup, so this is thrown rather than answered as an outcome. The message
 * never holds the key, not even the masked form Stripe echoes back.
 */
public final class StripeConfigurationException extends StripeException {
  StripeConfigurationException(
      String message, int httpStatus, String type, String code, String requestId) {
    super(message, httpStatus, type, code, requestId);
  }
}
