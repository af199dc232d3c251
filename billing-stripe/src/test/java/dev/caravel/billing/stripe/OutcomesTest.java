package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import org.junit.jupiter.api.Test;

/** The mapping corners the fake does not reach. */
class OutcomesTest {
  static JsonNode json(String text) {
    return Json.parse(text).orElseThrow();
  }

  @Test
  void intentStatesMapToOutcomes() {
    assertThat(Outcomes.fromIntent(json("{\"id\":\"pi_1\",\"status\":\"requires_capture\"}")))
        .isEqualTo(new ChargeOutcome.Pending("pi_1"));
    assertThat(
            Outcomes.fromIntent(
                json(
                    "{\"id\":\"pi_1\",\"status\":\"canceled\",\"cancellation_reason\":\"abandoned\"}")))
        .isEqualTo(new ChargeOutcome.Declined("canceled", "The payment was canceled."));
    assertThat(
            Outcomes.fromIntent(
                json(
                    "{\"id\":\"pi_1\",\"status\":\"requires_payment_method\",\"last_payment_error\":null}")))
        .isEqualTo(new ChargeOutcome.Declined("payment_failed", "Your card was declined."));
    assertThat(Outcomes.fromIntent(json("{\"id\":\"pi_1\",\"status\":\"requires_confirmation\"}")))
        .isInstanceOf(ChargeOutcome.Unknown.class);
    assertThat(
            Outcomes.fromIntent(json("{\"object\":\"payment_intent\",\"status\":\"succeeded\"}")))
        .isInstanceOf(ChargeOutcome.Unknown.class);
    assertThat(Outcomes.fromIntent(json("{\"id\":\"pi_1\"}")))
        .isInstanceOf(ChargeOutcome.Unknown.class);
  }

  @Test
  void cardErrorsWithoutAnIntentStillSayWhatHappened() {
    StripeError auth =
        StripeError.parse(
                "{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\",\"decline_code\":\"authentication_required\",\"charge\":\"ch_1\"}}")
            .orElseThrow();
    assertThat(Outcomes.fromCardError(auth))
        .isInstanceOfSatisfying(
            ChargeOutcome.NeedsCustomer.class, n -> assertThat(n.reference()).isEqualTo("ch_1"));

    StripeError bare =
        StripeError.parse(
                "{\"error\":{\"type\":\"card_error\",\"code\":\"expired_card\",\"message\":\"Your card has expired.\"}}")
            .orElseThrow();
    assertThat(Outcomes.fromCardError(bare))
        .isEqualTo(new ChargeOutcome.Declined("expired_card", "Your card has expired."));

    StripeError action =
        StripeError.parse(
                "{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\",\"payment_intent\":{\"id\":\"pi_2\",\"status\":\"requires_action\"}}}")
            .orElseThrow();
    assertThat(Outcomes.fromCardError(action))
        .isInstanceOfSatisfying(
            ChargeOutcome.NeedsCustomer.class, n -> assertThat(n.reference()).isEqualTo("pi_2"));
  }

  @Test
  void theTenantSeesAShortTextNeverStripesDeveloperMessage() {
    String developer =
        "No such PaymentMethod: 'pm_x'; It's possible this PaymentMethod exists on one of your connected accounts, "
            + "in which case you should retry this request on that connected account (api_version 2024-06-20).";
    StripeError odd =
        StripeError.parse(
                "{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\",\"decline_code\":\"stolen_card\","
                    + "\"message\":\""
                    + developer
                    + "\"}}")
            .orElseThrow();
    ChargeOutcome outcome = Outcomes.fromCardError(odd);
    assertThat(outcome)
        .isEqualTo(new ChargeOutcome.Declined("stolen_card", "Your card was declined."));

    StripeError auth =
        StripeError.parse(
                "{\"error\":{\"type\":\"card_error\",\"code\":\"authentication_required\","
                    + "\"message\":\""
                    + developer
                    + "\",\"payment_intent\":{\"id\":\"pi_9\",\"status\":\"requires_payment_method\"}}}")
            .orElseThrow();
    assertThat(Outcomes.fromCardError(auth))
        .isEqualTo(new ChargeOutcome.NeedsCustomer("pi_9", Outcomes.NEEDS_AUTHENTICATION));

    ChargeOutcome fromIntent =
        Outcomes.fromIntent(
            json(
                "{\"id\":\"pi_1\",\"status\":\"requires_payment_method\","
                    + "\"last_payment_error\":{\"type\":\"card_error\",\"code\":\"card_declined\",\"decline_code\":\"insufficient_funds\","
                    + "\"message\":\""
                    + developer
                    + "\"}}"));
    assertThat(fromIntent)
        .isEqualTo(
            new ChargeOutcome.Declined("insufficient_funds", "Your card has insufficient funds."));
    assertThat(Outcomes.fromIntent(json("{\"id\":\"pi_1\",\"status\":\"requires_action\"}")))
        .isEqualTo(new ChargeOutcome.NeedsCustomer("pi_1", Outcomes.NEEDS_AUTHENTICATION));
  }

