package dev.caravel.billing.nostr.protocol;

import dev.caravel.billing.nostr.DecryptionException;
import dev.caravel.billing.nostr.NostrFormatException;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.internal.Hex;
import dev.caravel.billing.nostr.internal.KeyAgreement;
import dev.caravel.billing.nostr.internal.Secp256k1;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * NIP-44 version 2 encrypted payloads: secp256k1 ECDH, HKDF-SHA256, padding, ChaCha20, HMAC-SHA256,
 * base64. Plaintexts of 65,536 bytes and more use the extended length prefix (two zero bytes, then
 * a big-endian u32), as current NIP-44 and nostr-tools do.
 */
public final class Nip44 {
  static final int VERSION = 2;
  static final int MIN_PLAINTEXT = 1;
  static final long MAX_PLAINTEXT = 0xffffffffL;
  static final int EXTENDED_PREFIX_THRESHOLD = 65536;
  private static final byte[] SALT = "nip44-v2".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  record MessageKeys(byte[] chachaKey, byte[] chachaNonce, byte[] hmacKey) {}

  private Nip44() {}

  /** The conversation key between {@code mine} and the peer's x-only public key (hex). */
  public static ConversationKey conversationKey(NostrKeys mine, String peerPublicKeyHex) {
    return fromSharedX(KeyAgreement.sharedX(mine, peerPublicKeyHex));
  }

  static ConversationKey conversationKey(byte[] secret, byte[] peerX) {
    return fromSharedX(Secp256k1.sharedX(Secp256k1.secretScalar(secret), peerX));
  }

  private static ConversationKey fromSharedX(byte[] sharedX) {
    byte[] prk = new HKDFBytesGenerator(new SHA256Digest()).extractPRK(SALT, sharedX);
    try {
      return new ConversationKey(prk);
    } finally {
      Arrays.fill(prk, (byte) 0);
      Arrays.fill(sharedX, (byte) 0);
    }
  }

  /** Encrypts with a fresh random nonce. */
  public static String encrypt(String plaintext, ConversationKey key) {
    byte[] nonce = new byte[32];
    RANDOM.nextBytes(nonce);
    return encrypt(plaintext, key, nonce);
  }

  /**
   * Shorthand: conversation key from the two parties, then {@link #encrypt(String,
   * ConversationKey)}.
   */
  public static String encrypt(NostrKeys sender, String recipientPublicKeyHex, String plaintext) {
    return encrypt(plaintext, conversationKey(sender, recipientPublicKeyHex));
  }

  /**
   * Shorthand: conversation key from the two parties, then {@link #decrypt(String,
   * ConversationKey)}.
   */
  public static String decrypt(NostrKeys recipient, String senderPublicKeyHex, String payload) {
    return decrypt(payload, conversationKey(recipient, senderPublicKeyHex));
  }

  static String encrypt(String plaintext, ConversationKey key, byte[] nonce) {
    if (plaintext == null) {
      throw new NostrFormatException("plaintext is missing");
    }
    MessageKeys keys = messageKeys(key, nonce);
    byte[] padded = pad(plaintext.getBytes(StandardCharsets.UTF_8));
    byte[] ciphertext = chacha20(keys, padded);
    byte[] mac = hmacAad(keys.hmacKey(), ciphertext, nonce);
    byte[] out = new byte[1 + 32 + ciphertext.length + 32];
    out[0] = VERSION;
    System.arraycopy(nonce, 0, out, 1, 32);
    System.arraycopy(ciphertext, 0, out, 33, ciphertext.length);
    System.arraycopy(mac, 0, out, 33 + ciphertext.length, 32);
    return Base64.getEncoder().encodeToString(out);
  }

