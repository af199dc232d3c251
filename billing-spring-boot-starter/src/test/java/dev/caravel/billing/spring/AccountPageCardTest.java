package dev.caravel.billing.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.stripe.StripeGateway;
import dev.caravel.billing.stripe.fake.FakeStripe;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Saving a card from the account page (issue 24), over real HTTP on 127.0.0.1 against the strict
 * Stripe fake (billing-stripe-fake): the page's form opens a setup-mode Checkout Session and sends
 * the tenant to Stripe's hosted page; submitting it there sends the signed {@code
 * checkout.session.completed} to the starter's webhook endpoint and the tenant back to the page,
 * which applies it too; the next round charges the new card; removing it leaves none.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
    properties = {
      "server.address=127.0.0.1",
      "spring.datasource.url=jdbc:h2:mem:account-card;DB_CLOSE_DELAY=-1",
      "caravel.billing.plans[0].id=basic",
      "caravel.billing.plans[0].name=Basic",
      "caravel.billing.plans[0].price=500",
      "caravel.billing.poll.enabled=false",
      "caravel.billing.link-secret=" + NoRailWarningTest.LINK_SECRET,
      "caravel.billing.stripe.webhook-secret=" + AccountPageCardTest.SECRET
    })
class AccountPageCardTest {
  static final String SECRET = "whsec_account_page_card";
  static final String CUSTOMER = "cus_PageCard";
  static final FakeStripe STRIPE = FakeStripe.start();

  /** The app's port, chosen before it starts: its URL is the app URL the links carry. */
  static final int PORT = freePort();

  @DynamicPropertySource
  static void port(DynamicPropertyRegistry registry) {
    registry.add("server.port", () -> PORT);
    registry.add("caravel.billing.app-url", () -> "http://127.0.0.1:" + PORT);
    registry.add(
        "caravel.billing.account-page.checkout-origin",
        () -> "http://127.0.0.1:" + STRIPE.uri().getPort());
  }

