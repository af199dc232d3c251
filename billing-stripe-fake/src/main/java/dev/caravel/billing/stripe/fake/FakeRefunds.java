package dev.caravel.billing.stripe.fake;

import static dev.caravel.billing.stripe.fake.FakeStripe.JSON;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.stripe.fake.FakeStripe.SavedServerError;
import dev.caravel.billing.stripe.fake.FakeStripe.Script;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The fake's refunds, and how much of each PaymentIntent they took. */
final class FakeRefunds {
  private final FakeStripe stripe;
  private final FakePaymentIntents intents;

  // Guarded by the FakeStripe instance, like the rest of the fake's state.
  private final List<ObjectNode> refunds = new ArrayList<>();
  private final Map<String, Long> refunded = new HashMap<>();

  FakeRefunds(FakeStripe stripe, FakePaymentIntents intents) {
    this.stripe = stripe;
    this.intents = intents;
  }

  void reset() {
    synchronized (stripe) {
      refunds.clear();
      refunded.clear();
    }
  }

  /** Refunds made, oldest first. */
  List<ObjectNode> list() {
    synchronized (stripe) {
      return List.copyOf(refunds);
    }
  }

  /** {@code POST /v1/refunds}: refunds what is left of a succeeded PaymentIntent, or part of it. */
  Reply create(Map<String, String> params, Script script) {
    synchronized (stripe) {
      String id = params.get("payment_intent");
      Optional<ObjectNode> found = id == null ? Optional.empty() : intents.find(id);
      if (found.isEmpty()) {
        return StripeErrors.invalidRequest(
            "resource_missing", "No such payment_intent: '" + id + "'", "payment_intent");
      }
      ObjectNode pi = found.get();
      if (!"succeeded".equals(pi.path("status").asText())) {
        return StripeErrors.invalidRequest(
            "charge_not_refundable",
            "This PaymentIntent does not have a successful charge to refund.",
            "payment_intent");
      }
      long already = refunded.getOrDefault(id, 0L);
      long remaining = pi.path("amount").asLong() - already;
      if (remaining == 0) {
        return StripeErrors.invalidRequest(
            "charge_already_refunded",
            "Charge " + pi.path("latest_charge").asText() + " has already been refunded.",
            null);
      }
      long amount = params.containsKey("amount") ? Long.parseLong(params.get("amount")) : remaining;
      if (amount > remaining) {
        return StripeErrors.invalidRequest(
            "amount_too_large",
            "Refund amount ("
                + amount
                + ") is greater than unrefunded amount on charge ("
                + remaining
                + ")",
            "amount");
      }
      refunded.put(id, already + amount);
      ObjectNode refund =
          JSON.createObjectNode()
              .put("id", "re_3Fake" + stripe.nextNumber())
              .put("object", "refund")
              .put("amount", amount)
              .put("currency", pi.path("currency").asText())
              .put("payment_intent", id)
              .put("charge", pi.path("latest_charge").asText())
              .put("status", "succeeded")
              .put("created", 1_700_000_100L);
      FormParams.putMetadata(refund, params);
      refunds.add(refund);
      if (script instanceof SavedServerError) {
        return StripeErrors.savedServerError();
      }
      return Reply.of(200, refund.toString());
    }
  }
}
