package dev.caravel.billing.nostr;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The status line and headers of an HTTP/1.1 response, read byte by byte up to the blank line (so
 * that what follows, a WebSocket frame or a body, stays in the stream), and bounded.
 *
 * @param status the status code
 * @param headers lower-case names; a repeated header's values joined with ", "
 */
record HttpHead(int status, Map<String, String> headers) {
  /** Longer heads are refused: a relay's answer to us is a few hundred bytes. */
  static final int MAX_BYTES = 16 * 1024;

  /** The header's value, or "" when absent. */
  String header(String name) {
    return headers.getOrDefault(name, "");
  }

  /** Whether the comma-separated header {@code name} lists {@code token} (case-insensitive). */
  boolean lists(String name, String token) {
    for (String part : header(name).split(",")) {
      if (part.trim().equalsIgnoreCase(token)) {
        return true;
      }
    }
    return false;
  }

  static HttpHead read(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("the connection closed before the end of the HTTP response head");
      }
      if (buf.size() >= MAX_BYTES) {
        throw new ProtocolException("HTTP response head over " + MAX_BYTES + " bytes");
      }
      buf.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
    }
    String[] lines = buf.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    String[] status = lines[0].split(" ", 3);
    if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
      throw new ProtocolException("not an HTTP/1.x response");
    }
    int code;
    try {
      code = Integer.parseInt(status[1]);
    } catch (NumberFormatException e) {
      throw new ProtocolException("not an HTTP status code");
    }
    Map<String, String> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = lines[i].substring(colon + 1).trim();
      headers.merge(name, value, (a, b) -> a + ", " + b);
    }
    return new HttpHead(code, Map.copyOf(headers));
  }
}
