package dev.caravel.billing.nostr;

import java.net.URI;

/**
 * Receives a subscription's traffic. Called from the relay client's I/O threads, one relay message
 * at a time per relay: keep handlers short and thread-safe.
 */
public interface SubscriptionListener {
  /** A verified event that matched; each event id is delivered once per subscription. */
  void onEvent(Event event, URI relay);

  /** The relay has sent all stored events ({@code EOSE}); live ones follow. */
  default void onEose(URI relay) {}

  /** The relay ended the subscription ({@code CLOSED}); it is not resubscribed there. */
  default void onClosed(URI relay, String reason) {}
}
