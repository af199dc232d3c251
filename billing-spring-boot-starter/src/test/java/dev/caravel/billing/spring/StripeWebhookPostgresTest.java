package dev.caravel.billing.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.jdbc.JdbcRepository;
import dev.caravel.billing.spi.Repository;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter in a real Spring Boot application on embedded PostgreSQL, beside the host's own
 * Flyway (its V1 in Spring's default location) and migrated by billing's own: Stripe posts a signed
 * {@code payment_intent.succeeded} to the endpoint and the invoice is settled.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "caravel.billing.app-url=https://relays.example",
      "caravel.billing.plans[0].id=basic",
      "caravel.billing.plans[0].name=Basic",
      "caravel.billing.plans[0].price=500",
      "caravel.billing.poll.enabled=false",
      "caravel.billing.stripe.webhook-secret=" + StripeWebhookPostgresTest.SECRET,
      "caravel.billing.stripe.webhook-path=/hooks/stripe"
    })
class StripeWebhookPostgresTest {
  static final String SECRET = "whsec_postgres_test";
  private static final String TENANT = "b".repeat(64);
  private static EmbeddedPostgres postgres;

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    try {
      postgres =
          EmbeddedPostgres.builder()
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "off")
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
    registry.add("spring.datasource.url", () -> postgres.getJdbcUrl("postgres", "postgres"));
  }

  @AfterAll
  static void stop() throws IOException {
    if (postgres != null) {
      postgres.close();
    }
  }

  /** The host application: auto-configuration only (no scan of this package's test configs). */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class Host {}

  @LocalServerPort int port;
  @Autowired Billing billing;
  @Autowired Repository repository;
  @Autowired BillingSchema schema;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aSignedWebhookSettlesTheInvoice() throws Exception {
    assertThat(repository).isInstanceOf(JdbcRepository.class);
    assertThat(schema.migratedBy()).isEqualTo(BillingSchema.FLYWAY);
    billing.record(
        Activity.create(
            "evt-pg-1", TENANT, "relay-1", "basic", Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    Invoice invoice = billing.generateInvoice(TENANT).orElseThrow();
    assertThat(invoice.isPaid()).isFalse();

    String payload =
        """
        {"id":"evt_pg_1","object":"event","type":"payment_intent.succeeded","livemode":false,
         "api_version":"2024-06-20",
         "data":{"object":{"id":"pi_pg_1","object":"payment_intent","amount":500,"currency":"usd",
           "status":"succeeded","metadata":{"invoice_id":"%s","round":"1"}}}}"""
            .formatted(invoice.id());

    // A forged signature is refused and changes nothing.
    HttpResponse<String> forged = post(payload, sign("whsec_other", payload));
    assertThat(forged.statusCode()).isEqualTo(400);
    assertThat(billing.invoice(invoice.id()).orElseThrow().isPaid()).isFalse();

    HttpResponse<String> ok = post(payload, sign(SECRET, payload));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("APPLIED");

    Invoice paid = billing.invoice(invoice.id()).orElseThrow();
    assertThat(paid.payment().orElseThrow().method()).isEqualTo(PaymentMethod.STRIPE);
    assertThat(paid.payment().orElseThrow().reference()).isEqualTo("pi_pg_1");

    // Stripe redelivers: one payment still.
    HttpResponse<String> again = post(payload, sign(SECRET, payload));
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).isEqualTo("DUPLICATE");
  }

  private HttpResponse<String> post(String payload, String signature) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hooks/stripe"))
            .header("Content-Type", "application/json")
            .header("Stripe-Signature", signature)
            .POST(HttpRequest.BodyPublishers.ofString(payload))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static String sign(String secret, String payload) throws Exception {
    long t = Instant.now().getEpochSecond();
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] sig = mac.doFinal((t + "." + payload).getBytes(StandardCharsets.UTF_8));
    return "t=" + t + ",v1=" + HexFormat.of().formatHex(sig);
  }
}
