package dev.caravel.billing.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Stripe's error body: {@code {"error": {"type", "code", "decline_code", "message", "param",
 * "payment_intent": {...}, "charge"}}}. Only {@code type} is always there.
 */
record StripeError(
    String type,
    Optional<String> code,
    Optional<String> declineCode,
    Optional<String> message,
    Optional<JsonNode> paymentIntent,
    Optional<String> charge,
    Optional<String> param) {

  /** Empty when the body is not JSON or not an error object (a proxy's HTML page, say). */
  static Optional<StripeError> parse(String body) {
    return Json.parse(body)
        .map(root -> root.get("error"))
        .filter(JsonNode::isObject)
        .flatMap(
            error -> {
              Optional<String> type = Json.text(error, "type");
              if (type.isEmpty()) {
                return Optional.empty();
              }
              JsonNode intent = error.get("payment_intent");
              return Optional.of(
                  new StripeError(
                      type.get(),
                      Json.text(error, "code"),
                      Json.text(error, "decline_code"),
                      Json.text(error, "message"),
                      intent != null && intent.isObject() ? Optional.of(intent) : Optional.empty(),
                      Json.text(error, "charge"),
                      Json.text(error, "param")));
            });
  }

  /** "type/code" for messages and logs, e.g. {@code invalid_request_error/resource_missing}. */
  String label() {
    return code.map(c -> type + "/" + c).orElse(type);
  }
}
