package dev.caravel.billing.nostr.internal;

import dev.caravel.billing.nostr.NostrKeys;
import java.util.Objects;

/**
 * ECDH with the secret of a {@link NostrKeys}, for the module's NIP-04 and NIP-44 code, without a
 * public method on the exported {@code NostrKeys}: {@code NostrKeys} hands this class the one
 * function when it initializes (the pattern of the JDK's own "shared secrets"). In a package the
 * module does not export: not part of the API.
 */
public final class KeyAgreement {
  /** x of secret·peer, for {@code keys} and the peer's x-only public key (hex). */
  public interface SharedX {
    byte[] sharedX(NostrKeys keys, String peerPublicKeyHex);
  }

  private static SharedX installed;

  private KeyAgreement() {}

  /** Called once, by {@code NostrKeys} as it initializes; a second call is refused. */
  public static synchronized void install(SharedX sharedX) {
    if (installed != null) {
      throw new IllegalStateException("the key agreement is installed already");
    }
    installed = Objects.requireNonNull(sharedX, "sharedX");
  }

  /**
   * x of secret·peer: the ECDH input shared by NIP-04 and NIP-44. A {@code NostrKeys} instance
   * exists, so its class has initialized and installed the function.
   */
  public static byte[] sharedX(NostrKeys keys, String peerPublicKeyHex) {
    Objects.requireNonNull(keys, "keys");
    SharedX sharedX;
    synchronized (KeyAgreement.class) {
      sharedX = installed;
    }
    return sharedX.sharedX(keys, peerPublicKeyHex);
  }
}
