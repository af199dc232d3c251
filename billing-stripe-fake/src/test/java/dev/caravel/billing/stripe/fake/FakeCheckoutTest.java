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

/** The fake's card-saving endpoints refuse what real Stripe refuses. */
class FakeCheckoutTest {
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
    stripe.customer("cus_Tenant", "pm_Default", "pm_Default", "pm_Other");
  }

  record Answer(int status, JsonNode body) {
    String errorCode() {
      return body.path("error").path("code").asText(null);
    }

    String errorParam() {
      return body.path("error").path("param").asText(null);
    }

    String errorMessage() {
      return body.path("error").path("message").asText(null);
    }
  }

  static Answer post(String path, Map<String, String> form) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(stripe.uri().resolve(path))
            .header("Authorization", "Bearer " + FakeStripe.API_KEY)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(Wire.form(form)))
            .build();
    HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), Wire.object(r.body()));
  }

  static Map<String, String> setupSession() {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("mode", "setup");
    form.put("customer", "cus_Tenant");
    form.put("payment_method_types[0]", "card");
    form.put("success_url", "https://relays.example/account");
    form.put("cancel_url", "https://relays.example/account");
    return form;
  }

  @Test
  void aSetupSessionAsTheLibrarySendsItIsAccepted() throws Exception {
    Answer answer = post("/v1/checkout/sessions", setupSession());

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body().path("mode").asText()).isEqualTo("setup");
    assertThat(answer.body().path("url").asText()).startsWith(stripe.uri() + "/c/pay/cs_test_");
  }

  @Test
  void anUnknownSessionParameterIsRefused() throws Exception {
    Map<String, String> form = setupSession();
    form.put("setup_intent_data[default_for_invoices]", "true");

    Answer answer = post("/v1/checkout/sessions", form);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.errorCode()).isEqualTo("parameter_unknown");
    assertThat(answer.errorParam()).isEqualTo("setup_intent_data[default_for_invoices]");
  }

  @Test
  void aSessionWithoutSuccessUrlIsRefused() throws Exception {
    Map<String, String> form = setupSession();
    form.remove("success_url");

    Answer answer = post("/v1/checkout/sessions", form);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.errorCode()).isEqualTo("parameter_missing");
    assertThat(answer.errorParam()).isEqualTo("success_url");
  }

  @Test
  void aSetupSessionNeedsPaymentMethodTypesOrACurrency() throws Exception {
    Map<String, String> form = setupSession();
    form.remove("payment_method_types[0]");

    Answer neither = post("/v1/checkout/sessions", form);
    form.put("currency", "usd");
    Answer withCurrency = post("/v1/checkout/sessions", form);

    assertThat(neither.status()).isEqualTo(400);
    assertThat(neither.errorCode()).isEqualTo("parameter_missing");
    assertThat(neither.errorParam()).isEqualTo("currency");
    assertThat(withCurrency.status()).isEqualTo(200);
  }

  @Test
  void aSetupSessionTakesNoLineItems() throws Exception {
    Map<String, String> form = setupSession();
    form.put("line_items[0][price]", "price_1");
    form.put("line_items[0][quantity]", "1");

    Answer answer = post("/v1/checkout/sessions", form);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.errorParam()).isEqualTo("line_items");
  }

  @Test
  void aSessionForAnUnknownCustomerIsRefused() throws Exception {
    Map<String, String> form = setupSession();
    form.put("customer", "cus_Nobody");

    Answer answer = post("/v1/checkout/sessions", form);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.errorCode()).isEqualTo("resource_missing");
  }

  @Test
  void theDefaultMustBeACardAttachedToTheCustomer() throws Exception {
    Answer answer =
        post(
            "/v1/customers/cus_Tenant",
            Map.of("invoice_settings[default_payment_method]", "pm_Elsewhere"));

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.errorCode()).isEqualTo("resource_missing");
    assertThat(answer.errorParam()).isEqualTo("invoice_settings[default_payment_method]");
  }

  @Test
  void detachingLeavesTheDefaultPointingAtTheCardAndTheCardUnchargeable() throws Exception {
    Answer detached = post("/v1/payment_methods/pm_Default/detach", Map.of());
    Answer again = post("/v1/payment_methods/pm_Default/detach", Map.of());

    assertThat(detached.status()).isEqualTo(200);
    assertThat(detached.body().path("customer").isNull()).isTrue();
    assertThat(again.status()).isEqualTo(400);
    assertThat(again.errorMessage()).contains("not attached to a customer");
    // As on Stripe: the invoice default still names the detached card until it is cleared.
    assertThat(stripe.findCustomer("cus_Tenant").orElseThrow().defaultPaymentMethod())
        .isEqualTo("pm_Default");
    Map<String, String> charge = new LinkedHashMap<>();
    charge.put("amount", "500");
    charge.put("currency", "usd");
    charge.put("customer", "cus_Tenant");
    charge.put("payment_method", "pm_Default");
    charge.put("off_session", "true");
    charge.put("confirm", "true");
    charge.put("automatic_payment_methods[enabled]", "true");
    charge.put("automatic_payment_methods[allow_redirects]", "never");
    Answer refused = post("/v1/payment_intents", charge);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.errorParam()).isEqualTo("payment_method");
    assertThat(refused.errorMessage()).contains("detached");
  }

  @Test
  void anEmptyDefaultClearsIt() throws Exception {
    Answer answer =
        post("/v1/customers/cus_Tenant", Map.of("invoice_settings[default_payment_method]", ""));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body().path("invoice_settings").path("default_payment_method").isNull())
        .isTrue();
  }

  @Test
  void theHostedPageOfAnUnknownSessionIsNotFound() throws Exception {
    HttpResponse<String> page =
        client.send(
            HttpRequest.newBuilder(stripe.uri().resolve("/c/pay/cs_test_Nope")).GET().build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(page.statusCode()).isEqualTo(404);
  }
}
