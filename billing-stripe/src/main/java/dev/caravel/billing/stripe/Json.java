package dev.caravel.billing.stripe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;

/** Tolerant reads of Stripe's JSON: a missing, null or non-text field is simply absent. */
final class Json {
  // ObjectMapper is thread-safe once configured; one is enough.
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** The document, or empty if the body is not a JSON object. */
  static Optional<JsonNode> parse(String body) {
    if (body == null || body.isBlank()) {
      return Optional.empty();
    }
    try {
      JsonNode node = MAPPER.readTree(body);
      return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  static Optional<String> text(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null && value.isTextual() && !value.asText().isBlank()
        ? Optional.of(value.asText())
        : Optional.empty();
  }

  /** An id field that may be a bare id or, when expanded, an object with an {@code id}. */
  static Optional<String> id(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    if (value != null && value.isObject()) {
      return text(value, "id");
    }
    return text(node, field);
  }
}
