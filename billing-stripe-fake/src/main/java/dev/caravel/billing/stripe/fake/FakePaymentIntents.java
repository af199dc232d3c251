package dev.caravel.billing.stripe.fake;

import static dev.caravel.billing.stripe.fake.FakeStripe.JSON;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.stripe.fake.FakeStripe.AuthenticationRequired;
import dev.caravel.billing.stripe.fake.FakeStripe.Decline;
import dev.caravel.billing.stripe.fake.FakeStripe.Processing;
import dev.caravel.billing.stripe.fake.FakeStripe.RequiresAction;
import dev.caravel.billing.stripe.fake.FakeStripe.SavedServerError;
import dev.caravel.billing.stripe.fake.FakeStripe.Script;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The fake's PaymentIntents and their endpoints: create (and confirm, with the scripted outcomes),
 * retrieve, list and cancel.
 */
final class FakePaymentIntents {
  private static final Set<String> CANCELABLE =
      Set.of(
          "requires_payment_method",
          "requires_capture",
          "requires_confirmation",
          "requires_action",
          "processing");

  private final FakeStripe stripe;
  private final IntentRules rules;

  // Guarded by the FakeStripe instance, like the rest of the fake's state.
  private final List<ObjectNode> intents = new ArrayList<>();

  FakePaymentIntents(FakeStripe stripe, IntentRules rules) {
    this.stripe = stripe;
    this.rules = rules;
  }

  void reset() {
    synchronized (stripe) {
      intents.clear();
    }
  }

  Optional<ObjectNode> find(String id) {
    synchronized (stripe) {
      return intents.stream().filter(pi -> pi.path("id").asText().equals(id)).findFirst();
    }
  }

  /** {@code GET /v1/payment_intents/{intent}}. */
  Reply retrieve(String id) {
    return find(id)
        .map(pi -> Reply.of(200, pi.toString()))
        .orElseGet(() -> StripeErrors.missing("payment_intent", id, "intent"));
  }

  /** Charges that moved money (intents that reached succeeded). */
  int charges() {
    synchronized (stripe) {
      return (int)
          intents.stream().filter(pi -> "succeeded".equals(pi.path("status").asText())).count();
    }
  }

  /** PaymentIntents created, whatever became of them. */
  int created() {
    synchronized (stripe) {
      return intents.size();
    }
  }

  /** Ids of the PaymentIntents created, oldest first. */
  List<String> ids() {
    synchronized (stripe) {
      return intents.stream().map(pi -> pi.path("id").asText()).toList();
    }
  }

  void setStatus(String id, String status) {
    synchronized (stripe) {
      find(id).orElseThrow().put("status", status);
    }
  }

  /** An intent made elsewhere (the dashboard, an older version of the gateway). */
  String add(
      String customer, long amount, String currency, String status, Map<String, String> metadata) {
    synchronized (stripe) {
      String id = "pi_3Fake" + stripe.nextNumber();
      ObjectNode pi =
          JSON.createObjectNode()
              .put("id", id)
              .put("object", "payment_intent")
              .put("amount", amount)
              .put("currency", currency)
              .put("customer", customer)
              .put("status", status)
              .put("created", 1_700_000_000L + intents.size())
              .put("livemode", false);
      ObjectNode md = pi.putObject("metadata");
      metadata.forEach(md::put);
      intents.add(pi);
      return id;
    }
  }

