package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM on the JDK's own provider. A sealed value is {@code v1:} followed by base64url of a
 * random 12-byte nonce and the ciphertext with its 16-byte tag. The version prefix is bound into
 * the tag as associated data, so a value cannot be moved to another format unnoticed.
 */
final class AesGcmSecretCipher implements SecretCipher {
  private static final String PREFIX = "v1:";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param key 32 bytes; copied
   */
  AesGcmSecretCipher(byte[] key) {
    if (key == null || key.length != 32) {
      throw new InvalidInputException("an AES-256 key is 32 bytes");
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
  }

  /** A key from its base64 form (standard or url-safe), e.g. an environment variable. */
  static AesGcmSecretCipher fromBase64(String key) {
    if (key == null) {
      throw new InvalidInputException("the cipher key is missing");
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(key.trim().replace('-', '+').replace('_', '/'));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("the cipher key is not base64");
    }
    try {
      return new AesGcmSecretCipher(bytes);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  @Override
  public String seal(String plaintext) {
    Checks.notNull(plaintext, "plaintext");
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(PREFIX.getBytes(StandardCharsets.US_ASCII));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      ByteBuffer out = ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed);
      return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out.array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable in this JDK", e);
    }
  }

  @Override
  public String open(String sealed) {
    if (sealed == null || !sealed.startsWith(PREFIX)) {
      throw new InvalidInputException("not a sealed secret (expected the v1: prefix)");
    }
    byte[] all;
    try {
      all = Base64.getUrlDecoder().decode(sealed.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("a sealed secret is not valid base64url");
    }
    if (all.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new InvalidInputException("a sealed secret is too short");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
      cipher.updateAAD(PREFIX.getBytes(StandardCharsets.US_ASCII));
      byte[] plain = cipher.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new InvalidInputException(
          "a sealed secret failed authentication (wrong key or tampered)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable in this JDK", e);
    }
  }

  @Override
  public String toString() {
    return "AesGcmSecretCipher[key=<redacted>]";
  }
}
