package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Billing;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.stripe.fake.FakeStripe;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link StripeCards}' checks and refusals, and the event it reads. */
class StripeCardsTest {
  static final String PAGE = "https://relays.example/account";

  static FakeStripe stripe;
  static HttpClient client;
  StripeCards cards;

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
    stripe.customer("cus_Tenant", null);
    cards =
        StripeGateway.builder()
            .apiKey(FakeStripe.API_KEY)
            .baseUri(stripe.uri())
            .httpClient(client)
            .sleeper(d -> {})
            .build()
            .cards();
  }

  static StripeEvent.CheckoutSessionCompleted completed(
      String mode, String status, Optional<String> purpose) {
    return new StripeEvent.CheckoutSessionCompleted(
        "evt_1",
        Optional.of(StripeGateway.API_VERSION),
        "cs_test_1",
        mode,
        status,
        Optional.of("cus_Tenant"),
        mode.equals("setup") ? Optional.of("seti_1") : Optional.empty(),
        purpose,
        false);
  }

  @Test
  void aRequestStripeWouldRefuseIsRefusedBeforeSending() {
    assertThatThrownBy(() -> new CardSetupRequest("cus_Tenant", "/account", PAGE, "a"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("absolute http(s)");
    assertThatThrownBy(() -> new CardSetupRequest("cus_Tenant", PAGE, "javascript:alert(1)", "a"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("cancel URL");
    assertThatThrownBy(() -> new CardSetupRequest("cus/../x", PAGE, PAGE, "a"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("customer id");
    assertThatThrownBy(() -> new CardSetupRequest("cus_Tenant", PAGE, PAGE, "two words"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("attempt key");
    assertThatThrownBy(() -> new CardSetupRequest("cus_Tenant", PAGE, PAGE, "k".repeat(201)))
        .isInstanceOf(InvalidInputException.class);
    assertThat(new CardSetupRequest("cus_Tenant", PAGE + "?s={CHECKOUT_SESSION_ID}", PAGE, "k"))
        .as("Stripe's session id template is allowed")
        .isNotNull();
    assertThat(stripe.requests()).isEmpty();
  }

  @Test
  void aSetupForACustomerStripeDoesNotKnowIsARequestError() {
    assertThatThrownBy(
            () -> cards.startSetup(new CardSetupRequest("cus_Nobody", PAGE, PAGE, "form-1")))
        .isInstanceOfSatisfying(
            StripeRequestException.class,
            e -> {
              assertThat(e.code()).contains("resource_missing");
              assertThat(e.getMessage()).contains("open a card setup for customer cus_Nobody");
            });
  }

  @Test
  void aRefusedKeyIsAConfigurationError() {
    stripe.nextWrites(new FakeStripe.Forbidden());

    assertThatThrownBy(
            () -> cards.startSetup(new CardSetupRequest("cus_Tenant", PAGE, PAGE, "form-1")))
        .isInstanceOf(StripeConfigurationException.class);
  }

  @Test
  void stripeUnavailableAfterTheRetriesIsATransientError() {
    stripe.nextWrites(
        new FakeStripe.ServerError(), new FakeStripe.ServerError(), new FakeStripe.ServerError());

    assertThatThrownBy(
            () -> cards.startSetup(new CardSetupRequest("cus_Tenant", PAGE, PAGE, "form-1")))
        .isInstanceOfSatisfying(
            StripeException.class, e -> assertThat(e.kind().isTransient()).isTrue());
    assertThat(stripe.checkout().sessions()).isEmpty();
  }

  @Test
  void sessionsThatAreNotThisLibrarysCompletedCardSetupsAreIgnoredWithoutACall() {
    assertThat(cards.completeSetup(completed("payment", "complete", Optional.empty())))
        .isInstanceOf(CardSetupOutcome.Ignored.class);
    assertThat(cards.completeSetup(completed("setup", "complete", Optional.empty())))
        .isInstanceOf(CardSetupOutcome.Ignored.class);
    assertThat(cards.completeSetup(completed("setup", "complete", Optional.of("other"))))
        .isInstanceOf(CardSetupOutcome.Ignored.class);
    assertThat(cards.completeSetup(completed("setup", "open", Optional.of("save_card"))))
        .isInstanceOf(CardSetupOutcome.Ignored.class);
    assertThat(stripe.requests()).isEmpty();
  }

  @Test
  void aPaymentModeSessionReachesNoCardCodeThroughTheWebhooks() {
    StripeWebhooks webhooks =
        StripeWebhooks.builder()
            .billing(
                Billing.builder()
                    .repository(new InMemoryRepository())
                    .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
                    .appUrl("https://relays.example")
                    .build())
            .cards(cards)
            .verifier(StripeWebhookVerifier.of("whsec_x"))
            .build();

    assertThat(webhooks.apply(completed("payment", "complete", Optional.of("save_card"))))
        .isEqualTo(StripeWebhooks.Handled.IGNORED);
    assertThat(stripe.requests()).isEmpty();
  }

  @Test
  void theVerifierReadsACompletedCheckoutSession() {
    String body =
        "{\"id\":\"evt_9\",\"object\":\"event\",\"api_version\":\"2024-06-20\","
            + "\"type\":\"checkout.session.completed\",\"livemode\":false,"
            + "\"data\":{\"object\":{\"id\":\"cs_test_9\",\"object\":\"checkout.session\","
            + "\"mode\":\"setup\",\"status\":\"complete\",\"customer\":\"cus_Tenant\","
            + "\"setup_intent\":\"seti_9\",\"metadata\":{\"caravel_purpose\":\"save_card\"}}}}";

    assertThat(StripeWebhookVerifier.parseEvent(body))
        .isEqualTo(
            new StripeEvent.CheckoutSessionCompleted(
                "evt_9",
                Optional.of("2024-06-20"),
                "cs_test_9",
                "setup",
                "complete",
                Optional.of("cus_Tenant"),
                Optional.of("seti_9"),
                Optional.of("save_card"),
                false));
  }
}
