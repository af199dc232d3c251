package dev.caravel.billing.nostr.protocol;

import dev.caravel.billing.nostr.DecryptionException;
import dev.caravel.billing.nostr.NostrFormatException;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.internal.Hex;
import dev.caravel.billing.nostr.internal.KeyAgreement;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.IllegalBlockSizeException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * NIP-04 legacy direct-message encryption: AES-256-CBC keyed by the unhashed ECDH x, payload {@code
 * base64(ciphertext)?iv=base64(iv)}. Unauthenticated; use NIP-44 where the peer can.
 */
public final class Nip04 {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Nip04() {}

  public static String encrypt(NostrKeys sender, String recipientPublicKeyHex, String plaintext) {
    if (plaintext == null) {
      throw new NostrFormatException("plaintext is missing");
    }
    byte[] iv = new byte[16];
    RANDOM.nextBytes(iv);
    byte[] key = KeyAgreement.sharedX(sender, recipientPublicKeyHex);
    try {
      byte[] ct =
          cipher(Cipher.ENCRYPT_MODE, key, iv).doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      Base64.Encoder b64 = Base64.getEncoder();
      return b64.encodeToString(ct) + "?iv=" + b64.encodeToString(iv);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/CBC is unavailable", e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  public static String decrypt(NostrKeys recipient, String senderPublicKeyHex, String payload) {
    if (payload == null) {
      throw new DecryptionException("payload is missing");
    }
    int sep = payload.indexOf("?iv=");
    if (sep < 0 || payload.indexOf("?iv=", sep + 1) >= 0) {
      throw new DecryptionException("payload is not ciphertext?iv=iv");
    }
    byte[] ct;
    byte[] iv;
    try {
      ct = Base64.getDecoder().decode(payload.substring(0, sep));
      iv = Base64.getDecoder().decode(payload.substring(sep + 4));
    } catch (IllegalArgumentException e) {
      throw new DecryptionException("invalid base64");
    }
    if (iv.length != 16) {
      throw new DecryptionException("iv must be 16 bytes");
    }
    if (ct.length == 0 || ct.length % 16 != 0) {
      throw new DecryptionException("ciphertext is not a whole number of blocks");
    }
    byte[] key = KeyAgreement.sharedX(recipient, senderPublicKeyHex);
    try {
      byte[] plain = cipher(Cipher.DECRYPT_MODE, key, iv).doFinal(ct);
      return Hex.utf8(plain, 0, plain.length);
    } catch (BadPaddingException | IllegalBlockSizeException e) {
      throw new DecryptionException("invalid padding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/CBC is unavailable", e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  private static Cipher cipher(int mode, byte[] key, byte[] iv) throws GeneralSecurityException {
    Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
    c.init(mode, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
    return c;
  }
}
