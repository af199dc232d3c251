package dev.caravel.billing;

import java.util.Optional;

/**
 * Seals secrets at rest (a tenant's NWC URI holds a private key), each bound to its tenant: a value
 * sealed for one tenant does not open for another, so a sealed URI copied into another tenant's row
 * is refused instead of paying from the first tenant's wallet. {@code open(t, seal(t, x)) == x};
 * {@code open} of anything sealed for another tenant, under a key the cipher no longer holds, or
 * tampered with throws {@link InvalidInputException}.
 *
 * <p>A host's own implementation (a KMS, say) must bind the tenant the same way, as authenticated
 * associated data, and should name its key in the sealed value so that keys can rotate.
 */
public interface SecretCipher {
  /**
   * Seals {@code plaintext}, a secret of {@code tenant} (its pubkey), under the current key.
   *
   * @throws InvalidInputException when {@code tenant} is not a pubkey or {@code plaintext} is null
   */
  String seal(String tenant, String plaintext);

  /**
   * Opens what {@link #seal} sealed for {@code tenant}.
   *
   * @throws InvalidInputException when {@code sealed} is not a sealed value, was sealed for another
   *     tenant, names a key the cipher does not hold, or was tampered with
   */
  String open(String tenant, String sealed);

  /**
   * AES-256-GCM under one key: it seals with that key, binding each value to its tenant and the
   * key's id, and opens those and values sealed by 0.1/0.2 under it. To rotate keys, build a ring
   * with {@link #keyring()}.
   *
   * @param key 32 bytes, kept secret by the host (copied)
   * @throws InvalidInputException when the key is not 32 bytes
   */
  static SecretCipher aesGcm(byte[] key) {
    return AesGcmSecretCipher.builder().currentKey(key).build();
  }

  /**
   * {@link #aesGcm(byte[])} with the key in base64 (standard or url-safe), as an environment
   * variable holds it.
   *
   * @throws InvalidInputException when the key is missing, not base64, or not 32 bytes
   */
  static SecretCipher aesGcm(String base64Key) {
    return AesGcmSecretCipher.builder().currentKey(base64Key).build();
  }

  /**
   * The id of the key that seals, as the sealed values name it, for logs and for finding the values
   * still sealed under an old key; empty when the cipher names no keys.
   */
  default Optional<String> sealingKeyId() {
    return Optional.empty();
  }

  /**
   * An AES-256-GCM keyring, for rotating keys: exactly one current key, which seals, and any number
   * of old keys, which only open. The format, and how 0.1/0.2's values open, are in billing-core's
   * README ("Security").
   */
  static Keyring keyring() {
    return new Keyring();
  }

  /**
   * Builds an AES-256-GCM keyring ({@link SecretCipher#keyring()}). Keys are 32 bytes, as raw bytes
   * (copied) or base64 (standard or url-safe, as an environment variable holds them); a key listed
   * twice, or as both current and old, counts once.
   */
  final class Keyring {
    private final AesGcmSecretCipher.Builder ring = AesGcmSecretCipher.builder();

    private Keyring() {}

    /**
     * The key that seals (and opens).
     *
     * @throws InvalidInputException when the key is not 32 bytes
     * @throws IllegalStateException when the current key was already given
     */
    public Keyring currentKey(byte[] key) {
      ring.currentKey(key);
      return this;
    }

    /**
     * {@link #currentKey(byte[])} in base64.
     *
     * @throws InvalidInputException when the key is missing, not base64, or not 32 bytes
     * @throws IllegalStateException when the current key was already given
     */
    public Keyring currentKey(String base64Key) {
      ring.currentKey(base64Key);
      return this;
    }

    /**
     * A key that opens what it sealed, and seals nothing.
     *
     * @throws InvalidInputException when the key is not 32 bytes
     */
    public Keyring oldKey(byte[] key) {
      ring.oldKey(key);
      return this;
    }

    /**
     * {@link #oldKey(byte[])} in base64.
     *
     * @throws InvalidInputException when the key is missing, not base64, or not 32 bytes
     */
    public Keyring oldKey(String base64Key) {
      ring.oldKey(base64Key);
      return this;
    }

    /**
     * Refuses values sealed by 0.1 and 0.2 ({@code v1:}), which are bound to no tenant: for a host
     * whose stored values have all been saved again since 0.3.
     */
    public Keyring refuseLegacyValues() {
      ring.refuseLegacyValues();
      return this;
    }

    /**
     * @throws IllegalStateException when no current key was given
     */
    public SecretCipher build() {
      return ring.build();
    }
  }
}
