package dev.caravel.billing.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Which of a customer's cards the gateway charges ({@link StripeGateway#savedPaymentMethod}
 * documents the order).
 */
final class StripeSavedCard {
  private final StripeCalls calls;

  StripeSavedCard(StripeCalls calls) {
    this.calls = calls;
  }

  Optional<String> of(String customerId) {
    StripeCalls.stripeId(customerId, "customer id");
    Optional<JsonNode> customer =
        calls.read("/v1/customers/" + customerId, "customer " + customerId);
    if (customer.isEmpty() || customer.get().path("deleted").asBoolean(false)) {
      return Optional.empty();
    }
    Optional<String> preferred =
        Json.id(customer.get().path("invoice_settings"), "default_payment_method");
    if (preferred.isPresent()) {
      return preferred;
    }
    Optional<String> source =
        Json.id(customer.get(), "default_source")
            .filter(id -> id.startsWith("card_") || id.startsWith("src_"));
    if (source.isPresent()) {
      return source;
    }
    Optional<JsonNode> cards =
        calls.read(
            "/v1/customers/" + customerId + "/payment_methods?type=card&limit=1",
            "payment methods of " + customerId);
    return cards
        .map(list -> list.path("data"))
        .filter(JsonNode::isArray)
        .flatMap(data -> data.size() == 0 ? Optional.empty() : Json.text(data.get(0), "id"));
  }
}
