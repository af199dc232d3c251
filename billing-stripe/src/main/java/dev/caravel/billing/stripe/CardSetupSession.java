package dev.caravel.billing.stripe;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * A Checkout Session in setup mode that Stripe opened for saving a card: send the tenant to {@code
 * url} (a 303 from the page's POST). Stripe closes it at {@code expiresAt} (24 hours by default).
 */
public record CardSetupSession(String sessionId, URI url, Instant expiresAt) {
  public CardSetupSession {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