  private static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The host's card gateway is the real StripeGateway, pointed at the fake. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class Host {
    @Bean
    StripeGateway gateway() {
      return StripeGateway.builder()
          .apiKey(FakeStripe.API_KEY)
          .baseUri(STRIPE.uri())
          .requestTimeout(Duration.ofSeconds(5))
          .sleeper(d -> {})
          .build();
    }
  }

  @AfterAll
  static void stop() {
    STRIPE.close();
  }

  private final int port = PORT;
  @Autowired Billing billing;
  @Autowired StripeGateway gateway;

  /** The tenant's browser: it follows no redirect by itself, so each hop is checked. */
  private final HttpClient browser =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @Test
  void aCardSavedThroughCheckoutIsChargedNextAndCanBeRemoved() throws Exception {
    STRIPE.customer(CUSTOMER, null);
    STRIPE
        .checkout()
        .webhooks(URI.create("http://127.0.0.1:" + port + "/caravel/stripe/webhook"), SECRET);
    String tenant = "cd".repeat(32);
    billing.saveTenant(tenant, null, CUSTOMER);
    URI link = URI.create(billing.accountLink(tenant));

    // The page offers to save a card: none is saved yet.
    HttpResponse<String> page = get(link, null);
    String csrf = cookie(page);
    assertThat(page.body()).contains("No card is saved.").contains("id=\"save-card-button\"");
    // Browsers apply form-action to the form's redirect: Stripe's page must be allowed, alone.
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("form-action 'self' http://127.0.0.1:" + STRIPE.uri().getPort() + ";");

    // Its form opens Stripe's page (the fake's), a setup-mode session for this customer.
    HttpResponse<String> toStripe = post("/account/card/setup", fields(page.body()), csrf);
    assertThat(toStripe.statusCode()).isEqualTo(303);
    URI hosted = URI.create(toStripe.headers().firstValue("Location").orElseThrow());
    assertThat(hosted.getHost()).isEqualTo("127.0.0.1");
    assertThat(hosted.getPort()).isEqualTo(STRIPE.uri().getPort());

    // The tenant saves a card there: the webhook reaches the starter, the tenant comes back.
    HttpResponse<String> form = browser.send(HttpRequest.newBuilder(hosted).build(), body());
    Matcher action =
        Pattern.compile("<form method=\"post\" action=\"([^\"]+)\"").matcher(form.body());
    assertThat(action.find()).as("Stripe's page has its form: %s", form.body()).isTrue();
    HttpResponse<String> back =
        browser.send(
            HttpRequest.newBuilder(hosted.resolve(action.group(1)))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            body());
    assertThat(back.statusCode()).isEqualTo(303);
    URI success = URI.create(back.headers().firstValue("Location").orElseThrow());
    assertThat(success.toString()).startsWith(link.toString() + "&session=cs_");
    assertThat(STRIPE.checkout().events()).as("the webhook was sent").isNotEmpty();

    HttpResponse<String> saved = get(success, csrf);
    assertThat(saved.statusCode()).isEqualTo(200);
    assertThat(saved.body())
        .contains("A card is saved")
        .contains("id=\"remove-card-button\"")
        .contains(">Replace card</button>");
    String card = gateway.savedPaymentMethod(CUSTOMER).orElseThrow();

    // The next round charges that card.
    Instant at = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(1));
    billing.record(Activity.create("card-1", tenant, "r1", "basic", at));
    Invoice invoice = billing.generateInvoice(tenant).orElseThrow();
    assertThat(billing.collect(invoice.id())).isInstanceOf(PaymentResult.Paid.class);
    assertThat(billing.invoice(invoice.id()).orElseThrow().payment().orElseThrow().method())
        .isEqualTo(PaymentMethod.STRIPE);
    assertThat(STRIPE.chargeRequests())
        .last()
        .satisfies(r -> assertThat(r.params()).containsEntry("payment_method", card));

    // Removing it leaves none, and a form without the page's CSRF token changes nothing first.
    Map<String, String> fields = fields(saved.body());
    assertThat(post("/account/card/remove", fields, FormGuard.newCsrfToken()).statusCode())
        .isEqualTo(403);
    assertThat(gateway.savedPaymentMethod(CUSTOMER)).contains(card);
    assertThat(post("/account/card/remove", fields, csrf).statusCode()).isEqualTo(303);
    assertThat(gateway.savedPaymentMethod(CUSTOMER)).isEmpty();
    assertThat(get(link, csrf).body()).contains("No card is saved.");
  }

  private HttpResponse<String> get(URI uri, String csrf) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri);
    if (csrf != null) {
      request.header("Cookie", AccountPageController.CSRF_COOKIE + "=" + csrf);
    }
    return browser.send(request.build(), body());
  }

  private HttpResponse<String> post(String path, Map<String, String> fields, String csrf)
      throws Exception {
    String form =
        fields.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    return browser.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", "http://127.0.0.1:" + port)
            .header("Cookie", AccountPageController.CSRF_COOKIE + "=" + csrf)
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        body());
  }

  /** The hidden fields the page's forms repeat (the first form's: they are the same). */
  private static Map<String, String> fields(String html) {
    Matcher m =
        Pattern.compile("<input type=\"hidden\" name=\"([a-z]+)\" value=\"([^\"]*)\">")
            .matcher(html);
    Map<String, String> out = new java.util.LinkedHashMap<>();
    while (m.find()) {
      out.putIfAbsent(m.group(1), m.group(2));
    }
    return out;
  }

  private static String cookie(HttpResponse<String> page) {
    String set = page.headers().firstValue("Set-Cookie").orElseThrow();
    Matcher m = Pattern.compile(AccountPageController.CSRF_COOKIE + "=([^;]+)").matcher(set);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static HttpResponse.BodyHandler<String> body() {
    return HttpResponse.BodyHandlers.ofString();
  }
}
