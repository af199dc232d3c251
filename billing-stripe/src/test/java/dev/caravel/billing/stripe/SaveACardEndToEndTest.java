package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.stripe.fake.FakeStripe;
import dev.caravel.billing.testkit.MutableClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 24, "save a card": the tenant's page opens a Checkout setup session, the tenant submits
 * Stripe's hosted page (the fake's, driven here as a browser without JavaScript would), Stripe's
 * signed webhook makes the card the default, and the engine's next round charges it.
 */
class SaveACardEndToEndTest {
  static final String TENANT = "cd".repeat(32);
  static final String CUSTOMER = "cus_Tenant";
  static final String OLD_CARD = "pm_OldCard";
  static final String SECRET = "whsec_test_save_a_card";
  static final String PAGE = "https://relays.example/account";
  static final Instant T0 = Instant.parse("2026-01-31T10:00:00Z");
  static final Pattern FORM =
      Pattern.compile(
          "<form method=\"post\" action=\"([^\"]+)\"><button type=\"submit\">Save card</button>");

  static FakeStripe stripe;
  static WebhookReceiver endpoint;
  static HttpClient client;
  // The tenant's browser: it follows no redirect by itself, so each hop can be checked.
  static HttpClient browser;

  final MutableClock clock = new MutableClock(T0);
  final List<String> dms = new CopyOnWriteArrayList<>();
  StripeGateway gateway;
  Billing billing;
  StripeWebhooks webhooks;

