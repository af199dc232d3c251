package dev.caravel.billing.nostr;

import java.net.URI;

/** What one relay made of a published event. Expected outcomes are values, not exceptions. */
public sealed interface PublishResult {
  URI relay();

  /** The relay answered {@code ["OK", id, true, message]}. */
  record Accepted(URI relay, String message) implements PublishResult {}

  /** The relay answered {@code ["OK", id, false, reason]}. */
  record Rejected(URI relay, String reason) implements PublishResult {}

  /**
   * The relay answered {@code ["OK", id, false, "restricted: ..."]}: this key may not write there
   * (e.g. a paid or allow-listed relay). Retrying will not help; unlike {@code auth-required:},
   * which the client answers by authenticating (NIP-42) and sending once more.
   */
  record Restricted(URI relay, String reason) implements PublishResult {}

  /**
   * No answer: not connected in time, timed out, send queue full, the client closed, or the pool
   * refused to dial the relay (a private address, or the connection cap).
   */
  record Failed(URI relay, String reason) implements PublishResult {}

  default boolean accepted() {
    return this instanceof Accepted;
  }

  /** A short human-readable line, e.g. for an error listing every relay. */
  default String describe() {
    if (this instanceof Accepted) {
      return relay() + ": accepted";
    } else if (this instanceof Rejected r) {
      return relay() + ": rejected (" + r.reason() + ")";
    } else if (this instanceof Restricted r) {
      return relay() + ": restricted (" + r.reason() + ")";
    } else {
      return relay() + ": failed (" + ((Failed) this).reason() + ")";
    }
  }
}