  /** {@code POST /v1/payment_intents}: creates and confirms, as the script says it goes. */
  Reply create(Map<String, String> params, Script script) {
    synchronized (stripe) {
      Reply invalid = rules.check(params);
      if (invalid != null) {
        return invalid;
      }
      String id = "pi_3Fake" + stripe.nextNumber();
      String charge = "ch_3Fake" + stripe.nextNumber();
      ObjectNode pi =
          JSON.createObjectNode()
              .put("id", id)
              .put("object", "payment_intent")
              .put("amount", Long.parseLong(params.get("amount")))
              .put("currency", params.get("currency"))
              .put("customer", params.get("customer"))
              .put("payment_method", params.get("payment_method"))
              .put("capture_method", "automatic")
              .put("confirmation_method", "automatic")
              .put("created", 1_700_000_000L + intents.size())
              .put("livemode", false);
      FormParams.putMetadata(pi, params);
      intents.add(pi);
      if (script instanceof Decline d) {
        pi.put("status", "requires_payment_method")
            .put("amount_received", 0)
            .put("latest_charge", charge);
        pi.set(
            "last_payment_error",
            StripeErrors.cardError("card_declined", d.declineCode(), d.message(), charge));
        return Reply.of(
            402,
            StripeErrors.errorBody(
                StripeErrors.cardError("card_declined", d.declineCode(), d.message(), charge)
                    .set("payment_intent", pi.deepCopy())));
      }
      if (script instanceof AuthenticationRequired) {
        String message = "Your card was declined. This transaction requires authentication.";
        pi.put("status", "requires_payment_method")
            .put("amount_received", 0)
            .put("latest_charge", charge);
        pi.set(
            "last_payment_error",
            StripeErrors.cardError(
                "authentication_required", "authentication_required", message, charge));
        return Reply.of(
            402,
            StripeErrors.errorBody(
                StripeErrors.cardError(
                        "authentication_required", "authentication_required", message, charge)
                    .set("payment_intent", pi.deepCopy())));
      }
      if (script instanceof RequiresAction) {
        pi.put("status", "requires_action")
            .put("amount_received", 0)
            .put("latest_charge", charge)
            .putNull("last_payment_error");
        pi.putObject("next_action").put("type", "use_stripe_sdk");
        return Reply.of(200, pi.toString());
      }
      if (script instanceof Processing) {
        pi.put("status", "processing")
            .put("amount_received", 0)
            .put("latest_charge", charge)
            .putNull("last_payment_error");
        return Reply.of(200, pi.toString());
      }
      pi.put("status", "succeeded")
          .put("amount_received", pi.get("amount").asLong())
          .put("latest_charge", charge)
          .putNull("last_payment_error");
      if (script instanceof SavedServerError) {
        return StripeErrors.savedServerError();
      }
      return Reply.of(200, pi.toString());
    }
  }

  /** {@code POST /v1/payment_intents/{intent}/cancel}. */
  Reply cancel(String id, Map<String, String> params, Script script) {
    synchronized (stripe) {
      Optional<ObjectNode> found = find(id);
      if (found.isEmpty()) {
        return StripeErrors.missing("payment_intent", id, "intent");
      }
      ObjectNode pi = found.get();
      String status = pi.path("status").asText();
      if (!CANCELABLE.contains(status)) {
        ObjectNode e =
            JSON.createObjectNode()
                .put("code", "payment_intent_unexpected_state")
                .put(
                    "message",
                    "You cannot cancel this PaymentIntent because it has a status of "
                        + status
                        + ". Only a PaymentIntent with one of "
                        + "the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.")
                .put("type", "invalid_request_error");
        e.set("payment_intent", pi.deepCopy());
        // 400s from the endpoint itself are not saved either.
        return Reply.of(400, StripeErrors.errorBody(e));
      }
      pi.put("status", "canceled")
          .put("cancellation_reason", params.getOrDefault("cancellation_reason", null));
      if (script instanceof SavedServerError) {
        return StripeErrors.savedServerError();
      }
      return Reply.of(200, pi.toString());
    }
  }

  /** Newest first, {@code limit} (default 10) a page, {@code starting_after} an id. */
  Reply list(Map<String, String> params) {
    synchronized (stripe) {
      int limit = Integer.parseInt(params.getOrDefault("limit", "10"));
      if (limit < 1 || limit > 100) {
        return StripeErrors.invalidRequest(
            null, "Invalid integer: limit must be between 1 and 100", "limit");
      }
      List<ObjectNode> matching = new ArrayList<>();
      for (int i = intents.size() - 1; i >= 0; i--) {
        ObjectNode pi = intents.get(i);
        if (!params.containsKey("customer")
            || params.get("customer").equals(pi.path("customer").asText())) {
          matching.add(pi);
        }
      }
      int from = 0;
      if (params.containsKey("starting_after")) {
        String after = params.get("starting_after");
        int at = -1;
        for (int i = 0; i < matching.size(); i++) {
          if (matching.get(i).path("id").asText().equals(after)) {
            at = i;
          }
        }
        if (at < 0) {
          return StripeErrors.missing("payment_intent", after, "starting_after");
        }
        from = at + 1;
      }
      ObjectNode list =
          JSON.createObjectNode().put("object", "list").put("url", "/v1/payment_intents");
      ArrayNode data = list.putArray("data");
      matching.stream().skip(from).limit(limit).forEach(data::add);
      list.put("has_more", matching.size() > from + limit);
      return Reply.of(200, list.toString());
    }
  }
}
