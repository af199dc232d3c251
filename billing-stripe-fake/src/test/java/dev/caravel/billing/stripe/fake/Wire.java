package dev.caravel.billing.stripe.fake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The wire format the fake's tests speak, written out here because the fake's tests cannot use
 * billing-stripe's own encoder (billing-stripe's tests depend on this module).
 */
final class Wire {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Wire() {}

  /**
   * {@code application/x-www-form-urlencoded} in the map's order, brackets encoded as Stripe's SDKs
   * do.
   */
  static String form(Map<String, String> fields) {
    StringJoiner out = new StringJoiner("&");
    fields.forEach(
        (key, value) ->
            out.add(
                URLEncoder.encode(key, StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return out.toString();
  }

  /** A JSON object body; anything else fails the test. */
  static JsonNode object(String body) {
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) {
        throw new AssertionError("not a JSON object: " + body);
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
