package dev.caravel.billing.stripe;

/**
 * Stripe refused a request as invalid ({@code invalid_request_error}: an unknown parameter, a
 * missing customer, {@code amount_too_small}, ...). Stripe ran nothing and saved nothing under the
 * idempotency key, so nothing was charged. It is <em>our</em> fault (the request, the data we hold,
 * or the account), never the tenant's card: a charge throws this rather than answer {@code
 * Declined}, so no tenant is told their card failed and no dunning step is spent. The engine treats
 * a throw from {@code charge} as Unknown and tries the same round again later. The message is for
 * the operator; it never holds the API key.
 */
public final class StripeRequestException extends StripeException {
  private final String param;

  StripeRequestException(
      String message, int httpStatus, String type, String code, String param, String requestId) {
    super(message, httpStatus, type, code, requestId);
    this.param = param;
  }

  /** The request parameter Stripe named, if any ({@code payment_method}, {@code amount}, ...). */
  public java.util.Optional<String> param() {
    return java.util.Optional.ofNullable(param);
  }
}
