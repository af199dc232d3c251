package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.stripe.fake.FakeStripe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the fake and the gateway must agree on. The fake lives in billing-stripe-fake, which cannot
 * depend on billing-stripe (billing-stripe's tests depend on it), so it states the API version and
 * writes the gateway's charge form out in its own tests; these pin both to the gateway's.
 */
class StripeGatewayMeetsTheFakeTest {
  static FakeStripe stripe;

  @BeforeAll
  static void startFake() {
    stripe = FakeStripe.start();
  }

  @AfterAll
  static void stopFake() {
    stripe.close();
  }

  @BeforeEach
  void account() {
    stripe.reset();
    stripe.customer("cus_Default", "pm_Default");
  }

  private static StripeGateway gateway() {
    return StripeGateway.builder()
        .apiKey(FakeStripe.API_KEY)
        .baseUri(stripe.uri())
        .requestTimeout(Duration.ofSeconds(5))
        .sleeper(d -> {})
        .build();
  }

  @Test
  void theFakeSpeaksTheApiVersionTheGatewayPins() {
    assertThat(FakeStripe.API_VERSION).isEqualTo(StripeGateway.API_VERSION);
  }

  @Test
  void theGatewaysChargeFormIsTheOneTheFakesOwnTestsSend() {
    ChargeOutcome outcome =
        gateway()
            .charge(
                new ChargeRequest(
                    "cus_Default", "pm_Default", 2_500, "usd", "inv_42", "caravel-inv_42-round-1"));

    // billing-stripe-fake's FakeStripeTest.chargeForm(): change both together.
    Map<String, String> written = new LinkedHashMap<>();
    written.put("amount", "2500");
    written.put("currency", "usd");
    written.put("customer", "cus_Default");
    written.put("payment_method", "pm_Default");
    written.put("off_session", "true");
    written.put("confirm", "true");
    written.put("automatic_payment_methods[enabled]", "true");
    written.put("automatic_payment_methods[allow_redirects]", "never");
    written.put("metadata[invoice_id]", "inv_42");
    written.put("metadata[round]", "1");
    assertThat(outcome).isInstanceOf(ChargeOutcome.Paid.class);
    assertThat(stripe.chargeRequests()).hasSize(1);
    assertThat(stripe.chargeRequests().get(0).params()).containsExactlyEntriesOf(written);
  }

  @Test
  void aCardDetachedOnTheFakeIsAFailedChargeForTheGateway() throws Exception {
    HttpResponse<String> detached =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(stripe.uri() + "/v1/payment_methods/pm_Default/detach"))
                    .header("Authorization", "Bearer " + FakeStripe.API_KEY)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(detached.statusCode()).isEqualTo(200);

    assertThat(
            gateway()
                .charge(
                    new ChargeRequest("cus_Default", "pm_Default", 500, "usd", "inv_1", "key-1")))
        .isInstanceOfSatisfying(
            ChargeOutcome.Failed.class, f -> assertThat(f.message()).contains("detached"));
  }
}
