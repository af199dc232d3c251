package dev.caravel.billing;

/** Sends a private text message to a tenant's Nostr pubkey. Implementations must be thread-safe. */
public interface Messenger {

  /**
   * Returns once at least one destination accepted the message.
   *
   * @throws RailException when none did
   */
  void send(String recipientPubkey, String text);
}
