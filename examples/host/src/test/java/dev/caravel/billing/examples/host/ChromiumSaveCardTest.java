package dev.caravel.billing.examples.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.Billing;
import dev.caravel.billing.stripe.StripeGateway;
import dev.caravel.billing.stripe.fake.FakeStripe;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Saving a card from the tenant's page in a real browser (src/test/node/card.mjs), the host's card
 * gateway being the real StripeGateway pointed at the strict Stripe fake (billing-stripe-fake):
 * "Save a card" goes to the fake's hosted Checkout page, "Save card" there sends the signed webhook
 * to the host and the tenant back, the page shows the card, and "Remove card" removes it. The demo
 * rails are off; its screenshots are the README's.
 */
@ActiveProfiles(DemoCipherKeyGuard.DEMO_PROFILE) // the demo key and link secret
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
    properties = {
      "host.demo-rails=false",
      "caravel.billing.stripe.webhook-secret=" + ChromiumSaveCardTest.SECRET
    })
class ChromiumSaveCardTest {
  static final String SECRET = "whsec_host_save_card";
  static final FakeStripe STRIPE = FakeStripe.start();
  static final int PORT = freePort();

  @DynamicPropertySource
  static void port(DynamicPropertyRegistry registry) {
    registry.add("server.port", () -> PORT);
    registry.add("caravel.billing.app-url", () -> "http://127.0.0.1:" + PORT);
    registry.add(
        "caravel.billing.account-page.checkout-origin",
        () -> "http://127.0.0.1:" + STRIPE.uri().getPort());
  }

  @TestConfiguration
  static class StripeOnTheFake {
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

  @Autowired Billing billing;
  @Autowired StripeGateway gateway;

  @BeforeEach
  void browserAvailable() {
    NodeBrowser.assumeAvailable();
  }

  @Test
  void aCardIsSavedThroughStripesPageAndRemoved() throws Exception {
    STRIPE.customer(DemoSeed.CUSTOMER, null);
    STRIPE
        .checkout()
        .webhooks(URI.create("http://127.0.0.1:" + PORT + "/caravel/stripe/webhook"), SECRET);
    URI link = URI.create(billing.accountLink(DemoSeed.TENANT));

    JsonNode r =
        NodeBrowser.run(
            "card.mjs", link.toString(), STRIPE.uri().toString(), NodeBrowser.OUT.toString());

    assertThat(r.get("before").asText()).isEqualTo("No card is saved.");
    // Each card form posted without its link token is the page's 404 and changes nothing.
    for (JsonNode refused : r.get("refused")) {
      assertThat(refused.get("status").asInt()).as("%s", refused).isEqualTo(404);
      assertThat(refused.get("heading").asText()).isEqualTo("Page not found");
    }
    assertThat(r.get("refused")).hasSize(2);
    assertThat(r.get("stillSaved").asText()).startsWith("A card is saved");
    assertThat(r.get("checkoutOrigin").asText())
        .as("the tenant was on Stripe's page")
        .isEqualTo("http://127.0.0.1:" + STRIPE.uri().getPort());
    assertThat(r.get("afterUrl").asText()).startsWith(link + "&session=cs_");
    assertThat(r.get("saved").asText()).startsWith("A card is saved");
    assertThat(STRIPE.checkout().events()).as("Stripe's webhook reached the host").isNotEmpty();
    assertThat(r.get("removed").asText()).isEqualTo("No card is saved.");
    assertThat(gateway.savedPaymentMethod(DemoSeed.CUSTOMER)).isEmpty();
    assertThat(r.get("errors")).isEmpty();
    assertThat(r.get("blocked")).as("requests beyond the host and Stripe").isEmpty();
  }

  private static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
