package dev.caravel.billing.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import java.util.Optional;

/**
 * Turns what Stripe said about a PaymentIntent into the engine's {@link ChargeOutcome}. Shared
 * by the charge call and the webhook events, so both tell the engine the same thing.
 */
final class Outcomes {
  static final String AUTHENTICATION_REQUIRED = "authentication_required";

  private Outcomes() {}

  /** From a PaymentIntent object (a 2xx charge answer, or a webhook event's data.object). */
  static ChargeOutcome fromIntent(JsonNode intent) {
    Optional<String> id = Json.text(intent, "id");
    Optional<String> status = Json.text(intent, "status");
    if (id.isEmpty() || status.isEmpty()) {
      return new ChargeOutcome.Unknown("Stripe's answer holds no PaymentIntent id and status; the charge may have gone through");
    }
    JsonNode lastError = intent.get("last_payment_error");
    Optional<String> code = Json.text(lastError, "code");
    Optional<String> declineCode = Json.text(lastError, "decline_code");
    Optional<String> message = Json.text(lastError, "message");
    switch (status.get()) {
      case "succeeded":
        return new ChargeOutcome.Paid(id.get());
      // requires_capture: authorised and held; we never ask for manual capture, so treat it as not final yet.
      case "processing":
      case "requires_capture":
        return new ChargeOutcome.Pending(id.get());
      case "requires_action":
        return new ChargeOutcome.NeedsCustomer(id.get(), message.orElse("the customer must authenticate this payment"));
      case "requires_payment_method":
        // After a failed off-session attempt the intent falls back here; the last error says why.
        if (isAuthentication(code, declineCode)) {
          return new ChargeOutcome.NeedsCustomer(id.get(), message.orElse("the customer must authenticate this payment"));
        }
        return new ChargeOutcome.Declined(declineCode.or(() -> code).orElse("payment_failed"),
            message.orElse("the payment method was declined"));
      case "canceled":
        return new ChargeOutcome.Declined("canceled",
            "the payment was canceled" + Json.text(intent, "cancellation_reason").map(r -> " (" + r + ")").orElse(""));
      default:
        return new ChargeOutcome.Unknown("unexpected PaymentIntent status " + status.get() + " for " + id.get());
    }
  }

  /** From a {@code card_error} body (HTTP 402): a decline, or a card that needs its owner. */
  static ChargeOutcome fromCardError(StripeError error) {
    Optional<String> intentStatus = error.paymentIntent().flatMap(pi -> Json.text(pi, "status"));
    String message = error.message().orElse("the card was declined");
    if (isAuthentication(error.code(), error.declineCode()) || intentStatus.filter("requires_action"::equals).isPresent()) {
      String reference = error.paymentIntent().flatMap(pi -> Json.text(pi, "id")).or(error::charge).orElse("none");
      return new ChargeOutcome.NeedsCustomer(reference, message);
    }
    return new ChargeOutcome.Declined(error.declineCode().or(error::code).orElse("card_error"), message);
  }

  private static boolean isAuthentication(Optional<String> code, Optional<String> declineCode) {
    return code.filter(AUTHENTICATION_REQUIRED::equals).isPresent()
        || declineCode.filter(AUTHENTICATION_REQUIRED::equals).isPresent();
  }
}
