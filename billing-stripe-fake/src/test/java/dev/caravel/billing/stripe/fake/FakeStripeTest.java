package dev.caravel.billing.stripe.fake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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

/** The fake is as strict as Stripe: these are the requests real Stripe refuses. */
class FakeStripeTest {
  static FakeStripe stripe;
  static HttpClient client;

  @BeforeAll
  static void startFake() {
    stripe = FakeStripe.start();
    client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
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

  record Answer(int status, JsonNode body, HttpResponse<String> raw) {
    String errorCode() {
      return body.path("error").path("code").asText(null);
    }

    String errorType() {
      return body.path("error").path("type").asText(null);
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  static Answer post(String path, Map<String, String> form, String key) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(stripe.uri().resolve(path))
            .header("Authorization", "Bearer " + FakeStripe.API_KEY)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(Wire.form(form)));
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), Wire.object(r.body()), r);
  }

  static Answer get(String pathAndQuery) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(stripe.uri().resolve(pathAndQuery))
            .header("Authorization", "Bearer " + FakeStripe.API_KEY)
            .GET()
            .build();
    HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), Wire.object(r.body()), r);
  }

  /**
   * The form {@code StripeGateway} sends for a charge of 25.00 USD, written out (the fake cannot
   * depend on billing-stripe); billing-stripe's StripeGatewayMeetsTheFakeTest sends the real one.
   */
  static Map<String, String> chargeForm() {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("amount", "2500");
    form.put("currency", "usd");
    form.put("customer", "cus_Default");
    form.put("payment_method", "pm_Default");
    form.put("off_session", "true");
    form.put("confirm", "true");
    form.put("automatic_payment_methods[enabled]", "true");
    form.put("automatic_payment_methods[allow_redirects]", "never");
    form.put("metadata[invoice_id]", "inv_42");
    form.put("metadata[round]", "1");
    return form;
  }

  @Test
  void theExcerptIsStripesSpecWithItsVersion() {
    assertThat(FakeStripe.SCHEMA.specVersion()).isEqualTo("2023-08-16");
    for (String endpoint :
        new String[] {
          "POST /v1/payment_intents",
          "GET /v1/payment_intents",
          "GET /v1/payment_intents/{intent}",
          "POST /v1/payment_intents/{intent}/cancel",
          "POST /v1/refunds",
          "GET /v1/customers/{customer}",
          "GET /v1/customers/{customer}/payment_methods"
        }) {
      assertThat(FakeStripe.SCHEMA.knows(endpoint)).as(endpoint).isTrue();
    }
  }

  @Test
  void theChargeFormTheGatewaySendsPassesTheSchema() throws Exception {
    Answer ok = post("/v1/payment_intents", chargeForm(), "k1");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.body().path("status").asText()).isEqualTo("succeeded");
  }

  @Test
  void aChargeWithoutAllowRedirectsNeverIsRefusedForWantOfAReturnUrl() throws Exception {
    Map<String, String> form = chargeForm();
    assertThat(form).containsEntry("automatic_payment_methods[allow_redirects]", "never");
    form.remove("automatic_payment_methods[allow_redirects]");

    Answer refused = post("/v1/payment_intents", form, "k1");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.errorType()).isEqualTo("invalid_request_error");
    assertThat(refused.body().path("error").path("param").asText()).isEqualTo("return_url");
    assertThat(refused.body().path("error").path("message").asText())
        .contains("you must provide a `return_url`");
    assertThat(stripe.intentsCreated()).isZero();

    // Nor does dropping automatic_payment_methods altogether help: it is the default since
    // 2023-08-16.
    form.remove("automatic_payment_methods[enabled]");
    assertThat(post("/v1/payment_intents", form, "k2").status()).isEqualTo(400);
    // A return_url satisfies the rule.
    form.put("return_url", "https://relays.example/account");
    assertThat(post("/v1/payment_intents", form, "k3").status()).isEqualTo(200);
  }

  @Test
  void unknownParametersAreRefusedAtAnyDepth() throws Exception {
    Map<String, String> form = chargeForm();
    form.put("invoice", "inv_42");
    Answer top = post("/v1/payment_intents", form, "k1");
    assertThat(top.status()).isEqualTo(400);
    assertThat(top.errorCode()).isEqualTo("parameter_unknown");
    assertThat(top.body().path("error").path("message").asText())
        .isEqualTo("Received unknown parameter: invoice");

    form.remove("invoice");
    form.put("automatic_payment_methods[redirects]", "never");
    Answer nested = post("/v1/payment_intents", form, "k2");
    assertThat(nested.errorCode()).isEqualTo("parameter_unknown");
    assertThat(nested.body().path("error").path("param").asText())
        .isEqualTo("automatic_payment_methods[redirects]");

    assertThat(get("/v1/payment_intents?customer=cus_Default&invoice=inv_42").errorCode())
        .isEqualTo("parameter_unknown");
    assertThat(
            post("/v1/refunds", Map.of("payment_intent", "pi_x", "invoice", "inv_42"), "k3")
                .errorCode())
        .isEqualTo("parameter_unknown");
    assertThat(
            post("/v1/payment_intents/pi_x/cancel", Map.of("reason", "abandoned"), "k4")
                .errorCode())
        .isEqualTo("parameter_unknown");
    assertThat(stripe.intentsCreated()).isZero();
  }

  @Test
  void typesEnumsAndRequiredParametersAreChecked() throws Exception {
    Map<String, String> form = chargeForm();
    form.put("amount", "25.00");
    assertThat(post("/v1/payment_intents", form, "k1").errorCode())
        .isEqualTo("parameter_invalid_integer");
    form.put("amount", "2500");
    form.put("automatic_payment_methods[allow_redirects]", "sometimes");
    assertThat(post("/v1/payment_intents", form, "k2").status()).isEqualTo(400);
    form.put("automatic_payment_methods[allow_redirects]", "never");
    form.remove("currency");
    assertThat(post("/v1/payment_intents", form, "k3").errorCode()).isEqualTo("parameter_missing");
    // Metadata takes any key.
    form.put("currency", "usd");
    form.put("metadata[anything]", "goes");
    assertThat(post("/v1/payment_intents", form, "k4").status()).isEqualTo(200);
  }

  @Test
  void aSaved500IsReplayedForItsKeyAndSaysNotToRetry() throws Exception {
    Map<String, String> form = chargeForm();
    stripe.nextCharges(new FakeStripe.SavedServerError());

    Answer first = post("/v1/payment_intents", form, "k1");
    Answer again = post("/v1/payment_intents", form, "k1");

    assertThat(first.status()).isEqualTo(500);
    assertThat(first.header("Stripe-Should-Retry")).isEqualTo("false");
    assertThat(again.status()).isEqualTo(500);
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(stripe.charges()).as("the endpoint ran: the money moved").isEqualTo(1);
    // A new key is a new charge.
    assertThat(post("/v1/payment_intents", form, "k2").status()).isEqualTo(200);
    assertThat(stripe.charges()).isEqualTo(2);
  }

  @Test
  void anUnsaved500CarriesStripeShouldRetry() throws Exception {
    Map<String, String> form = chargeForm();
    stripe.nextCharges(new FakeStripe.ServerError(true));
    Answer first = post("/v1/payment_intents", form, "k1");
    assertThat(first.status()).isEqualTo(500);
    assertThat(first.header("Stripe-Should-Retry")).isEqualTo("true");
    assertThat(post("/v1/payment_intents", form, "k1").status()).isEqualTo(200);
  }

  @Test
  void theSameKeyWithOtherParametersIsAnIdempotencyError() throws Exception {
    Map<String, String> form = chargeForm();
    assertThat(post("/v1/payment_intents", form, "k1").status()).isEqualTo(200);
    form.put("amount", "2600");
    Answer other = post("/v1/payment_intents", form, "k1");
    assertThat(other.status()).isEqualTo(400);
    assertThat(other.errorType()).isEqualTo("idempotency_error");
    assertThat(stripe.intentsCreated()).isEqualTo(1);
  }

  @Test
  void lockTimeoutAndKeyInUseAreNotExecuted() throws Exception {
    Map<String, String> form = chargeForm();
    stripe.nextCharges(new FakeStripe.LockTimeout(), new FakeStripe.KeyInUse(true));

    Answer lock = post("/v1/payment_intents", form, "k1");
    Answer inUse = post("/v1/payment_intents", form, "k1");

    assertThat(lock.status()).isEqualTo(429);
    assertThat(lock.errorCode()).isEqualTo("lock_timeout");
    assertThat(lock.header("Stripe-Should-Retry")).isEqualTo("true");
    assertThat(inUse.status()).isEqualTo(409);
    assertThat(inUse.errorCode()).isEqualTo("idempotency_key_in_use");
    assertThat(stripe.intentsCreated()).isZero();
    assertThat(post("/v1/payment_intents", form, "k1").status()).isEqualTo(200);
  }

  @Test
  void refusedRequestsAreNotSavedUnderTheirKey() throws Exception {
    Map<String, String> form = chargeForm();
    form.put("payment_method", "pm_NotTheirs");
    assertThat(post("/v1/payment_intents", form, "k1").errorCode()).isEqualTo("resource_missing");
    form.put("payment_method", "pm_Default");
    assertThat(post("/v1/payment_intents", form, "k1").status())
        .as("same key, now valid, is executed")
        .isEqualTo(200);
  }
}
