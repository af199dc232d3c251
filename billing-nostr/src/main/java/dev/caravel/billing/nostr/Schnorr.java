package dev.caravel.billing.nostr;

import dev.caravel.billing.nostr.internal.Secp256k1;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;

/** BIP-340 Schnorr signatures over secp256k1, for messages of any length. */
final class Schnorr {
  private static final TaggedHash AUX = new TaggedHash("BIP0340/aux");
  private static final TaggedHash NONCE = new TaggedHash("BIP0340/nonce");
  private static final TaggedHash CHALLENGE = new TaggedHash("BIP0340/challenge");

  private Schnorr() {}

  /**
   * Verifies a 64-byte signature over {@code message} by the 32-byte x-only public key. Any
   * malformed input (bad lengths, a key off the curve, r or s out of range) is simply invalid.
   */
  static boolean verify(byte[] message, byte[] publicKey, byte[] signature) {
    if (message == null || publicKey == null || signature == null) {
      return false;
    }
    if (publicKey.length != 32 || signature.length != 64) {
      return false;
    }
    ECPoint p;
    try {
      p = Secp256k1.liftX(publicKey);
    } catch (NostrFormatException e) {
      return false;
    }
    byte[] rBytes = Arrays.copyOfRange(signature, 0, 32);
    BigInteger r = new BigInteger(1, rBytes);
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    if (r.compareTo(Secp256k1.P) >= 0 || s.compareTo(Secp256k1.N) >= 0) {
      return false;
    }
    BigInteger e = challenge(rBytes, publicKey, message);
    // R = s·G − e·P, computed as one double-scalar multiplication.
    ECPoint r2 =
        ECAlgorithms.sumOfTwoMultiplies(Secp256k1.G, s, p, Secp256k1.N.subtract(e)).normalize();
    return !r2.isInfinity()
        && Secp256k1.hasEvenY(r2)
        && r2.getAffineXCoord().toBigInteger().equals(r);
  }

  /**
   * Signs with a secret scalar whose public point is {@code publicX} (x-only). {@code d} is the raw
   * secret; the even-y adjustment happens here, as in the BIP's reference code.
   */
  static byte[] sign(byte[] message, BigInteger secret, byte[] aux) {
    ECPoint p = Secp256k1.mulG(secret);
    BigInteger d = Secp256k1.hasEvenY(p) ? secret : Secp256k1.N.subtract(secret);
    return signNormalized(message, d, Secp256k1.xBytes(p), aux);
  }

  /** {@code d} already has an even-y public point {@code publicX}. */
  static byte[] signNormalized(byte[] message, BigInteger d, byte[] publicX, byte[] aux) {
    if (aux.length != 32) {
      throw new IllegalArgumentException("aux_rand must be 32 bytes");
    }
    byte[] t = Secp256k1.bytes32(d);
    byte[] auxHash = AUX.hash(aux);
    for (int i = 0; i < 32; i++) {
      t[i] ^= auxHash[i];
    }
    BigInteger k0 = new BigInteger(1, NONCE.hash(t, publicX, message)).mod(Secp256k1.N);
    if (k0.signum() == 0) {
      throw new IllegalStateException("nonce is zero (negligible probability)");
    }
    ECPoint r = Secp256k1.mulG(k0);
    BigInteger k = Secp256k1.hasEvenY(r) ? k0 : Secp256k1.N.subtract(k0);
    byte[] rx = Secp256k1.xBytes(r);
    BigInteger e = challenge(rx, publicX, message);
    byte[] sig = new byte[64];
    System.arraycopy(rx, 0, sig, 0, 32);
    System.arraycopy(Secp256k1.bytes32(k.add(e.multiply(d)).mod(Secp256k1.N)), 0, sig, 32, 32);
    return sig;
  }

  private static BigInteger challenge(byte[] rx, byte[] publicX, byte[] message) {
    return new BigInteger(1, CHALLENGE.hash(rx, publicX, message)).mod(Secp256k1.N);
  }

  /** SHA256(SHA256(tag) || SHA256(tag) || x), with the tag prefix hashed once. */
  private static final class TaggedHash {
    private final MessageDigest prefixed;

    TaggedHash(String tag) {
      byte[] tagHash = Secp256k1.sha256(tag.getBytes(StandardCharsets.UTF_8));
      prefixed = Secp256k1.sha256();
      prefixed.update(tagHash);
      prefixed.update(tagHash);
    }

    byte[] hash(byte[]... parts) {
      MessageDigest md;
      try {
        md = (MessageDigest) prefixed.clone();
      } catch (CloneNotSupportedException e) {
        throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
      }
      for (byte[] part : parts) {
        md.update(part);
      }
      return md.digest();
    }
  }
}
