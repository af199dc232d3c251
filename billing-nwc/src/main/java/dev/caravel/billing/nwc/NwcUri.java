package dev.caravel.billing.nwc;

import dev.caravel.billing.InvalidInputException;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Nostr Wallet Connect (NIP-47) connection URI: {@code nostr+walletconnect://<wallet
 * pubkey>?relay=<url>[&relay=<url>...]&secret=<hex>[&lud16=<address>]}.
 *
 * <p>The {@code secret} is the client's private key: it never appears in {@link #toString()} or in
 * any error message. A malformed URI is an {@link InvalidInputException} that says what is wrong
 * without echoing any part of the input (a misplaced secret could sit anywhere in it). Two values
 * are equal when they name the same wallet, relays and secret.
 *
 * <p>As lenient as Alby's SDK where NIP-47 allows it: the scheme may be written without {@code //}
 * ({@code nostr+walletconnect:<pubkey>?...}), a {@code +} in a value is a plus (values are
 * percent-decoded, not form-decoded), and a malformed optional {@code lud16} is ignored. Strict
 * about keys: the wallet public key must be a point on secp256k1 and the secret a valid private
 * key, checked here rather than at connect time.
 */
public final class NwcUri {
  /** Longer URIs are refused unread. */
  static final int MAX_LENGTH = 4096;

