package dev.caravel.billing.nostr.protocol;

import dev.caravel.billing.nostr.NostrFormatException;
import dev.caravel.billing.nostr.internal.Bech32;
import dev.caravel.billing.nostr.internal.Hex;
import dev.caravel.billing.nostr.internal.Secp256k1;
import java.util.Locale;

/**
 * NIP-19 bech32 forms of public keys ({@code npub1...}). Secret keys live in {@link
 * dev.caravel.billing.nostr.NostrKeys}.
 */
public final class Nip19 {
  private Nip19() {}

  /** Formats a 64-hex public key as {@code npub1...}. */
  public static String npub(String publicKeyHex) {
    return Bech32.encode("npub", Hex.decode(publicKeyHex, 32, "public key"));
  }

  /**
   * Reads a public key given as {@code npub1...} or 64 hex characters and returns it as lower-case
   * hex, after checking it is a point on the curve.
   */
  public static String publicKeyHex(String npubOrHex) {
    byte[] key;
    if (npubOrHex != null && npubOrHex.regionMatches(true, 0, "npub1", 0, 5)) {
      Bech32.Decoded decoded = Bech32.decode(npubOrHex);
      if (!decoded.hrp().equals("npub") || decoded.data().length != 32) {
        throw new NostrFormatException("not an npub key");
      }
      key = decoded.data();
    } else {
      key = Hex.decode(npubOrHex, 32, "public key");
    }
    Secp256k1.liftX(key);
    return Hex.encode(key).toLowerCase(Locale.ROOT);
  }
}
