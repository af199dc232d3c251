package dev.caravel.billing.stripe;

/**
 * Stripe refused a charge because its idempotency key was already used with other parameters (HTTP
 * 400, {@code idempotency_error}). Keys derive from the invoice and payment round, whose amount
 * never changes, so this means a bug upstream; nothing was charged by this request.
 */
public final class StripeIdempotencyException extends StripeException {
  StripeIdempotencyException(
      String message, int httpStatus, String type, String code, String requestId) {
    super(message, httpStatus, type, code, requestId);
  }
}
