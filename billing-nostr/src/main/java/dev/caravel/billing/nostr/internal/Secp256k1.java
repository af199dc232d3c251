package dev.caravel.billing.nostr.internal;

import dev.caravel.billing.nostr.NostrFormatException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/** secp256k1 on Bouncy Castle's arithmetic, with the x-only conventions of BIP-340. */
public final class Secp256k1 {
  private static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp256k1");
  public static final ECCurve CURVE = PARAMS.getCurve();
  public static final ECPoint G = PARAMS.getG();
  public static final BigInteger N = PARAMS.getN();
  public static final BigInteger P = CURVE.getField().getCharacteristic();
  private static final FixedPointCombMultiplier G_MULTIPLIER = new FixedPointCombMultiplier();

  private Secp256k1() {}

  /** k·G, normalized. */
  public static ECPoint mulG(BigInteger k) {
    return G_MULTIPLIER.multiply(G, k).normalize();
  }

  /** A secret scalar from 32 bytes, or an error when it is 0 or not below n. */
  public static BigInteger secretScalar(byte[] secret) {
    if (secret.length != 32) {
      throw new NostrFormatException("secret key must be 32 bytes");
    }
    BigInteger d = new BigInteger(1, secret);
    if (d.signum() == 0 || d.compareTo(N) >= 0) {
      throw new NostrFormatException("secret key is out of range");
    }
    return d;
  }

  /** BIP-340 lift_x: the point with x-coordinate {@code x} and even y, or an error. */
  public static ECPoint liftX(byte[] x) {
    if (x.length != 32) {
      throw new NostrFormatException("public key must be 32 bytes");
    }
    if (new BigInteger(1, x).compareTo(P) >= 0) {
      throw new NostrFormatException("public key is not a valid x coordinate");
    }
    byte[] compressed = new byte[33];
    compressed[0] = 0x02;
    System.arraycopy(x, 0, compressed, 1, 32);
    try {
      return CURVE.decodePoint(compressed).normalize();
    } catch (IllegalArgumentException e) {
      throw new NostrFormatException("public key is not on the curve");
    }
  }

  public static byte[] bytes32(BigInteger v) {
    return BigIntegers.asUnsignedByteArray(32, v);
  }

  public static byte[] xBytes(ECPoint normalized) {
    return normalized.getAffineXCoord().getEncoded();
  }

  public static boolean hasEvenY(ECPoint normalized) {
    return !normalized.getAffineYCoord().testBitZero();
  }

  /** The x-coordinate of d·lift_x(pub): the unhashed ECDH secret that NIP-04 and NIP-44 use. */
  public static byte[] sharedX(BigInteger d, byte[] peerX) {
    ECPoint shared = liftX(peerX).multiply(d).normalize();
    if (shared.isInfinity()) {
      throw new NostrFormatException("shared point is at infinity");
    }
    return xBytes(shared);
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  public static byte[] sha256(byte[] data) {
    return sha256().digest(data);
  }
}
