package dev.caravel.billing.stripe.fake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's snippet against the fake: the code between the markers below is the README's
 * ```java block, line for line (indentation aside), and {@link #theReadmeShowsExactlyThisCode}
 * keeps them so. Surefire runs with assertions enabled, so the snippet's {@code assert}s are real.
 */
class ReadmeSnippetTest {
  private static final Path README = Path.of("README.md");
  private static final Path SELF =
      Path.of("src/test/java/dev/caravel/billing/stripe/fake/ReadmeSnippetTest.java");

  @Test
  void theSnippetRuns() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String sessionId;
    URI page;
    HttpResponse<String> unknown;
    HttpResponse<String> replayed;
    // spotless:off (the README shows these lines as they are here)
    // README-BEGIN
    try (FakeStripe stripe = FakeStripe.start()) { // 127.0.0.1, a free port
      stripe.customer("cus_Tenant", null);          // a customer with no card yet
      // Point the code under test at stripe.uri() with the key FakeStripe.API_KEY, e.g.
      // StripeGateway.builder().apiKey(FakeStripe.API_KEY).baseUri(stripe.uri()); here, plain HTTP:
      HttpClient http = HttpClient.newHttpClient(); // follows no redirects
      HttpRequest.Builder post = HttpRequest.newBuilder(stripe.uri().resolve("/v1/checkout/sessions"))
          .header("Authorization", "Bearer " + FakeStripe.API_KEY)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("Idempotency-Key", "setup-1");
      String form = "mode=setup&customer=cus_Tenant&payment_method_types%5B0%5D=card"
          + "&success_url=https%3A%2F%2Frelays.example%2Faccount%3Fsession%3D%7BCHECKOUT_SESSION_ID%7D"
          + "&cancel_url=https%3A%2F%2Frelays.example%2Faccount";
      HttpResponse<String> created = http.send(post.POST(BodyPublishers.ofString(form)).build(), BodyHandlers.ofString());
      sessionId = json.readTree(created.body()).get("id").asText();
      page = stripe.checkout().hostedPage(sessionId); // the session's "url": a plain HTML form, no JavaScript

      // The same key and the same parameters: Stripe's saved answer, replayed.
      replayed = http.send(post.POST(BodyPublishers.ofString(form)).build(), BodyHandlers.ofString());
      assert replayed.headers().firstValue("Idempotent-Replayed").orElseThrow().equals("true");

      // The tenant presses "Save card": a new card on the customer, checkout.session.completed sent
      // (signed) to stripe.checkout().webhooks(uri, secret) if set, then 303 to success_url.
      HttpResponse<Void> saved = http.send(HttpRequest.newBuilder(page).POST(BodyPublishers.noBody()).build(), BodyHandlers.discarding());
      assert saved.statusCode() == 303;
      assert saved.headers().firstValue("Location").orElseThrow()
          .equals("https://relays.example/account?session=" + sessionId);
      assert stripe.findCustomer("cus_Tenant").orElseThrow().cards().size() == 1;
      assert stripe.checkout().events().size() == 1;

      // A parameter that Stripe's OpenAPI spec does not list is refused as Stripe refuses it.
      unknown = http.send(HttpRequest.newBuilder(stripe.uri().resolve("/v1/payment_intents"))
          .header("Authorization", "Bearer " + FakeStripe.API_KEY)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(BodyPublishers.ofString("amount=500&currency=usd&colour=red")).build(), BodyHandlers.ofString());
      assert unknown.statusCode() == 400; // invalid_request_error, parameter_unknown, param "colour"
    }
    // README-END
    // spotless:on

    JsonNode error = json.readTree(unknown.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("code").asText()).isEqualTo("parameter_unknown");
    assertThat(error.path("param").asText()).isEqualTo("colour");
    assertThat(json.readTree(replayed.body()).get("id").asText()).isEqualTo(sessionId);
    assertThat(page.toString()).endsWith("/c/pay/" + sessionId);
  }

  @Test
  void theReadmeShowsExactlyThisCode() throws IOException {
    String readme = Files.readString(README);
    int open = readme.indexOf("```java\n");
    assertThat(open).as("a ```java block in README.md").isNotNegative();
    int close = readme.indexOf("```\n", open + 8);
    List<String> shown = stripped(readme.substring(open + 8, close));

    String self = Files.readString(SELF);
    String begin = "// README-BEGIN\n";
    int from = self.indexOf(begin) + begin.length();
    int to = self.indexOf("    // README-END\n", from);
    List<String> run = stripped(self.substring(from, to));

    assertThat(run).hasSizeGreaterThan(20);
    assertThat(shown).isEqualTo(run);
  }

  private static List<String> stripped(String code) {
    return code.lines().map(String::strip).toList();
  }
}
