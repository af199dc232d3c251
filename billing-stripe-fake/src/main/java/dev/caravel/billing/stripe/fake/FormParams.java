package dev.caravel.billing.stripe.fake;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A request's form or query parameters, as Stripe reads them. */
final class FormParams {
  private FormParams() {}

  /**
   * Form and query decoding, brackets and all: {@code metadata%5Binvoice_id%5D=x} and {@code
   * metadata[invoice_id]=x}.
   */
  static Map<String, String> parse(String encoded) {
    Map<String, String> out = new LinkedHashMap<>();
    if (encoded == null || encoded.isEmpty()) {
      return out;
    }
    for (String pair : encoded.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Whether a GET's {@code expand[]} (or {@code expand[0]}) names {@code field}. */
  static boolean expands(Map<String, String> params, String field) {
    return params.entrySet().stream()
        .anyMatch(e -> e.getKey().startsWith("expand[") && e.getValue().equals(field));
  }

  /** Copies the {@code metadata[...]} parameters into the object's {@code metadata}. */
  static void putMetadata(ObjectNode object, Map<String, String> params) {
    ObjectNode metadata = object.putObject("metadata");
    params.forEach(
        (k, v) -> {
          if (k.startsWith("metadata[") && k.endsWith("]")) {
            metadata.put(k.substring("metadata[".length(), k.length() - 1), v);
          }
        });
  }
}
