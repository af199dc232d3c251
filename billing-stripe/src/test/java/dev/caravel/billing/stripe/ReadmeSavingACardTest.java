package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Billing;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.stripe.fake.FakeStripe;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's "Saving a card" snippet against the fake: the code between the markers below is
 * that section's ```java block, line for line (indentation aside), and {@link
 * #theReadmeShowsExactlyThisCode} keeps them so. Surefire runs with assertions enabled, so the
 * snippet's {@code assert}s are real.
 */
class ReadmeSavingACardTest {
  private static final Path README = Path.of("README.md");
  private static final Path SELF =
      Path.of("src/test/java/dev/caravel/billing/stripe/ReadmeSavingACardTest.java");
  private static final String SECTION = "## Saving a card\n";

  @Test
  void theSnippetRuns() throws Exception {
    try (FakeStripe stripe = FakeStripe.start()) {
      stripe.customer("cus_Tenant", null);
      StripeGateway gateway =
          StripeGateway.builder()
              .apiKey(FakeStripe.API_KEY)
              .baseUri(stripe.uri())
              .requestTimeout(Duration.ofSeconds(5))
              .sleeper(d -> {})
              .build();
      Billing billing =
          Billing.builder()
              .repository(new InMemoryRepository())
              .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
              .paymentGateway(gateway)
              .appUrl("https://relays.example")
              .build();
      String customerId = "cus_Tenant";
      String pageUrl = "https://relays.example/account";
      String formId = "form-7f3a";
      String webhookSecret = "whsec_readme";

      // spotless:off (the README shows these lines as they are here)
      // README-BEGIN
      StripeCards cards = gateway.cards();

      // The page's "Save a card" POST, after its CSRF check: open a setup session for the tenant.
      CardSetupSession session = cards.startSetup(new CardSetupRequest(
          customerId,
          pageUrl + "?card=saved&session={CHECKOUT_SESSION_ID}", // success_url: Stripe fills in the id
          pageUrl,                                               // cancel_url
          formId));                                              // one key per attempt
      URI checkout = session.url(); // answer 303 See Other with Location: checkout

      // The page at success_url applies the setup at once; the webhook may come before or after.
      String sessionId = session.sessionId(); // in the page: the "session" query parameter
      tenantSavesACardOn(checkout); // on Stripe's page; here the fake's, pressed by this test
      CardSetupOutcome saved = cards.completeSetup(sessionId, customerId);
      assert saved instanceof CardSetupOutcome.DefaultSet;
      String card = gateway.savedPaymentMethod(customerId).orElseThrow(); // the next round's card

      // The page's "Remove card" POST:
      CardsRemoved removed = cards.removeCards(customerId);
      assert removed.detached().equals(List.of(card));
      assert gateway.savedPaymentMethod(customerId).isEmpty();

      // The webhook endpoint applies checkout.session.completed with the same StripeCards:
      StripeWebhooks webhooks = StripeWebhooks.builder()
          .billing(billing)
          .cards(cards)
          .verifier(StripeWebhookVerifier.of(webhookSecret))
          .build();
      // README-END
      // spotless:on

      assertThat(saved)
          .isEqualTo(new CardSetupOutcome.DefaultSet(customerId, card, Optional.empty(), false));
      assertThat(removed.detached()).containsExactly(card);
      assertThat(webhooks).isNotNull();
    }
  }

  /** The tenant on the fake's hosted page: presses "Save card". */
  private static void tenantSavesACardOn(URI checkout) throws Exception {
    HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<Void> submitted =
        browser.send(
            HttpRequest.newBuilder(checkout).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.discarding());
    assertThat(submitted.statusCode()).isEqualTo(303);
  }

  @Test
  void theReadmeShowsExactlyThisCode() throws IOException {
    String readme = Files.readString(README);
    int section = readme.indexOf(SECTION);
    assertThat(section).as("a \"Saving a card\" section in README.md").isNotNegative();
    int open = readme.indexOf("```java\n", section);
    assertThat(open).as("a ```java block in that section").isNotNegative();
    int close = readme.indexOf("```\n", open + 8);
    List<String> shown = stripped(readme.substring(open + 8, close));

    String self = Files.readString(SELF);
    String begin = "// README-BEGIN\n";
    int from = self.indexOf(begin) + begin.length();
    int to = self.indexOf("      // README-END\n", from);
    List<String> run = stripped(self.substring(from, to));

    assertThat(run).hasSizeGreaterThan(20);
    assertThat(shown).isEqualTo(run);
  }

  private static List<String> stripped(String code) {
    return code.lines().map(String::strip).toList();
  }
}
