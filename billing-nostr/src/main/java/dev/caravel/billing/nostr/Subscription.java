package dev.caravel.billing.nostr;

import dev.caravel.billing.nostr.internal.Json;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A live subscription on one or more relays; resubscribed after reconnects until closed. */
public final class Subscription implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Subscription.class);
  private static final int SEEN_CAPACITY = 10_000;

  private final String id;
  private final List<Filter> filters;
  private final List<URI> relays;
  private final SubscriptionListener listener;
  private final RelayClient client;
  private final NostrKeys authKey;
  // Event ids already delivered, so an event stored on several relays arrives once.
  private final Map<String, Boolean> seen =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > SEEN_CAPACITY;
        }
      };

  Subscription(
      String id,
      List<Filter> filters,
      List<URI> relays,
      SubscriptionListener listener,
      RelayClient client,
      NostrKeys authKey) {
    this.id = id;
    this.authKey = authKey;
    this.filters = List.copyOf(filters);
    this.relays = List.copyOf(relays);
    this.listener = listener;
    this.client = client;
  }

  public String id() {
    return id;
  }

  public List<Filter> filters() {
    return filters;
  }

  public List<URI> relays() {
    return relays;
  }

  /** Sends {@code CLOSE} to every relay and stops delivery. Idempotent. */
  @Override
  public void close() {
    client.unsubscribe(this);
  }

  /** The key this subscription authenticates as (NIP-42), or null. */
  NostrKeys authKey() {
    return authKey;
  }

  String reqMessage() {
    var array = Json.MAPPER.createArrayNode().add("REQ").add(id);
    filters.forEach(f -> array.add(f.toJsonNode()));
    return Json.write(array);
  }

  void deliver(Event event, URI relay) {
    if (filters.stream().noneMatch(f -> f.matches(event))) {
      log.debug(
          "dropping event {} from {}: it matches none of subscription {}'s filters",
          event.id(),
          relay,
          id);
      return;
    }
    synchronized (seen) {
      if (seen.put(event.id(), Boolean.TRUE) != null) {
        return;
      }
    }
    try {
      listener.onEvent(event, relay);
    } catch (RuntimeException e) {
      log.warn("subscription {} listener failed on an event from {}", id, relay, e);
    }
  }

  void eose(URI relay) {
    try {
      listener.onEose(relay);
    } catch (RuntimeException e) {
      log.warn("subscription {} listener failed on EOSE from {}", id, relay, e);
    }
  }

  void closedByRelay(URI relay, String reason) {
    try {
      listener.onClosed(relay, reason);
    } catch (RuntimeException e) {
      log.warn("subscription {} listener failed on CLOSED from {}", id, relay, e);
    }
  }

  @Override
  public String toString() {
    return "Subscription[" + id + " on " + relays + "]";
  }
}
