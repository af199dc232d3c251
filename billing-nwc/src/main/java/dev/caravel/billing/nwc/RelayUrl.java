package dev.caravel.billing.nwc;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The relay URL rule shared by connection URIs ({@link NwcUri}) and wallet auth URIs ({@link
 * WalletAuthUri}): {@code ws://} or {@code wss://}, a host, no user info, no 64-hex run (a pasted
 * key), normalised (lower-case scheme and host, no trailing slash). Whether a relay may be dialled
 * is the relay pool's rule, checked at every connect.
 */
final class RelayUrl {
  private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");

  private RelayUrl() {}

  /** Why a relay URL was refused; the message never echoes the input. */
  static final class Malformed extends RuntimeException {
    Malformed(String why) {
      super(why, null, false, false);
    }
  }

  static URI check(String value) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new Malformed("a relay is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("ws") && !scheme.equals("wss")) {
      throw new Malformed("a relay must be a ws:// or wss:// URL");
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new Malformed("a relay URL has no host");
    }
    if (uri.getRawUserInfo() != null) {
      throw new Malformed("a relay URL must not carry user info");
    }
    if (HEX64.matcher(value).find()) {
      // A 64-hex run inside a relay URL is almost surely a pasted secret or key.
      throw new Malformed("a relay URL contains a 64-hex-character run (a misplaced key?)");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return URI.create(
        scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + port + path + query);
  }
}
