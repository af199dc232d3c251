package dev.caravel.billing;

/**
 * Seals secrets at rest (a tenant's NWC URI holds a private key). {@code open(seal(x)) == x};
 * {@code open} of anything tampered with throws {@link InvalidInputException}.
 */
public interface SecretCipher {
  String seal(String plaintext);

  String open(String sealed);

  /**
   * AES-256-GCM on the JDK's own crypto, with a random nonce per seal; sealed values are versioned
   * ({@code v1:}) so the key or scheme can change later.
   *
   * @param key 32 bytes, kept secret by the host (copied)
   * @throws InvalidInputException when the key is not 32 bytes
   */
  static SecretCipher aesGcm(byte[] key) {
    return new AesGcmSecretCipher(key);
  }

  /**
   * {@link #aesGcm(byte[])} with the key in base64 (standard or url-safe), as an environment
   * variable holds it.
   *
   * @throws InvalidInputException when the key is missing, not base64, or not 32 bytes
   */
  static SecretCipher aesGcm(String base64Key) {
    return AesGcmSecretCipher.fromBase64(base64Key);
  }
}
