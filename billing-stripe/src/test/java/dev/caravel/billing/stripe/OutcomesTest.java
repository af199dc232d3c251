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
    assertThat(Outcomes.fromIntent(json("{\"id\":\"pi_1\",\"status\":\"requires_capture\"}"))).isEqualTo(new ChargeOutcome.Pending("pi_1"));
    assertThat(Outcomes.fromIntent(json("{\"id\":\"pi_1\",\"status\":\"canceled\",\"cancellation_reason\":\"abandoned\"}")))
        .isEqualTo(new ChargeOutcome.Declined("canceled", "the payment was canceled (abandoned)"));
    assertThat(Outcomes.fromIntent(json("{\"id\":\"pi_1\",\"status\":\"requires_payment_method\",\"last_payment_error\":null}")))
        .isEqualTo(new ChargeOutcome.Declined("payment_failed", "the payment method was declined"));
    assertThat(Outcomes.fromIntent(json("{\"id\":\"pi_1\",\"status\":\"requires_confirmation\"}"))).isInstanceOf(ChargeOutcome.Unknown.class);
    assertThat(Outcomes.fromIntent(json("{\"object\":\"payment_intent\",\"status\":\"succeeded\"}"))).isInstanceOf(ChargeOutcome.Unknown.class);
    assertThat(Outcomes.fromIntent(json("{\"id\":\"pi_1\"}"))).isInstanceOf(ChargeOutcome.Unknown.class);
  }

  @Test
  void cardErrorsWithoutAnIntentStillSayWhatHappened() {
    StripeError auth = StripeError.parse("{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\",\"decline_code\":\"authentication_required\",\"charge\":\"ch_1\"}}").orElseThrow();
    assertThat(Outcomes.fromCardError(auth)).isInstanceOfSatisfying(ChargeOutcome.NeedsCustomer.class,
        n -> assertThat(n.reference()).isEqualTo("ch_1"));

    StripeError bare = StripeError.parse("{\"error\":{\"type\":\"card_error\",\"code\":\"expired_card\",\"message\":\"Your card has expired.\"}}").orElseThrow();
    assertThat(Outcomes.fromCardError(bare)).isEqualTo(new ChargeOutcome.Declined("expired_card", "Your card has expired."));

    StripeError action = StripeError.parse("{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\",\"payment_intent\":{\"id\":\"pi_2\",\"status\":\"requires_action\"}}}").orElseThrow();
    assertThat(Outcomes.fromCardError(action)).isInstanceOfSatisfying(ChargeOutcome.NeedsCustomer.class,
        n -> assertThat(n.reference()).isEqualTo("pi_2"));
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
    assertThat(Json.id(json("{\"default_payment_method\":{\"id\":\"pm_X\",\"object\":\"payment_method\"}}"), "default_payment_method")).contains("pm_X");
    assertThat(Json.id(json("{\"default_payment_method\":\"pm_Y\"}"), "default_payment_method")).contains("pm_Y");
    assertThat(Json.id(json("{\"default_payment_method\":null}"), "default_payment_method")).isEmpty();
  }
}
