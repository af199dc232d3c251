package dev.caravel.billing.nostr.protocol;

import dev.caravel.billing.nostr.NostrFormatException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A NIP-44 conversation key: the same for both sides of a conversation, so it may be cached per
 * peer. Secret material: never printed.
 */
public final class ConversationKey {
  private final byte[] key;

  ConversationKey(byte[] key) {
    if (key.length != 32) {
      throw new NostrFormatException("conversation key must be 32 bytes");
    }
    this.key = key.clone();
  }

  byte[] bytes() {
    return key.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConversationKey other && MessageDigest.isEqual(other.key, key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return "ConversationKey[redacted]";
  }
}
