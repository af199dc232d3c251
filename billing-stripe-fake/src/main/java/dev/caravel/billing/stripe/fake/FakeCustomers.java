package dev.caravel.billing.stripe.fake;

import static dev.caravel.billing.stripe.fake.FakeStripe.JSON;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.stripe.fake.FakeStripe.Customer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The fake's customers, and the customer endpoints that read them. */
final class FakeCustomers {
  private final FakeStripe stripe;

  // Guarded by the FakeStripe instance, like the rest of the fake's state.
  private final Map<String, Customer> customers = new HashMap<>();

  FakeCustomers(FakeStripe stripe) {
    this.stripe = stripe;
  }

  void reset() {
    synchronized (stripe) {
      customers.clear();
    }
  }

  Optional<Customer> find(String id) {
    synchronized (stripe) {
      return Optional.ofNullable(customers.get(id));
    }
  }

  /** The customer a seeded card belongs to (the cards given to {@link FakeStripe#customer}). */
  Optional<Customer> holderOf(String paymentMethod) {
    synchronized (stripe) {
      return customers.values().stream().filter(c -> c.holds(paymentMethod)).findFirst();
    }
  }

  void put(Customer customer) {
    synchronized (stripe) {
      customers.put(customer.id(), customer);
    }
  }

  /** {@code GET /v1/customers/{customer}}, expanding the invoice default when asked. */
  Reply read(String id, Map<String, String> params) {
    synchronized (stripe) {
      Customer c = customers.get(id);
      if (c == null) {
        return StripeErrors.missing("customer", id, "id");
      }
      ObjectNode customer = JSON.createObjectNode().put("id", c.id()).put("object", "customer");
      if (c.deleted()) {
        return Reply.of(200, customer.put("deleted", true).toString());
      }
      customer
          .put("created", 1_700_000_000L)
          .put("email", "tenant@example.com")
          .put("livemode", false)
          .put("default_source", c.defaultSource());
      ObjectNode settings =
          customer
              .putObject("invoice_settings")
              .put("custom_fields", (String) null)
              .put("default_payment_method", c.defaultPaymentMethod())
              .put("footer", (String) null);
      if (c.defaultPaymentMethod() != null
          && FormParams.expands(params, "invoice_settings.default_payment_method")) {
        settings.set(
            "default_payment_method", stripe.checkout().paymentMethod(c.defaultPaymentMethod()));
      }
      customer.putObject("metadata");
      return Reply.of(200, customer.toString());
    }
  }

  /** The customer's cards, {@code limit} (default 10) a page, {@code starting_after} a card. */
  Reply listPaymentMethods(String id, Map<String, String> params) {
    synchronized (stripe) {
      Customer c = customers.get(id);
      if (c == null || c.deleted()) {
        return StripeErrors.missing("customer", id, "customer");
      }
      int limit = Integer.parseInt(params.getOrDefault("limit", "10"));
      ObjectNode list =
          JSON.createObjectNode()
              .put("object", "list")
              .put("url", "/v1/customers/" + c.id() + "/payment_methods");
      ArrayNode data = list.putArray("data");
      boolean cards = params.get("type") == null || "card".equals(params.get("type"));
      int from = 0;
      if (params.containsKey("starting_after")) {
        from = c.cards().indexOf(params.get("starting_after")) + 1;
        if (from == 0) {
          return StripeErrors.missing(
              "PaymentMethod", params.get("starting_after"), "starting_after");
        }
      }
      if (cards) {
        c.cards().stream()
            .skip(from)
            .limit(limit)
            .forEach(pm -> data.add(stripe.checkout().paymentMethod(pm)));
      }
      list.put("has_more", cards && c.cards().size() > from + limit);
      return Reply.of(200, list.toString());
    }
  }
}
