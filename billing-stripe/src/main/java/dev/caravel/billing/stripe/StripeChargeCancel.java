package dev.caravel.billing.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.PaymentGateway.CancelOutcome;
import dev.caravel.billing.PaymentGateway.ChargeState;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's cancel of a PaymentIntent, so a late authentication cannot charge a second time
 * ({@link StripeGateway#cancelCharge} documents the answers), under the idempotency key {@code
 * caravel-cancel-{intent}}.
 */
final class StripeChargeCancel {
  // The gateway's logger: hosts configure and read the rail's log lines under StripeGateway.
  private static final Logger log = LoggerFactory.getLogger(StripeGateway.class);

  private final StripeCalls calls;

  StripeChargeCancel(StripeCalls calls) {
    this.calls = calls;
  }

  CancelOutcome cancelCharge(String intentId) {
    StripeCalls.stripeId(intentId, "PaymentIntent id");
    try {
      return cancel(intentId);
    } catch (StripeException e) {
      log.warn("could not cancel PaymentIntent {}: {}", intentId, e.getMessage());
      return new CancelOutcome.Unavailable(e.getMessage());
    }
  }

  private CancelOutcome cancel(String intentId) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("cancellation_reason", "duplicate");
    StripeHttp.Response response =
        calls.write(
            "/v1/payment_intents/" + intentId + "/cancel",
            form,
            "caravel-cancel-" + intentId,
            "cancel PaymentIntent " + intentId);
    if (response.ok()) {
      JsonNode intent =
          Json.parse(response.body())
              .orElseThrow(
                  () ->
                      new StripeException(
                          "Stripe answered the cancel of "
                              + intentId
                              + " with a body that is not JSON",
                          response.status(),
                          null,
                          null,
                          response.requestId().orElse(null)));
      ChargeState state =
          StripeChargeLookup.stateOf(Json.text(intent, "status").orElse("canceled"));
      return state == ChargeState.CANCELED
          ? new CancelOutcome.Canceled(intentId, false)
          : new CancelOutcome.NotCancelable(intentId, state);
    }
    StripeError e = StripeCalls.failure(response, "cancel PaymentIntent " + intentId);
    if (e.code().filter("payment_intent_unexpected_state"::equals).isPresent()) {
      Optional<String> status = e.paymentIntent().flatMap(pi -> Json.text(pi, "status"));
      if (status.isEmpty()) {
        status =
            calls
                .read("/v1/payment_intents/" + intentId, "PaymentIntent " + intentId)
                .flatMap(pi -> Json.text(pi, "status"));
      }
      ChargeState state =
          StripeChargeLookup.stateOf(
              status.orElseThrow(
                  () ->
                      StripeCalls.requestError(
                          "cannot cancel PaymentIntent " + intentId, response, e)));
      return state == ChargeState.CANCELED
          ? new CancelOutcome.Canceled(intentId, true)
          : new CancelOutcome.NotCancelable(intentId, state);
    }
    throw StripeCalls.requestError(
        "Stripe refused to cancel PaymentIntent " + intentId, response, e);
  }
}
