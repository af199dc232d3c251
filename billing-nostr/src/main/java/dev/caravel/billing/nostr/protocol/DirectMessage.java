package dev.caravel.billing.nostr.protocol;

import dev.caravel.billing.nostr.internal.EventFields;
import java.time.Instant;
import java.util.List;

/**
 * An unwrapped NIP-17 message (the rumor): authenticated by the seal's signature, so {@code
 * senderPubkey} is who wrote it.
 *
 * @param id the rumor's id
 * @param kind 14 for a chat message
 */
public record DirectMessage(
    String id,
    String senderPubkey,
    int kind,
    String content,
    List<List<String>> tags,
    Instant createdAt) {
  public DirectMessage {
    tags = EventFields.copyTags(tags);
  }
}
