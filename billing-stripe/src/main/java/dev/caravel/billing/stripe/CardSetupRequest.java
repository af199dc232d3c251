package dev.caravel.billing.stripe;

import dev.caravel.billing.InvalidInputException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;

/**
 * What a tenant's page asks for when the tenant wants to save a card: the Stripe customer to save
 * it on, where Stripe's hosted page sends the tenant back, and a key for this attempt.
 *
 * <p>{@code successUrl} and {@code cancelUrl} are absolute http(s) URLs of at most 5,000 characters
 * (Stripe's limit). The success URL may hold Stripe's template {@code {CHECKOUT_SESSION_ID}}, which
 * Stripe replaces with the session's id.
 *
 * <p>{@code attemptKey} names this attempt (for instance the id of the form the tenant submitted):
 * the same key sent again answers the same session, so a double submit opens one session, and a new
 * attempt needs a new key. 1 to 200 visible ASCII characters.
 *
 * <p>A field Stripe would refuse throws {@link InvalidInputException} here, before anything is
 * sent.
 */
public record CardSetupRequest(
    String customerId, String successUrl, String cancelUrl, String attemptKey) {
  static final String SESSION_ID_TEMPLATE = "{CHECKOUT_SESSION_ID}";
  private static final int MAX_URL = 5_000;
  private static final int MAX_ATTEMPT_KEY = 200;

  public CardSetupRequest {
    Objects.requireNonNull(customerId, "customerId");
    Objects.requireNonNull(successUrl, "successUrl");
    Objects.requireNonNull(cancelUrl, "cancelUrl");
    Objects.requireNonNull(attemptKey, "attemptKey");
    StripeCalls.stripeId(customerId, "customer id");
    checkUrl(successUrl, "success URL");
    checkUrl(cancelUrl, "cancel URL");
    if (attemptKey.length() > MAX_ATTEMPT_KEY || !attemptKey.matches("[\\x21-\\x7e]+")) {
      throw new InvalidInputException(
          "attempt key must be 1 to " + MAX_ATTEMPT_KEY + " visible ASCII characters");
    }
  }

  private static void checkUrl(String url, String what) {
    if (url.isEmpty() || url.length() > MAX_URL) {
      throw new InvalidInputException(what + " must be 1 to " + MAX_URL + " characters");
    }
    // Stripe's template is not a valid URI character sequence; check the URL around it.
    String plain = url.replace(SESSION_ID_TEMPLATE, "cs_template");
    URI uri;
    try {
      uri = new URI(plain);
    } catch (URISyntaxException e) {
      throw new InvalidInputException(what + " is not a valid URL: " + e.getReason());
    }
    if (!uri.isAbsolute()
        || uri.getHost() == null
        || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
      throw new InvalidInputException(what + " must be an absolute http(s) URL, got " + url);
    }
  }
}
