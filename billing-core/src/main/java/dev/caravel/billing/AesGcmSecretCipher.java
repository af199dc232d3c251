package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM on the JDK's own provider, over a keyring: the current key seals, and every key of
 * the ring opens. Build one with {@link #builder()}; {@link SecretCipher#aesGcm(byte[])} is a ring
 * of one key.
 *
 * <p><b>The format (0.3).</b> A sealed value is {@code v2:<key id>:<base64url of a random 12-byte
 * nonce, the ciphertext and its 16-byte tag>}. The key id is 8 base64url characters derived from
 * the key (48 bits of a SHA-256 over a label and the key), so it names a key without showing it and
 * needs no configuration. The associated data is {@code v2:<key id>:<tenant>}: the tag binds the
 * value to its tenant and its key, so a value copied into another tenant's row, or relabelled with
 * another key id, fails authentication and opens nothing.
 *
 * <p><b>Rotation.</b> A new key becomes the current one and the old ones stay in the ring to open
 * what they sealed. The engine seals every write under the current key, so a tenant's value moves
 * to it when the tenant's details are saved again; an old key can leave the ring once no stored
 * value names its id.
 *
 * <p><b>Values sealed by 0.1 and 0.2</b> are {@code v1:<base64url of nonce, ciphertext, tag>}, with
 * associated data {@code v1:}, under the one key of the time. They name neither their key nor their
 * tenant: every key of the ring is tried on them, and they open for any tenant, so a 0.2 value
 * copied into another row still opens. They open unless {@link Builder#refuseLegacyValues()} says
 * otherwise, and a tenant's next save replaces its value with a bound one. Once none is left,
 * refuse them.
 */
final class AesGcmSecretCipher implements SecretCipher {
  private static final String V2 = "v2:";
  private static final String V1 = "v1:";
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int KEY_ID_BYTES = 6;
  private static final int KEY_ID_CHARS = 8;
  private static final byte[] KEY_ID_LABEL =
      "caravel-billing secret cipher key id\0".getBytes(StandardCharsets.US_ASCII);

  private final RingKey current;

  /** Every key of the ring by its id, the current one first. */
  private final Map<String, RingKey> ring;

  private final boolean opensLegacyValues;
  private final SecureRandom random = new SecureRandom();

  private AesGcmSecretCipher(RingKey current, Map<String, RingKey> ring, boolean legacy) {
    this.current = current;
    this.ring = ring;
    this.opensLegacyValues = legacy;
  }

  /** A keyring: one current key, any number of old ones (hosts: {@link SecretCipher#keyring}). */
  static Builder builder() {
    return new Builder();
  }

  /** The id of the key that seals, as sealed values name it. */
  String currentKeyId() {
    return current.id;
  }

  @Override
  public Optional<String> sealingKeyId() {
    return Optional.of(current.id);
  }

  /**
   * @throws InvalidInputException when {@code tenant} is not a tenant's pubkey (64 lowercase hex)
   *     or {@code plaintext} is null
   */
  @Override
  public String seal(String tenant, String plaintext) {
    Checks.pubkey(tenant, "tenant");
    Checks.notNull(plaintext, "plaintext");
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, current.spec, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(boundTo(current.id, tenant));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      ByteBuffer out = ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed);
      return V2 + current.id + ":" + base64Url(out.array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable in this JDK", e);
    }
  }

  /**
   * @throws InvalidInputException when {@code sealed} is not a sealed value, names a key the ring
   *     does not hold, was sealed for another tenant, was tampered with, or is in the 0.1/0.2
   *     format and this cipher refuses those
   */
  @Override
  public String open(String tenant, String sealed) {
    Checks.pubkey(tenant, "tenant");
    if (sealed != null && sealed.startsWith(V2)) {
      return openBound(tenant, sealed);
    }
    if (sealed != null && sealed.startsWith(V1)) {
      return openLegacy(sealed);
    }
    throw new InvalidInputException("not a sealed secret (expected the v2: or v1: prefix)");
  }

  private String openBound(String tenant, String sealed) {
    int idEnd = V2.length() + KEY_ID_CHARS;
    if (sealed.length() <= idEnd || sealed.charAt(idEnd) != ':') {
      throw new InvalidInputException("a sealed secret is malformed (expected v2:<key id>:...)");
    }
    String keyId = sealed.substring(V2.length(), idEnd);
    RingKey key = ring.get(keyId);
    if (key == null) {
      throw new InvalidInputException(
          "a sealed secret names key id "
              + keyId
              + ", which is not in this cipher's ring (a retired key?); the ring holds "
              + ring.keySet());
    }
    byte[] all = decode(sealed.substring(idEnd + 1));
    try {
      return decrypt(key, boundTo(keyId, tenant), all);
    } catch (AEADBadTagException e) {
      throw new InvalidInputException(
          "a sealed secret failed authentication for tenant "
              + tenant
              + ": it was sealed for another tenant (copied from another row?) or tampered with");
    }
  }

  private String openLegacy(String sealed) {
    if (!opensLegacyValues) {
      throw new InvalidInputException(
          "a sealed secret is in the 0.1/0.2 format (v1:), bound to no tenant, and this cipher"
              + " refuses those: save the tenant's details again to seal it in the current format");
    }
    byte[] all = decode(sealed.substring(V1.length()));
    byte[] associated = V1.getBytes(StandardCharsets.US_ASCII);
    for (RingKey key : ring.values()) {
      try {
        return decrypt(key, associated, all);
      } catch (AEADBadTagException e) {
        // Not this key: a 0.1/0.2 value names none, so the next one may be it.
      }
    }
    throw new InvalidInputException(
        "a sealed secret (0.1/0.2 format) failed authentication under every key of the ring"
            + " (its key is not in the ring, or it was tampered with)");
  }

  private static String decrypt(RingKey key, byte[] associated, byte[] all)
      throws AEADBadTagException {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE, key.spec, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
      cipher.updateAAD(associated);
      byte[] plain = cipher.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable in this JDK", e);
    }
  }

  /** The associated data of a 0.3 value: its format, its key and its tenant. */
  private static byte[] boundTo(String keyId, String tenant) {
    return (V2 + keyId + ":" + tenant).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] decode(String base64Url) {
    byte[] all;
    try {
      all = Base64.getUrlDecoder().decode(base64Url);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("a sealed secret is not valid base64url");
    }
    if (all.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new InvalidInputException("a sealed secret is too short");
    }
    return all;
  }

  private static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  @Override
  public String toString() {
    return "AesGcmSecretCipher[seals with key id "
        + current.id
        + ", opens key ids "
        + ring.keySet()
        + (opensLegacyValues ? " and 0.1/0.2 values" : ", refuses 0.1/0.2 values")
        + ", keys=<redacted>]";
  }

  /** One key of the ring and its id. */
  private static final class RingKey {
    final String id;
    final SecretKeySpec spec;

    RingKey(byte[] key) {
      this.id = keyId(key);
      this.spec = new SecretKeySpec(key, "AES");
    }

    private static String keyId(byte[] key) {
      try {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update(KEY_ID_LABEL);
        byte[] digest = sha256.digest(key);
        return base64Url(Arrays.copyOf(digest, KEY_ID_BYTES));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is unavailable in this JDK", e);
      }
    }

    @Override
    public String toString() {
      return "RingKey[id=" + id + ", key=<redacted>]";
    }
  }

  /**
   * A keyring: exactly one {@link #currentKey current key}, which seals, and any number of {@link
   * #oldKey old keys}, which only open. Keys are 32 bytes, as raw bytes (copied) or base64
   * (standard or url-safe, as an environment variable holds them). A key listed twice, or as both
   * current and old, counts once.
   */
  static final class Builder {
    private RingKey current;
    private final List<RingKey> old = new ArrayList<>();
    private boolean opensLegacyValues = true;

    private Builder() {}

    /**
     * The key that seals (and opens).
     *
     * @throws InvalidInputException when the key is not 32 bytes
     * @throws IllegalStateException when the current key was already given
     */
    Builder currentKey(byte[] key) {
      if (current != null) {
        throw new IllegalStateException("a keyring has one current key, given once");
      }
      current = ringKey(key);
      return this;
    }

    /**
     * {@link #currentKey(byte[])} in base64.
     *
     * @throws InvalidInputException when the key is missing, not base64, or not 32 bytes
     */
    Builder currentKey(String base64Key) {
      byte[] key = fromBase64(base64Key);
      try {
        return currentKey(key);
      } finally {
        Arrays.fill(key, (byte) 0);
      }
    }

    /**
     * A key that opens what it sealed, and seals nothing.
     *
     * @throws InvalidInputException when the key is not 32 bytes
     */
    Builder oldKey(byte[] key) {
      old.add(ringKey(key));
      return this;
    }

    /**
     * {@link #oldKey(byte[])} in base64.
     *
     * @throws InvalidInputException when the key is missing, not base64, or not 32 bytes
     */
    Builder oldKey(String base64Key) {
      byte[] key = fromBase64(base64Key);
      try {
        return oldKey(key);
      } finally {
        Arrays.fill(key, (byte) 0);
      }
    }

    /**
     * Refuses values sealed by 0.1 and 0.2 ({@code v1:}), which are bound to no tenant: for a host
     * whose stored values have all been saved again since 0.3.
     */
    Builder refuseLegacyValues() {
      opensLegacyValues = false;
      return this;
    }

    /**
     * @throws IllegalStateException when no current key was given
     */
    AesGcmSecretCipher build() {
      if (current == null) {
        throw new IllegalStateException("a keyring needs its current key (currentKey)");
      }
      Map<String, RingKey> ring = new LinkedHashMap<>();
      ring.put(current.id, current);
      for (RingKey key : old) {
        RingKey known = ring.putIfAbsent(key.id, key);
        if (known != null
            && !MessageDigest.isEqual(known.spec.getEncoded(), key.spec.getEncoded())) {
          // 48 bits of SHA-256 alike for two different keys: never seen, but never silently.
          throw new IllegalArgumentException("two keys of the ring share the id " + key.id);
        }
      }
      return new AesGcmSecretCipher(current, Collections.unmodifiableMap(ring), opensLegacyValues);
    }

    private static RingKey ringKey(byte[] key) {
      Objects.requireNonNull(key, "key");
      if (key.length != KEY_BYTES) {
        throw new InvalidInputException("an AES-256 key is 32 bytes");
      }
      return new RingKey(key); // keeps no reference: the key spec holds its own copy
    }

    private static byte[] fromBase64(String key) {
      if (key == null) {
        throw new InvalidInputException("the cipher key is missing");
      }
      try {
        return Base64.getDecoder().decode(key.trim().replace('-', '+').replace('_', '/'));
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("the cipher key is not base64");
      }
    }
  }
}
