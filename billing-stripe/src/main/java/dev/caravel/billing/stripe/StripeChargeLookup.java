package dev.caravel.billing.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.PaymentGateway.ChargeLookup;
import dev.caravel.billing.PaymentGateway.ChargeState;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's reconciliation: finds a payment round's PaymentIntent, by id or by listing the
 * customer's intents ({@link StripeGateway#findCharge} documents the answers), and says where an
 * intent stands.
 */
final class StripeChargeLookup {
  private static final int LIST_LIMIT = 100;
  private static final int MAX_LIST_PAGES = 20;

  // The gateway's logger: hosts configure and read the rail's log lines under StripeGateway.
  private static final Logger log = LoggerFactory.getLogger(StripeGateway.class);

  private final StripeCalls calls;

  StripeChargeLookup(StripeCalls calls) {
    this.calls = calls;
  }

  ChargeLookup find(String customerId, String invoiceId, int round, Optional<String> intentId) {
    try {
      return lookUp(customerId, invoiceId, round, intentId);
    } catch (StripeException e) {
      // Unreachable, a refused key, or an answer we cannot trust: the engine must not guess.
      log.warn("could not look up round {} of invoice {}: {}", round, invoiceId, e.getMessage());
      return new ChargeLookup.Unavailable(e.getMessage());
    }
  }

  private ChargeLookup lookUp(
      String customerId, String invoiceId, int round, Optional<String> intentId) {
    StripeCalls.stripeId(customerId, "customer id");
    StripeCalls.metadataValue(invoiceId, "invoice id");
    if (round < 1) {
      throw new InvalidInputException("rounds start at 1, got " + round);
    }
    Objects.requireNonNull(intentId, "intentId");
    if (intentId.isPresent()) {
      StripeCalls.stripeId(intentId.get(), "PaymentIntent id");
      Optional<JsonNode> intent =
          calls.read("/v1/payment_intents/" + intentId.get(), "PaymentIntent " + intentId.get());
      if (intent.isEmpty()) {
        return new ChargeLookup.Absent();
      }
      Optional<String> owner = Json.text(intent.get().path("metadata"), "invoice_id");
      if (owner.isPresent() && !owner.get().equals(invoiceId)) {
        throw new StripeException(
            "PaymentIntent "
                + intentId.get()
                + " belongs to invoice "
                + owner.get()
                + ", not "
                + invoiceId,
            200,
            null,
            null,
            null);
      }
      return found(intent.get());
    }
    JsonNode best = null;
    String startingAfter = null;
    for (int page = 0; ; page++) {
      if (page >= MAX_LIST_PAGES) {
        throw new StripeException(
            "customer "
                + customerId
                + " has more than "
                + (MAX_LIST_PAGES * LIST_LIMIT)
                + " PaymentIntents; look the round up by its PaymentIntent id",
            200,
            null,
            null,
            null);
      }
      String query =
          "/v1/payment_intents?customer="
              + customerId
              + "&limit="
              + LIST_LIMIT
              + (startingAfter == null ? "" : "&starting_after=" + startingAfter);
      JsonNode list =
          calls
              .read(query, "PaymentIntents of " + customerId)
              .orElseThrow(
                  () ->
                      new StripeException(
                          "Stripe does not know customer " + customerId,
                          404,
                          "invalid_request_error",
                          "resource_missing",
                          null));
      JsonNode data = list.path("data");
      if (!data.isArray()) {
        throw new StripeException(
            "Stripe's PaymentIntent list has no data array", 200, null, null, null);
      }
      for (JsonNode intent : data) {
        JsonNode metadata = intent.path("metadata");
        if (!Json.text(metadata, "invoice_id").filter(invoiceId::equals).isPresent()) {
          continue;
        }
        Optional<String> itsRound = Json.text(metadata, "round");
        if (itsRound.isPresent() && !itsRound.get().equals(Integer.toString(round))) {
          continue;
        }
        if (best == null || rank(intent) < rank(best)) {
          best = intent;
        }
      }
      if (!list.path("has_more").asBoolean(false) || data.size() == 0) {
        break;
      }
      startingAfter =
          Json.text(data.get(data.size() - 1), "id")
              .orElseThrow(
                  () ->
                      new StripeException(
                          "Stripe's PaymentIntent list holds an intent without an id",
                          200,
                          null,
                          null,
                          null));
      StripeCalls.stripeId(startingAfter, "PaymentIntent id");
    }
    return best == null ? new ChargeLookup.Absent() : found(best);
  }

  /** Where a PaymentIntent in {@code status} stands. */
  static ChargeState stateOf(String status) {
    switch (status) {
      case "succeeded":
        return ChargeState.SUCCEEDED;
      case "processing":
      case "requires_capture":
        return ChargeState.PROCESSING;
      case "requires_action":
        return ChargeState.REQUIRES_ACTION;
      case "canceled":
        return ChargeState.CANCELED;
      case "requires_payment_method":
      case "requires_confirmation":
        return ChargeState.FAILED;
      default:
        throw new StripeException(
            "unexpected PaymentIntent status \"" + status + "\"", 200, null, null, null);
    }
  }

  private static int rank(JsonNode intent) {
    return stateOf(Json.text(intent, "status").orElse("requires_payment_method")).ordinal();
  }

  private static ChargeLookup.Found found(JsonNode intent) {
    String id =
        Json.text(intent, "id")
            .orElseThrow(
                () -> new StripeException("a PaymentIntent without an id", 200, null, null, null));
    String status =
        Json.text(intent, "status")
            .orElseThrow(
                () ->
                    new StripeException(
                        "PaymentIntent " + id + " has no status", 200, null, null, null));
    String currency = Json.text(intent, "currency").orElse("");
    long amount = intent.path("amount").asLong(0);
    long ledgerAmount = currency.isEmpty() ? amount : StripeCurrency.toLedger(amount, currency);
    return new ChargeLookup.Found(
        id, stateOf(status), ledgerAmount, currency, Outcomes.fromIntent(intent));
  }
}
