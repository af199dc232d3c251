package dev.caravel.billing.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import java.util.Map;
import java.util.Optional;

/**
 * Turns what Stripe said about a PaymentIntent into the engine's {@link ChargeOutcome}. Shared by
 * the charge call, reconciliation and the webhook events, so all tell the engine the same thing.
 *
 * <p>The message of a {@code Declined} or {@code NeedsCustomer} reaches the tenant (the engine puts
 * it in the DM), so it is a short customer-facing text chosen here from the decline code, never
 * Stripe's {@code message}, which is written for developers and may name API details.
 */
final class Outcomes {
  static final String AUTHENTICATION_REQUIRED = "authentication_required";
  static final String NEEDS_AUTHENTICATION = "Your bank asks you to confirm this payment.";
  static final String DECLINED = "Your card was declined.";

  // Decline and error codes whose customer-facing text says more than "declined". Codes that
  // hint at fraud checks (lost_card, stolen_card, fraudulent, ...) deliberately get the plain text.
  private static final Map<String, String> CUSTOMER_TEXT =
      Map.ofEntries(
          Map.entry("insufficient_funds", "Your card has insufficient funds."),
          Map.entry("expired_card", "Your card has expired."),
          Map.entry("incorrect_cvc", "Your card's security code is incorrect."),
          Map.entry("invalid_cvc", "Your card's security code is incorrect."),
          Map.entry("incorrect_number", "Your card number is incorrect."),
          Map.entry("invalid_expiry_month", "Your card's expiration date is incorrect."),
          Map.entry("invalid_expiry_year", "Your card's expiration date is incorrect."),
          Map.entry("card_velocity_exceeded", "Your card has reached its spending limit."),
          Map.entry("withdrawal_count_limit_exceeded", "Your card has reached its spending limit."),
          Map.entry("processing_error", "Your card could not be processed. We will try again."),
          Map.entry("currency_not_supported", "Your card does not support this currency."),
          Map.entry("card_not_supported", "Your card does not support this kind of payment."),
          Map.entry(AUTHENTICATION_REQUIRED, NEEDS_AUTHENTICATION));

  private Outcomes() {}

  /** The short text a tenant may see for this decline code (or error code). */
  static String customerText(Optional<String> declineCode, Optional<String> code) {
    return declineCode
        .map(CUSTOMER_TEXT::get)
        .or(() -> code.map(CUSTOMER_TEXT::get))
        .orElse(DECLINED);
  }

  /**
   * From a PaymentIntent object (a 2xx charge answer, a retrieved intent, or a webhook event's
   * data.object).
   */
  static ChargeOutcome fromIntent(JsonNode intent) {
    Optional<String> id = Json.text(intent, "id");
    Optional<String> status = Json.text(intent, "status");
    if (id.isEmpty() || status.isEmpty()) {
      return new ChargeOutcome.Unknown(
          "Stripe's answer holds no PaymentIntent id and status; the charge may have gone through");
    }
    JsonNode lastError = intent.get("last_payment_error");
    Optional<String> code = Json.text(lastError, "code");
    Optional<String> declineCode = Json.text(lastError, "decline_code");
    switch (status.get()) {
      case "succeeded":
        return new ChargeOutcome.Paid(id.get());
        // requires_capture: authorised and held; we never ask for manual capture, so treat it as
        // not final yet.
      case "processing":
      case "requires_capture":
        return new ChargeOutcome.Pending(id.get());
      case "requires_action":
        return new ChargeOutcome.NeedsCustomer(id.get(), NEEDS_AUTHENTICATION);
      case "requires_payment_method":
        // After a failed off-session attempt the intent falls back here; the last error says why.
        if (isAuthentication(code, declineCode)) {
          return new ChargeOutcome.NeedsCustomer(id.get(), NEEDS_AUTHENTICATION);
        }
        return new ChargeOutcome.Declined(
            declineCode.or(() -> code).orElse("payment_failed"), customerText(declineCode, code));
      case "canceled":
        return new ChargeOutcome.Declined("canceled", "The payment was canceled.");
      default:
        return new ChargeOutcome.Unknown(
            "unexpected PaymentIntent status " + status.get() + " for " + id.get());
    }
  }

  /** From a {@code card_error} body (HTTP 402): a decline, or a card that needs its owner. */
  static ChargeOutcome fromCardError(StripeError error) {
    Optional<String> intentStatus = error.paymentIntent().flatMap(pi -> Json.text(pi, "status"));
    if (isAuthentication(error.code(), error.declineCode())
        || intentStatus.filter("requires_action"::equals).isPresent()) {
      String reference =
          error.paymentIntent().flatMap(pi -> Json.text(pi, "id")).or(error::charge).orElse("none");
      return new ChargeOutcome.NeedsCustomer(reference, NEEDS_AUTHENTICATION);
    }
    return new ChargeOutcome.Declined(
        error.declineCode().or(error::code).orElse("card_error"),
        customerText(error.declineCode(), error.code()));
  }

  private static boolean isAuthentication(Optional<String> code, Optional<String> declineCode) {
    return code.filter(AUTHENTICATION_REQUIRED::equals).isPresent()
        || declineCode.filter(AUTHENTICATION_REQUIRED::equals).isPresent();
  }
}
