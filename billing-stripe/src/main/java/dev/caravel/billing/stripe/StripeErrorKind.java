package dev.caravel.billing.stripe;

/**
 * What kind of failure a Stripe answer is, classified as stripe-java classifies it (by HTTP status,
 * then the error's {@code type}), and whose fault it is.
 *
 * <table>
 *   <caption>Classification</caption>
 *   <tr><th>Stripe answered</th><th>kind</th><th>stripe-java</th><th>whose</th></tr>
 *   <tr><td>402</td><td>{@link #CARD}</td><td>CardException</td><td>the tenant's card</td></tr>
 *   <tr><td>400/404 {@code idempotency_error}</td><td>{@link #IDEMPOTENCY}</td><td>IdempotencyException</td><td>ours</td></tr>
 *   <tr><td>other 400/404</td><td>{@link #INVALID_REQUEST}</td><td>InvalidRequestException</td><td>ours</td></tr>
 *   <tr><td>401</td><td>{@link #AUTHENTICATION}</td><td>AuthenticationException</td><td>ours (setup)</td></tr>
 *   <tr><td>403</td><td>{@link #PERMISSION}</td><td>PermissionException</td><td>ours (setup)</td></tr>
 *   <tr><td>429 (rate limit, {@code lock_timeout})</td><td>{@link #RATE_LIMIT}</td><td>RateLimitException</td><td>nobody's: transient</td></tr>
 *   <tr><td>409, 5xx, anything else</td><td>{@link #API}</td><td>ApiException</td><td>Stripe's: transient</td></tr>
 *   <tr><td>no answer (connect failure, reset, timeout)</td><td>{@link #CONNECTION}</td><td>ApiConnectionException</td><td>transient</td></tr>
 * </table>
 */
public enum StripeErrorKind {
  CARD,
  INVALID_REQUEST,
  AUTHENTICATION,
  PERMISSION,
  RATE_LIMIT,
  IDEMPOTENCY,
  API,
  CONNECTION;

  /**
   * Stripe refused because of our request, key or account: the operator must act, not the tenant.
   */
  public boolean isOperatorFault() {
    return this == INVALID_REQUEST
        || this == AUTHENTICATION
        || this == PERMISSION
        || this == IDEMPOTENCY;
  }

  /** Nothing is wrong with the request; asking again later (same idempotency key) may succeed. */
  public boolean isTransient() {
    return this == RATE_LIMIT || this == API || this == CONNECTION;
  }

  static StripeErrorKind classify(int status, String type) {
    switch (status) {
      case 400:
      case 404:
        return "idempotency_error".equals(type) ? IDEMPOTENCY : INVALID_REQUEST;
      case 401:
        return AUTHENTICATION;
      case 402:
        return CARD;
      case 403:
        return PERMISSION;
      case 429:
        return RATE_LIMIT;
      default:
        return API;
    }
  }
}
