package dev.caravel.billing.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.PaymentGateway.RefundOutcome;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's refund of a succeeded PaymentIntent under the caller's idempotency key, and how
 * Stripe's answer becomes a {@link RefundOutcome} ({@link StripeGateway#refund} documents which).
 */
final class StripeRefund {
  private final StripeHttp http;

  StripeRefund(StripeCalls calls) {
    this.http = calls.http();
  }

  RefundOutcome refund(String intentId, long amount, String currency, String idempotencyKey) {
    StripeCalls.stripeId(intentId, "PaymentIntent id");
    String key = StripeCalls.idempotencyKey(idempotencyKey);
    Map<String, String> form = new LinkedHashMap<>();
    form.put("payment_intent", intentId);
    form.put("amount", Long.toString(StripeCurrency.toStripe(amount, currency, false)));
    form.put("reason", "requested_by_customer");
    StripeHttp.Response response;
    try {
      response = http.post("/v1/refunds", form, key);
    } catch (StripeHttp.TransportException e) {
      return new RefundOutcome.Unknown(
          "no answer from Stripe for the refund of " + intentId + " (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new RefundOutcome.Unknown("interrupted while refunding " + intentId);
    }
    if (response.ok()) {
      JsonNode refund = Json.parse(response.body()).orElse(null);
      Optional<String> id = Json.text(refund, "id");
      if (id.isEmpty()) {
        return new RefundOutcome.Unknown(
            "Stripe answered the refund of "
                + intentId
                + " with an unreadable body"
                + StripeCalls.requestIdNote(response));
      }
      long refunded = refund.path("amount").asLong(0);
      String cur = Json.text(refund, "currency").orElse(currency);
      return new RefundOutcome.Refunded(
          id.get(),
          StripeCurrency.toLedger(refunded, cur),
          Json.text(refund, "status").orElse("pending"));
    }
    Optional<StripeError> error = StripeError.parse(response.body());
    StripeErrorKind kind =
        StripeErrorKind.classify(response.status(), error.map(StripeError::type).orElse(null));
    if (error.isEmpty() || kind.isTransient()) {
      return new RefundOutcome.Unknown(
          StripeCalls.inconclusiveAnswer(response, error, " to the refund of " + intentId));
    }
    StripeError e = error.get();
    if (e.code().filter("charge_already_refunded"::equals).isPresent()) {
      return new RefundOutcome.AlreadyRefunded(intentId);
    }
    if (kind == StripeErrorKind.AUTHENTICATION || kind == StripeErrorKind.PERMISSION) {
      throw StripeCalls.configurationError(response);
    }
    if (kind == StripeErrorKind.IDEMPOTENCY) {
      throw new StripeIdempotencyException(
          "Stripe refused refund key reuse with different parameters"
              + StripeCalls.requestIdNote(response),
          response.status(),
          e.type(),
          e.code().orElse(null),
          response.requestId().orElse(null));
    }
    if (kind == StripeErrorKind.INVALID_REQUEST) {
      // Stripe looked at this refund and made none: definite, and the same key is refused again.
      return new RefundOutcome.Refused(
          StripeCalls.requestError("Stripe refused the refund of " + intentId, response, e)
              .getMessage());
    }
    throw StripeCalls.requestError("Stripe refused the refund of " + intentId, response, e);
  }
}
