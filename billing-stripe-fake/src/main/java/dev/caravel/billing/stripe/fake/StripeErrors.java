package dev.caravel.billing.stripe.fake;

import static dev.caravel.billing.stripe.fake.FakeStripe.JSON;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** Stripe's error bodies, as the fake's endpoints and scripts answer them. */
final class StripeErrors {
  private StripeErrors() {}

  static String error(String type, String code, String declineCode, String message) {
    return error(type, code, declineCode, message, null);
  }

  static String error(String type, String code, String declineCode, String message, String param) {
    ObjectNode e = JSON.createObjectNode();
    if (code != null) {
      e.put("code", code)
          .put("doc_url", "https://stripe.com/docs/error-codes/" + code.replace('_', '-'));
    }
    if (declineCode != null) {
      e.put("decline_code", declineCode);
    }
    e.put("message", message);
    if (param != null) {
      e.put("param", param);
    }
    e.put("request_log_url", "https://dashboard.stripe.com/test/logs/req_Fake").put("type", type);
    return errorBody(e);
  }

  static String errorBody(ObjectNode error) {
    ObjectNode root = JSON.createObjectNode();
    root.set("error", error);
    return root.toString();
  }

  static ObjectNode cardError(String code, String declineCode, String message, String charge) {
    ObjectNode e = JSON.createObjectNode().put("type", "card_error").put("code", code);
    if (declineCode != null) {
      e.put("decline_code", declineCode);
    }
    return e.put("message", message)
        .put("charge", charge)
        .put("doc_url", "https://stripe.com/docs/error-codes/" + code.replace('_', '-'));
  }

  /**
   * 400 {@code invalid_request_error}: Stripe refuses the request as it is ({@code code} and {@code
   * param} may be null).
   */
  static Reply invalidRequest(String code, String message, String param) {
    return Reply.of(400, error("invalid_request_error", code, null, message, param));
  }

  /** 404 {@code resource_missing}: Stripe does not know the {@code object} {@code id}. */
  static Reply missing(String object, String id, String param) {
    return Reply.of(
        404,
        error(
            "invalid_request_error",
            "resource_missing",
            null,
            "No such " + object + ": '" + id + "'",
            param));
  }

  /**
   * The 500 of an endpoint that ran and then failed ({@link FakeStripe.SavedServerError}): saved
   * under the key like any executed answer, so every retry replays it; {@code Stripe-Should-Retry:
   * false}.
   */
  static Reply savedServerError() {
    return new Reply(
        500,
        error("api_error", null, null, "An unknown error occurred"),
        false,
        Map.of("Stripe-Should-Retry", "false"));
  }

  /** 409 {@code idempotency_key_in_use}: another request with the same key is still executing. */
  static Reply keyInUse(Boolean shouldRetry) {
    Map<String, String> headers =
        shouldRetry == null ? Map.of() : Map.of("Stripe-Should-Retry", shouldRetry.toString());
    return new Reply(
        409,
        error(
            "invalid_request_error",
            "idempotency_key_in_use",
            null,
            "There is currently another in-progress request using this Stripe Idempotency Key (that probably means you submitted twice, and the other request is still going through). Please try again later."),
        false,
        headers);
  }
}