  /**
   * Decrypts a payload; every failure (version, base64, MAC, padding) is a {@link
   * DecryptionException}.
   */
  public static String decrypt(String payload, ConversationKey key) {
    if (payload == null) {
      throw new DecryptionException("payload is missing");
    }
    if (payload.length() < 132) {
      throw new DecryptionException("invalid payload length: " + payload.length());
    }
    if (payload.charAt(0) == '#') {
      throw new DecryptionException("unknown encryption version");
    }
    byte[] data;
    try {
      data = Base64.getDecoder().decode(payload);
    } catch (IllegalArgumentException e) {
      throw new DecryptionException("invalid base64");
    }
    if (data.length < 99) {
      throw new DecryptionException("invalid data length: " + data.length);
    }
    if (data[0] != VERSION) {
      throw new DecryptionException("unknown encryption version " + (data[0] & 0xff));
    }
    byte[] nonce = Arrays.copyOfRange(data, 1, 33);
    byte[] ciphertext = Arrays.copyOfRange(data, 33, data.length - 32);
    byte[] mac = Arrays.copyOfRange(data, data.length - 32, data.length);
    MessageKeys keys = messageKeys(key, nonce);
    // MAC first, in constant time; nothing of the ciphertext is looked at before it checks out.
    if (!MessageDigest.isEqual(hmacAad(keys.hmacKey(), ciphertext, nonce), mac)) {
      throw new DecryptionException("invalid MAC");
    }
    return unpad(chacha20(keys, ciphertext));
  }

  static MessageKeys messageKeys(ConversationKey key, byte[] nonce) {
    if (nonce.length != 32) {
      throw new IllegalArgumentException("nonce must be 32 bytes");
    }
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(HKDFParameters.skipExtractParameters(key.bytes(), nonce));
    byte[] okm = new byte[76];
    hkdf.generateBytes(okm, 0, 76);
    return new MessageKeys(
        Arrays.copyOfRange(okm, 0, 32),
        Arrays.copyOfRange(okm, 32, 44),
        Arrays.copyOfRange(okm, 44, 76));
  }

  static long calcPaddedLen(long len) {
    if (len < 1) {
      throw new IllegalArgumentException("expected a positive length");
    }
    if (len <= 32) {
      return 32;
    }
    long nextPower = Long.highestOneBit(len - 1) << 1;
    long chunk = nextPower <= 256 ? 32 : nextPower / 8;
    return chunk * ((len - 1) / chunk + 1);
  }

  static byte[] pad(byte[] unpadded) {
    int len = unpadded.length;
    if (len < MIN_PLAINTEXT) {
      throw new NostrFormatException("plaintext must be at least 1 byte");
    }
    int prefix = len >= EXTENDED_PREFIX_THRESHOLD ? 6 : 2;
    long total = prefix + calcPaddedLen(len);
    if (total > Integer.MAX_VALUE - 64) {
      throw new NostrFormatException("plaintext is too long");
    }
    byte[] out = new byte[(int) total];
    if (prefix == 2) {
      out[0] = (byte) (len >>> 8);
      out[1] = (byte) len;
    } else {
      out[2] = (byte) (len >>> 24);
      out[3] = (byte) (len >>> 16);
      out[4] = (byte) (len >>> 8);
      out[5] = (byte) len;
    }
    System.arraycopy(unpadded, 0, out, prefix, len);
    return out;
  }

  static String unpad(byte[] padded) {
    if (padded.length < 2) {
      throw new DecryptionException("invalid padding");
    }
    int firstTwo = ((padded[0] & 0xff) << 8) | (padded[1] & 0xff);
    long len;
    int prefix;
    if (firstTwo == 0) {
      if (padded.length < 6) {
        throw new DecryptionException("invalid padding");
      }
      len =
          ((long) (padded[2] & 0xff) << 24)
              | ((padded[3] & 0xff) << 16)
              | ((padded[4] & 0xff) << 8)
              | (padded[5] & 0xff);
      if (len < EXTENDED_PREFIX_THRESHOLD) {
        throw new DecryptionException("invalid padding");
      }
      prefix = 6;
    } else {
      len = firstTwo;
      prefix = 2;
    }
    if (prefix + len > padded.length || padded.length != prefix + calcPaddedLen(len)) {
      throw new DecryptionException("invalid padding");
    }
    return Hex.utf8(padded, prefix, (int) len);
  }

  private static byte[] chacha20(MessageKeys keys, byte[] input) {
    try {
      Cipher cipher = Cipher.getInstance("ChaCha20");
      cipher.init(
          Cipher.ENCRYPT_MODE,
          new SecretKeySpec(keys.chachaKey(), "ChaCha20"),
          new ChaCha20ParameterSpec(keys.chachaNonce(), 0));
      return cipher.doFinal(input);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20 is unavailable", e);
    }
  }

  private static byte[] hmacAad(byte[] key, byte[] message, byte[] aad) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(aad);
      mac.update(message);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }
}