  @BeforeAll
  static void start() throws IOException {
    stripe = FakeStripe.start();
    endpoint = new WebhookReceiver();
    client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    browser =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @AfterAll
  static void stop() {
    endpoint.close();
    stripe.close();
  }

  @BeforeEach
  void setUp() {
    stripe.reset();
    endpoint.clear();
    stripe.customer(CUSTOMER, OLD_CARD, OLD_CARD);
    stripe.checkout().webhooks(endpoint.uri(), SECRET);
    gateway =
        StripeGateway.builder()
            .apiKey(FakeStripe.API_KEY)
            .baseUri(stripe.uri())
            .httpClient(client)
            .requestTimeout(Duration.ofSeconds(5))
            .sleeper(d -> {})
            .build();
    billing =
        Billing.builder()
            .repository(new InMemoryRepository())
            .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
            .clock(clock)
            .paymentGateway(gateway)
            .messenger((pubkey, text) -> dms.add(text))
            .appUrl("https://relays.example")
            .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
            .build();
    billing.saveTenant(TENANT, null, CUSTOMER);
    billing.record(Activity.create("evt-1", TENANT, "relay-1", "basic", T0));
    webhooks = webhooksInstance();
    endpoint.serve(webhooks);
  }

  /** A host instance's webhook handler: each instance remembers the event ids it handled. */
  StripeWebhooks webhooksInstance() {
    return StripeWebhooks.builder()
        .billing(billing)
        .cards(gateway.cards())
        .verifier(StripeWebhookVerifier.of(SECRET))
        .build();
  }

  CardSetupSession startSetup(String attempt) {
    return gateway
        .cards()
        .startSetup(
            new CardSetupRequest(
                CUSTOMER, PAGE + "?card=saved&session={CHECKOUT_SESSION_ID}", PAGE, attempt));
  }

  /** The tenant on Stripe's page: reads the form, presses "Save card", and is sent back. */
  URI saveCardOnHostedPage(CardSetupSession session) throws Exception {
    HttpResponse<String> page =
        browser.send(
            HttpRequest.newBuilder(session.url()).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    Matcher form = FORM.matcher(page.body());
    assertThat(form.find()).as("a labelled Save card button in a plain form").isTrue();
    HttpResponse<String> submitted =
        browser.send(
            HttpRequest.newBuilder(session.url().resolve(form.group(1)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(submitted.statusCode()).isEqualTo(303);
    return URI.create(submitted.headers().firstValue("Location").orElseThrow());
  }

  String defaultCard() {
    return stripe.findCustomer(CUSTOMER).orElseThrow().defaultPaymentMethod();
  }

  List<String> attachedCards() {
    return stripe.findCustomer(CUSTOMER).orElseThrow().cards();
  }

  String newestCard() {
    return attachedCards().get(0);
  }

  long customerUpdates() {
    return stripe.requests().stream()
        .filter(r -> r.method().equals("POST") && r.path().equals("/v1/customers/" + CUSTOMER))
        .count();
  }

  @Test
  void theSetupSessionCarriesTheParametersStripeRequiresInSetupMode() {
    CardSetupSession session = startSetup("form-1");

    FakeStripe.Seen create =
        stripe.requests().stream()
            .filter(r -> r.path().equals("/v1/checkout/sessions"))
            .findFirst()
            .orElseThrow();
    assertThat(create.params())
        .containsExactly(
            Map.entry("mode", "setup"),
            Map.entry("customer", CUSTOMER),
            Map.entry("payment_method_types[0]", "card"),
            Map.entry("success_url", PAGE + "?card=saved&session={CHECKOUT_SESSION_ID}"),
            Map.entry("cancel_url", PAGE),
            Map.entry("metadata[caravel_purpose]", "save_card"));
    assertThat(create.header("Idempotency-Key")).isEqualTo("caravel-card-setup-form-1");
    assertThat(create.header("Stripe-Version")).isEqualTo("2024-06-20");
    assertThat(session.sessionId()).startsWith("cs_test_");
    assertThat(session.url().getHost()).isEqualTo("127.0.0.1");
    assertThat(session.url().getPath()).isEqualTo("/c/pay/" + session.sessionId());
    assertThat(session.expiresAt()).isAfter(Instant.now());
    assertThat(stripe.checkout().session(session.sessionId()).orElseThrow().path("status").asText())
        .isEqualTo("open");
  }

  @Test
  void theSameAttemptSentTwiceOpensOneSession() {
    CardSetupSession first = startSetup("form-1");
    CardSetupSession again = startSetup("form-1");
    CardSetupSession next = startSetup("form-2");

    assertThat(again).isEqualTo(first);
    assertThat(next.sessionId()).isNotEqualTo(first.sessionId());
    assertThat(stripe.checkout().sessions()).hasSize(2);
    assertThat(stripe.replays()).isEqualTo(1);
  }

  @Test
  void aSavedCardBecomesTheDefaultAndTheNextRoundChargesIt() throws Exception {
    CardSetupSession session = startSetup("form-1");

    URI back = saveCardOnHostedPage(session);

    assertThat(back).isEqualTo(URI.create(PAGE + "?card=saved&session=" + session.sessionId()));
    String card = newestCard();
    assertThat(card).isNotEqualTo(OLD_CARD);
    assertThat(endpoint.handled()).containsExactly(StripeWebhooks.Handled.APPLIED);
    assertThat(defaultCard()).isEqualTo(card);
    assertThat(attachedCards()).as("the replaced card is detached").containsExactly(card);
    assertThat(gateway.savedPaymentMethod(CUSTOMER)).contains(card);

    Invoice invoice = billing.generateInvoice(TENANT).orElseThrow();
    PaymentResult paid = billing.collect(invoice.id());

    assertThat(paid).isInstanceOf(PaymentResult.Paid.class);
    assertThat(stripe.chargeRequests())
        .singleElement()
        .satisfies(charge -> assertThat(charge.params()).containsEntry("payment_method", card));
  }

  @Test
  void theSavedCardWinsOverALegacyCardSource() throws Exception {
    stripe.customerWithSource(CUSTOMER, null, "card_Legacy");
    assertThat(gateway.savedPaymentMethod(CUSTOMER)).contains("card_Legacy");

    saveCardOnHostedPage(startSetup("form-1"));
    String card = newestCard();

    assertThat(gateway.savedPaymentMethod(CUSTOMER)).contains(card);
    billing.collect(billing.generateInvoice(TENANT).orElseThrow().id());
    assertThat(stripe.chargeRequests())
        .singleElement()
        .satisfies(charge -> assertThat(charge.params()).containsEntry("payment_method", card));
    assertThat(gateway.cards().removeCards(CUSTOMER).legacySource())
        .as("removing says the legacy card is still there")
        .contains("card_Legacy");
  }

  @Test
  void aSecondSetupReplacesTheCardAndTheNextRoundChargesTheNewOne() throws Exception {
    saveCardOnHostedPage(startSetup("form-1"));
    String first = newestCard();

    saveCardOnHostedPage(startSetup("form-2"));
    String second = newestCard();

    assertThat(second).isNotEqualTo(first);
    assertThat(defaultCard()).isEqualTo(second);
    assertThat(attachedCards()).containsExactly(second);
    assertThat(stripe.checkout().wasDetached(first)).isTrue();
    assertThat(endpoint.handled())
        .containsExactly(StripeWebhooks.Handled.APPLIED, StripeWebhooks.Handled.APPLIED);

    billing.collect(billing.generateInvoice(TENANT).orElseThrow().id());
    assertThat(stripe.chargeRequests())
        .singleElement()
        .satisfies(charge -> assertThat(charge.params()).containsEntry("payment_method", second));
  }

  @Test
  void removingTheCardsLeavesNoCardForTheNextRound() throws Exception {
    saveCardOnHostedPage(startSetup("form-1"));
    String card = newestCard();

    CardsRemoved removed = gateway.cards().removeCards(CUSTOMER);

    assertThat(removed.detached()).containsExactly(card);
    assertThat(removed.legacySource()).isEmpty();
    assertThat(defaultCard()).as("the default is cleared, not left pointing at it").isNull();
    assertThat(attachedCards()).isEmpty();
    assertThat(gateway.savedPaymentMethod(CUSTOMER)).isEmpty();

    PaymentResult result = billing.collect(billing.generateInvoice(TENANT).orElseThrow().id());
    assertThat(result).isNotInstanceOf(PaymentResult.Paid.class);
    assertThat(stripe.chargeRequests()).isEmpty();
  }

  @Test
  void removingTwiceIsHarmless() throws Exception {
    saveCardOnHostedPage(startSetup("form-1"));
    gateway.cards().removeCards(CUSTOMER);

    CardsRemoved again = gateway.cards().removeCards(CUSTOMER);

    assertThat(again.detached()).isEmpty();
    assertThat(gateway.savedPaymentMethod(CUSTOMER)).isEmpty();
  }

  @Test
  void aRedeliveredEventIsADuplicateAndChangesNothing() throws Exception {
    saveCardOnHostedPage(startSetup("form-1"));
    String card = newestCard();
    String event = stripe.checkout().events().get(0);
    long updates = customerUpdates();

    assertThat(stripe.checkout().redeliver(event)).isEqualTo(200);

    assertThat(endpoint.handled())
        .containsExactly(StripeWebhooks.Handled.APPLIED, StripeWebhooks.Handled.DUPLICATE);
    assertThat(customerUpdates()).isEqualTo(updates);
    assertThat(defaultCard()).isEqualTo(card);
  }

  @Test
  void anotherInstanceGivenTheSameEventFindsTheCardAlreadyTheDefault() throws Exception {
    saveCardOnHostedPage(startSetup("form-1"));
    String card = newestCard();
    String event = stripe.checkout().events().get(0);
    long updates = customerUpdates();
    endpoint.serve(webhooksInstance());

    assertThat(stripe.checkout().redeliver(event)).isEqualTo(200);

    assertThat(endpoint.handled()).last().isEqualTo(StripeWebhooks.Handled.APPLIED);
    assertThat(customerUpdates()).as("nothing written again").isEqualTo(updates);
    assertThat(defaultCard()).isEqualTo(card);
  }

  @Test
  void aLateDeliveryNeverBringsBackACardThatWasReplaced() throws Exception {
    saveCardOnHostedPage(startSetup("form-1"));
    String firstEvent = stripe.checkout().events().get(0);
    saveCardOnHostedPage(startSetup("form-2"));
    String second = newestCard();
    endpoint.serve(webhooksInstance());

    assertThat(stripe.checkout().redeliver(firstEvent)).isEqualTo(200);

    assertThat(endpoint.handled()).last().isEqualTo(StripeWebhooks.Handled.IGNORED);
    assertThat(defaultCard()).isEqualTo(second);
  }

  @Test
  void aSetupOlderThanTheDefaultNeverReplacesIt() throws Exception {
    // Two pages open at once: the session opened first is completed first, but its event is
    // delivered only after the second's (Stripe does not order deliveries).
    endpoint.serve(null); // the endpoint is down: both deliveries fail for now
    saveCardOnHostedPage(startSetup("tab-1"));
    String older = newestCard();
    saveCardOnHostedPage(startSetup("tab-2"));
    String newer = newestCard();
    List<String> events = stripe.checkout().events();
    endpoint.serve(webhooks);

    assertThat(stripe.checkout().redeliver(events.get(1))).isEqualTo(200);
    assertThat(stripe.checkout().redeliver(events.get(0))).isEqualTo(200);

    assertThat(endpoint.handled())
        .containsExactly(StripeWebhooks.Handled.APPLIED, StripeWebhooks.Handled.IGNORED);
    assertThat(defaultCard()).isEqualTo(newer);
    assertThat(attachedCards()).as("the older card stays attached, unused").contains(older);
  }

  @Test
  void anOlderSetupAppliedBeforeANewerOnesWebhookLeavesTheDefaultToTheNewer() throws Exception {
    endpoint.serve(null);
    saveCardOnHostedPage(startSetup("tab-1"));
    saveCardOnHostedPage(startSetup("tab-2"));
    String newer = newestCard();
    List<String> events = stripe.checkout().events();
    endpoint.serve(webhooks);

    assertThat(stripe.checkout().redeliver(events.get(0))).isEqualTo(200);
    assertThat(defaultCard()).as("the older card never becomes the default").isEqualTo(OLD_CARD);
    assertThat(stripe.checkout().redeliver(events.get(1))).isEqualTo(200);

    assertThat(endpoint.handled())
        .containsExactly(StripeWebhooks.Handled.IGNORED, StripeWebhooks.Handled.APPLIED);
    assertThat(defaultCard()).isEqualTo(newer);
  }

  @Test
  void aLateDeliveryNeverBringsBackACardThatWasRemoved() throws Exception {
    saveCardOnHostedPage(startSetup("form-1"));
    String event = stripe.checkout().events().get(0);
    gateway.cards().removeCards(CUSTOMER);
    endpoint.serve(webhooksInstance());

    assertThat(stripe.checkout().redeliver(event)).isEqualTo(200);

    assertThat(endpoint.handled()).last().isEqualTo(StripeWebhooks.Handled.IGNORED);
    assertThat(defaultCard()).isNull();
    assertThat(gateway.savedPaymentMethod(CUSTOMER)).isEmpty();
  }

  @Test
  void aDeliveryWithABadSignatureIsRefusedAndChangesNothing() throws Exception {
    endpoint.serve(null);
    saveCardOnHostedPage(startSetup("form-1"));
    String event = stripe.checkout().events().get(0);
    endpoint.serve(webhooks);
    long updates = customerUpdates();

    int status = stripe.checkout().deliver(event, "whsec_forged");

    assertThat(status).isEqualTo(400);
    assertThat(endpoint.refused())
        .singleElement()
        .isEqualTo("no v1 signature in Stripe-Signature matches the payload");
    assertThat(customerUpdates()).isEqualTo(updates);
    assertThat(defaultCard()).isEqualTo(OLD_CARD);
  }

  @Test
  void aSetupIsIgnoredWhenTheHostWiredNoCards() throws Exception {
    endpoint.serve(
        StripeWebhooks.builder()
            .billing(billing)
            .verifier(StripeWebhookVerifier.of(SECRET))
            .build());

    saveCardOnHostedPage(startSetup("form-1"));

    assertThat(endpoint.handled()).containsExactly(StripeWebhooks.Handled.IGNORED);
    assertThat(defaultCard()).isEqualTo(OLD_CARD);
  }

  @Test
  void thePageTheTenantComesBackToAppliesTheSetupBeforeTheWebhookArrives() throws Exception {
    endpoint.serve(null); // the webhook is late
    CardSetupSession session = startSetup("form-1");
    URI back = saveCardOnHostedPage(session);
    String card = newestCard();
    String sessionId = back.getQuery().replaceAll(".*session=", "");

    CardSetupOutcome applied = gateway.cards().completeSetup(sessionId, CUSTOMER);

    assertThat(applied)
        .isEqualTo(new CardSetupOutcome.DefaultSet(CUSTOMER, card, Optional.of(OLD_CARD), false));
    assertThat(defaultCard()).isEqualTo(card);
    long updates = customerUpdates();
    endpoint.serve(webhooks);
    assertThat(stripe.checkout().redeliver(stripe.checkout().events().get(0))).isEqualTo(200);
    assertThat(endpoint.handled()).containsExactly(StripeWebhooks.Handled.APPLIED);
    assertThat(customerUpdates()).as("the webhook found it done").isEqualTo(updates);
  }

  @Test
  void aSessionIdOfAnotherCustomerIsNotAppliedForThisOne() throws Exception {
    endpoint.serve(null);
    stripe.customer("cus_Other", null);
    CardSetupSession other =
        gateway.cards().startSetup(new CardSetupRequest("cus_Other", PAGE, PAGE, "other-form"));
    saveCardOnHostedPage(other);

    CardSetupOutcome outcome = gateway.cards().completeSetup(other.sessionId(), CUSTOMER);

    assertThat(outcome).isInstanceOf(CardSetupOutcome.Ignored.class);
    assertThat(defaultCard()).isEqualTo(OLD_CARD);
    assertThat(stripe.findCustomer("cus_Other").orElseThrow().defaultPaymentMethod()).isNull();
  }

  @Test
  void submittingTheHostedPageTwiceSavesOneCard() throws Exception {
    CardSetupSession session = startSetup("form-1");
    saveCardOnHostedPage(session);
    String card = newestCard();

    HttpResponse<String> again =
        browser.send(
            HttpRequest.newBuilder(session.url()).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(again.statusCode()).isEqualTo(303);
    assertThat(attachedCards()).containsExactly(card);
    assertThat(stripe.checkout().events()).hasSize(1);
  }
}
