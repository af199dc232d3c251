package dev.caravel.billing.stripe;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Stripe's request bodies are {@code application/x-www-form-urlencoded}; nested keys use brackets.
 */
final class Form {
  private Form() {}

  /** Encodes in the map's iteration order, so the same request always yields the same bytes. */
  static String encode(Map<String, String> fields) {
    StringJoiner out = new StringJoiner("&");
    for (Map.Entry<String, String> e : fields.entrySet()) {
      out.add(
          URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
              + "="
              + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
    }
    return out.toString();
  }
}
