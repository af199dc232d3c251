package dev.caravel.billing.nostr;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/** Relay URLs in one form, so that the pool keeps one connection per relay. */
final class RelayUrls {
  private RelayUrls() {}

  /** A ws:// or wss:// URI with a lower-case scheme and host and no trailing slash. */
  static URI normalize(URI uri) {
    Objects.requireNonNull(uri, "relay");
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("ws") && !scheme.equals("wss")) {
      throw new NostrFormatException("relay URL must be ws:// or wss://: " + uri);
    }
    if (uri.getHost() == null) {
      throw new NostrFormatException("relay URL has no host: " + uri);
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

  /** Parses a relay URL; an error when it is not ws/wss. */
  static URI parse(String url) {
    try {
      return normalize(new URI(url));
    } catch (java.net.URISyntaxException | NullPointerException e) {
      throw new NostrFormatException("not a relay URL");
    }
  }
}