  private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Pattern LUD16 =
      Pattern.compile("[a-z0-9._+\\-]{1,128}@[a-z0-9.\\-]{1,253}", Pattern.CASE_INSENSITIVE);
  private static final BigInteger SECP256K1_N =
      new BigInteger("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16);
  private static final String[] SCHEMES = {
    "nostr+walletconnect://", "nostrwalletconnect://", "nostr+walletconnect:", "nostrwalletconnect:"
  };

  private final String walletPubkey;
  private final List<URI> relays;
  private final String secret;
  private final String lud16;

  private NwcUri(String walletPubkey, List<URI> relays, String secret, String lud16) {
    this.walletPubkey = walletPubkey;
    this.relays = List.copyOf(relays);
    this.secret = secret;
    this.lud16 = lud16;
  }

  /**
   * Parses a connection URI.
   *
   * @throws InvalidInputException when it is malformed; the message never contains the input
   */
  public static NwcUri parse(String uri) {
    if (uri == null || uri.isBlank()) {
      throw invalid("it is empty");
    }
    if (uri.length() > MAX_LENGTH) {
      throw invalid("it is longer than " + MAX_LENGTH + " characters");
    }
    String s = uri.strip();
    String rest = null;
    for (String scheme : SCHEMES) {
      if (s.regionMatches(true, 0, scheme, 0, scheme.length())) {
        rest = s.substring(scheme.length());
        break;
      }
    }
    if (rest == null) {
      throw invalid("it must start with nostr+walletconnect://");
    }
    int q = rest.indexOf('?');
    if (q < 0) {
      throw invalid("it has no query (relay and secret are required)");
    }
    String pubkey = rest.substring(0, q);
    if (pubkey.endsWith("/")) {
      pubkey = pubkey.substring(0, pubkey.length() - 1);
    }
    if (!HEX64.matcher(pubkey).matches()) {
      throw invalid("the wallet public key must be 64 hex characters");
    }
    try {
      dev.caravel.billing.nostr.protocol.Nip19.publicKeyHex(pubkey);
    } catch (RuntimeException e) {
      throw invalid("the wallet public key is not a point on secp256k1");
    }
    String query = rest.substring(q + 1);
    int hash = query.indexOf('#');
    if (hash >= 0) {
      query = query.substring(0, hash);
    }

    LinkedHashSet<URI> relays = new LinkedHashSet<>();
    String secret = null;
    String lud16 = null;
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq), "a parameter name");
      String value =
          eq < 0 ? "" : decode(pair.substring(eq + 1), "the " + safeName(name) + " parameter");
      switch (name) {
        case "relay" -> relays.add(relay(value));
        case "secret" -> {
          if (secret != null) {
            throw invalid("it has more than one secret");
          }
          secret = secret(value);
        }
        case "lud16" -> {
          // Optional and informative only: a malformed one is ignored, as Alby's SDK does.
          if (!value.isEmpty() && LUD16.matcher(value).matches()) {
            lud16 = value.toLowerCase(Locale.ROOT);
          }
        }
        default -> {
          // Other parameters (e.g. a wallet's name) are allowed and ignored.
        }
      }
    }
    if (relays.isEmpty()) {
      throw invalid("it has no relay");
    }
    if (secret == null) {
      throw invalid("it has no secret");
    }
    if (secret.equals(pubkey.toLowerCase(Locale.ROOT))) {
      throw invalid("the secret must not equal the wallet public key");
    }
    return new NwcUri(pubkey.toLowerCase(Locale.ROOT), new ArrayList<>(relays), secret, lud16);
  }

  /** The wallet service's public key, 64 lower-case hex characters. */
  public String walletPubkey() {
    return walletPubkey;
  }

  /** The relays the wallet service listens on, in the URI's order, without duplicates. */
  public List<URI> relays() {
    return relays;
  }

  /** The lightning address the URI suggests, if any. */
  public Optional<String> lud16() {
    return Optional.ofNullable(lud16);
  }

  /** The client's private key (64 lower-case hex). Package-private: it must not travel. */
  String secret() {
    return secret;
  }

  /**
   * The URI written out, secret included ({@code nostr+walletconnect://<wallet>?relay=...&secret=
   * ...}): what a host seals and stores for a tenant. Package-private: only a value that hands it
   * to the host on purpose ({@link WalletAuthResult.Connected#connectionUri()}) calls it.
   */
  String uriWithSecret() {
    StringBuilder b = new StringBuilder("nostr+walletconnect://").append(walletPubkey).append('?');
    for (URI relay : relays) {
      b.append("relay=").append(UriText.encode(relay.toString())).append('&');
    }
    b.append("secret=").append(secret);
    if (lud16 != null) {
      b.append("&lud16=").append(UriText.encode(lud16));
    }
    return b.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NwcUri other
        && other.walletPubkey.equals(walletPubkey)
        && other.relays.equals(relays)
        && MessageDigest.isEqual(
            other.secret.getBytes(StandardCharsets.US_ASCII),
            secret.getBytes(StandardCharsets.US_ASCII))
        && Objects.equals(other.lud16, lud16);
  }

  @Override
  public int hashCode() {
    // The secret stays out of the hash: equal pubkey and relays make a fine bucket.
    return Objects.hash(walletPubkey, relays);
  }

  /** Names the wallet and relays; the secret is redacted. */
  @Override
  public String toString() {
    return "NwcUri[wallet="
        + walletPubkey
        + ", relays="
        + relays.stream().map(NwcUri::withoutQuery).toList()
        + (lud16 == null ? "" : ", lud16=" + lud16)
        + ", secret=<redacted>]";
  }

  // --- parsing helpers: no message may contain any part of the input ---

  private static URI relay(String value) {
    try {
      return RelayUrl.check(value);
    } catch (RelayUrl.Malformed e) {
      throw invalid(e.getMessage());
    }
  }

  private static String secret(String value) {
    if (!HEX64.matcher(value).matches()) {
      throw invalid("the secret must be 64 hex characters");
    }
    BigInteger d = new BigInteger(value, 16);
    if (d.signum() == 0 || d.compareTo(SECP256K1_N) >= 0) {
      throw invalid("the secret is not a valid secp256k1 private key");
    }
    return value.toLowerCase(Locale.ROOT);
  }

  private static String decode(String raw, String what) {
    try {
      // Percent-decoding only: '+' stays a plus (form decoding would make it a space).
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid(what + " is not valid percent-encoding");
    }
  }

  private static String safeName(String name) {
    return switch (name) {
      case "relay", "secret", "lud16" -> name;
      default -> "a";
    };
  }

  private static String withoutQuery(URI uri) {
    String s = uri.toString();
    int q = s.indexOf('?');
    return q < 0 ? s : s.substring(0, q) + "?...";
  }

  private static InvalidInputException invalid(String why) {
    return new InvalidInputException("malformed NWC URI: " + why);
  }
}