  @Test
  void errorsAreClassifiedAsStripeJavaDoes() {
    assertThat(StripeErrorKind.classify(402, "card_error")).isEqualTo(StripeErrorKind.CARD);
    assertThat(StripeErrorKind.classify(400, "invalid_request_error"))
        .isEqualTo(StripeErrorKind.INVALID_REQUEST);
    assertThat(StripeErrorKind.classify(404, "invalid_request_error"))
        .isEqualTo(StripeErrorKind.INVALID_REQUEST);
    assertThat(StripeErrorKind.classify(400, "idempotency_error"))
        .isEqualTo(StripeErrorKind.IDEMPOTENCY);
    assertThat(StripeErrorKind.classify(401, "invalid_request_error"))
        .isEqualTo(StripeErrorKind.AUTHENTICATION);
    assertThat(StripeErrorKind.classify(403, "invalid_request_error"))
        .isEqualTo(StripeErrorKind.PERMISSION);
    assertThat(StripeErrorKind.classify(429, "invalid_request_error"))
        .isEqualTo(StripeErrorKind.RATE_LIMIT);
    assertThat(StripeErrorKind.classify(409, "invalid_request_error"))
        .isEqualTo(StripeErrorKind.API);
    assertThat(StripeErrorKind.classify(500, "api_error")).isEqualTo(StripeErrorKind.API);
    for (StripeErrorKind k : StripeErrorKind.values()) {
      assertThat(k.isOperatorFault() && k.isTransient()).isFalse();
    }
    assertThat(StripeErrorKind.CARD.isOperatorFault()).isFalse();
    assertThat(StripeErrorKind.CARD.isTransient()).isFalse();
    assertThat(StripeErrorKind.INVALID_REQUEST.isOperatorFault()).isTrue();
    assertThat(StripeErrorKind.PERMISSION.isOperatorFault()).isTrue();
  }

  @Test
  void keyLikeTokensAreScrubbedFromDeveloperMessages() {
    assertThat(StripeException.scrub("Invalid API Key provided: sk_test_****************cdef"))
        .isEqualTo("Invalid API Key provided: <redacted>")
        .doesNotContain("cdef");
    assertThat(StripeException.scrub("The provided key 'rk_live_abc123' lacks permissions"))
        .doesNotContain("rk_live");
  }

  @Test
  void onlyStripeShapedErrorBodiesParse() {
    assertThat(StripeError.parse("<html>502 Bad Gateway</html>")).isEmpty();
    assertThat(StripeError.parse("{\"error\":\"nope\"}")).isEmpty();
    assertThat(StripeError.parse("{\"error\":{\"message\":\"no type\"}}")).isEmpty();
    assertThat(StripeError.parse("")).isEmpty();
  }

  @Test
  void anExpandedDefaultPaymentMethodIsReadByItsId() {
    assertThat(
            Json.id(
                json(
                    "{\"default_payment_method\":{\"id\":\"pm_X\",\"object\":\"payment_method\"}}"),
                "default_payment_method"))
        .contains("pm_X");
    assertThat(Json.id(json("{\"default_payment_method\":\"pm_Y\"}"), "default_payment_method"))
        .contains("pm_Y");
    assertThat(Json.id(json("{\"default_payment_method\":null}"), "default_payment_method"))
        .isEmpty();
  }
}
