package dev.caravel.billing;

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
   * AES-256-GCM under one key ({@link AesGcmSecretCipher}): it seals with that key, binding each
   * value to its tenant and the key's id, and opens those and values sealed by 0.1/0.2 under it. To
   * rotate keys, build a ring with {@link AesGcmSecretCipher#builder()}.
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
}
