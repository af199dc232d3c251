package dev.caravel.billing.nostr;

import dev.caravel.billing.nostr.internal.Bech32;
import dev.caravel.billing.nostr.internal.Hex;
import dev.caravel.billing.nostr.internal.KeyAgreement;
import dev.caravel.billing.nostr.internal.Secp256k1;
import dev.caravel.billing.nostr.protocol.Nip19;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A Nostr key pair: a secp256k1 secret and its x-only public key. Immutable and thread-safe. The
 * secret never appears in {@link #toString()}; read it only through {@link #secretKeyHex()} or
 * {@link #nsec()}, which exist to let a host store a generated key.
 */
public final class NostrKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  static {
    // NIP-04 and NIP-44 (in the module's protocol package) need ECDH with the secret; this keeps
    // it off NostrKeys' public API.
    KeyAgreement.install(NostrKeys::sharedX);
  }

  private final BigInteger secret;
  // The secret with even-y public point, as BIP-340 signing uses it.
  private final BigInteger signingScalar;
  private final byte[] publicKey;
  private final String publicKeyHex;

  private NostrKeys(BigInteger secret) {
    this.secret = secret;
    var p = Secp256k1.mulG(secret);
    this.signingScalar = Secp256k1.hasEvenY(p) ? secret : Secp256k1.N.subtract(secret);
    this.publicKey = Secp256k1.xBytes(p);
    this.publicKeyHex = Hex.encode(publicKey);
  }

  /** A fresh random key pair. */
  public static NostrKeys generate() {
    byte[] bytes = new byte[32];
    while (true) {
      RANDOM.nextBytes(bytes);
      BigInteger d = new BigInteger(1, bytes);
      if (d.signum() > 0 && d.compareTo(Secp256k1.N) < 0) {
        Arrays.fill(bytes, (byte) 0);
        return new NostrKeys(d);
      }
    }
  }

  /** From a 64-character hex secret key. */
  public static NostrKeys fromSecretHex(String secretHex) {
    byte[] bytes = Hex.decode(secretHex, 32, "secret key");
    try {
      return fromSecretBytes(bytes);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /** From a NIP-19 {@code nsec1...} string. */
  public static NostrKeys fromNsec(String nsec) {
    Bech32.Decoded decoded = Bech32.decode(nsec);
    if (!decoded.hrp().equals("nsec") || decoded.data().length != 32) {
      throw new NostrFormatException("not an nsec key");
    }
    try {
      return fromSecretBytes(decoded.data());
    } finally {
      Arrays.fill(decoded.data(), (byte) 0);
    }
  }

  /** From either form: {@code nsec1...} or 64 hex characters. */
  public static NostrKeys parse(String secret) {
    if (secret != null && secret.regionMatches(true, 0, "nsec1", 0, 5)) {
      return fromNsec(secret);
    }
    return fromSecretHex(secret);
  }

  static NostrKeys fromSecretBytes(byte[] secret) {
    return new NostrKeys(Secp256k1.secretScalar(secret));
  }

  /** The 32-byte x-only public key as 64 lower-case hex characters. */
  public String publicKeyHex() {
    return publicKeyHex;
  }

  /** The public key as NIP-19 {@code npub1...}. */
  public String npub() {
    return Nip19.npub(publicKeyHex);
  }

  /** The secret key as 64 hex characters. Handle with care: this is the whole identity. */
  public String secretKeyHex() {
    return Hex.encode(Secp256k1.bytes32(secret));
  }

  /** The secret key as NIP-19 {@code nsec1...}. Handle with care. */
  public String nsec() {
    return Bech32.encode("nsec", Secp256k1.bytes32(secret));
  }

  /** A BIP-340 signature over {@code message} with fresh auxiliary randomness. */
  public byte[] sign(byte[] message) {
    byte[] aux = new byte[32];
    RANDOM.nextBytes(aux);
    return Schnorr.signNormalized(message, signingScalar, publicKey, aux);
  }

  byte[] publicKeyBytes() {
    return publicKey.clone();
  }

  /** x of secret·peer: the ECDH input shared by NIP-04 and NIP-44. */
  private byte[] sharedX(String peerPublicKeyHex) {
    return Secp256k1.sharedX(secret, Hex.decode(peerPublicKeyHex, 32, "public key"));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NostrKeys other && other.publicKeyHex.equals(publicKeyHex);
  }

  @Override
  public int hashCode() {
    return publicKeyHex.hashCode();
  }

  @Override
  public String toString() {
    return "NostrKeys[public=" + publicKeyHex + "]";
  }
}
