package dev.caravel.billing.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.spring.StreamingPost.Answer;
import dev.caravel.billing.spring.StreamingPost.PaddedBody;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * The webhook's body cap over a real Tomcat on 127.0.0.1, attacked as issue 22 found it: a 50 MB
 * POST, and a chunked one past the cap. Each body is a correctly signed {@code
 * payment_intent.succeeded} for an unpaid invoice, padded with spaces (still JSON), so that if the
 * endpoint ever read it, it would settle the invoice: the invoice staying unpaid shows nothing
 * changed. A Tomcat valve counts the bytes the application read of each request (Tomcat's own
 * count, below every filter); the client counts the bytes the server let it send. The cap is the
 * default.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "spring.datasource.url=jdbc:h2:mem:webhook-cap;DB_CLOSE_DELAY=-1",
      "caravel.billing.app-url=https://relays.example",
      "caravel.billing.plans[0].id=basic",
      "caravel.billing.plans[0].name=Basic",
      "caravel.billing.plans[0].price=500",
      "caravel.billing.poll.enabled=false",
      "caravel.billing.stripe.webhook-secret=" + StripeWebhookBodyCapTest.SECRET
    })
class StripeWebhookBodyCapTest {
  static final String SECRET = "whsec_body_cap_test";
  private static final String PATH = "/caravel/stripe/webhook";
  private static final long CAP = 1024 * 1024;
  private static final long FIFTY_MB = 50L * 1024 * 1024;

  /**
   * What a client can push past a server that reads nothing of the body: Tomcat's drain of an
   * aborted upload so the client sees the 413 (max-swallow-size, 2 MiB), the server's socket
   * receive buffer (which Linux grows while Tomcat drains) and the client's 64 KiB send buffer;
   * and, chunked, the cap the application read. Measured: 2.7 MB and 5 MB of the 50 MB.
   */
  private static final long SENT_AT_MOST = 16 * CAP;

  /** Tomcat reads the connection in buffers of 8 KiB; the filter asks for the cap and one byte. */
  private static final long READ_PAST_THE_CAP_AT_MOST = 64 * 1024;

  /** The host application, with a valve that records what the application read of each body. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class Host {
    /** Each probe's count, completed by the valve once Tomcat is done with the request. */
    static final Map<String, CompletableFuture<Long>> BYTES_READ = new ConcurrentHashMap<>();

    static CompletableFuture<Long> bytesRead(String probe) {
      return BYTES_READ.computeIfAbsent(probe, p -> new CompletableFuture<>());
    }

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> countBodyBytesRead() {
      return factory ->
          factory.addContextValves(
              new ValveBase() {
                @Override
                public void invoke(Request request, Response response)
                    throws IOException, jakarta.servlet.ServletException {
                  try {
                    getNext().invoke(request, response);
                  } finally {
                    String probe = request.getHeader("X-Probe");
                    if (probe != null) {
                      bytesRead(probe).complete(request.getCoyoteRequest().getBytesRead());
                    }
                  }
                }
              });
    }
  }

  @LocalServerPort int port;
  @Autowired Billing billing;

  @Test
  void aSignedFiftyMegabyteBodyIsRefusedWith413AndNeverRead() throws Exception {
    Invoice invoice = unpaidInvoice("c");
    PaddedBody body = PaddedBody.of(succeeded(invoice, "pi_big"), FIFTY_MB);

    Answer answer = post("fifty-mb", body, false);

    assertThat(answer.status()).isEqualTo(413);
    assertThat(answer.body()).isEqualTo("request body over 1048576 bytes\n");
    assertThat(bytesRead("fifty-mb")).isZero();
    assertThat(answer.bodyBytesSent()).isLessThan(SENT_AT_MOST);
    assertThat(billing.invoice(invoice.id()).orElseThrow().isPaid()).isFalse();
  }

  @Test
  void aSignedChunkedBodyPastTheCapIsRefusedWith413AsItPassesTheCap() throws Exception {
    Invoice invoice = unpaidInvoice("d");
    PaddedBody body = PaddedBody.of(succeeded(invoice, "pi_chunked"), FIFTY_MB);

    Answer answer = post("chunked", body, true);

    assertThat(answer.status()).isEqualTo(413);
    assertThat(bytesRead("chunked"))
        .isGreaterThan(CAP)
        .isLessThanOrEqualTo(CAP + READ_PAST_THE_CAP_AT_MOST);
    assertThat(answer.bodyBytesSent()).isLessThan(SENT_AT_MOST);
    assertThat(billing.invoice(invoice.id()).orElseThrow().isPaid()).isFalse();
  }

  @Test
  void aSignedEventWithinTheCapStillSettlesTheInvoiceChunkedOrNot() throws Exception {
    Invoice invoice = unpaidInvoice("e");
    String event = succeeded(invoice, "pi_small");

    Answer chunked = post("small-chunked", PaddedBody.of(event, event.length()), true);
    assertThat(chunked.status()).isEqualTo(200);
    assertThat(chunked.body()).isEqualTo("APPLIED");
    assertThat(billing.invoice(invoice.id()).orElseThrow().isPaid()).isTrue();

    // Right at the cap, with a Content-Length: read whole, and Stripe's redelivery is known.
    Answer atTheCap = post("at-the-cap", PaddedBody.of(event, CAP), false);
    assertThat(atTheCap.status()).isEqualTo(200);
    assertThat(atTheCap.body()).isEqualTo("DUPLICATE");
    assertThat(bytesRead("at-the-cap")).isEqualTo(CAP);
  }

  /** What the application read of the probe's body; the valve records it once Tomcat is done. */
  private static Long bytesRead(String probe) throws Exception {
    return Host.bytesRead(probe).get(10, TimeUnit.SECONDS);
  }

  private Answer post(String probe, PaddedBody body, boolean chunked) throws Exception {
    return StreamingPost.send(
        port,
        PATH,
        Map.of(
            "Content-Type", "application/json", "Stripe-Signature", sign(body), "X-Probe", probe),
        body,
        chunked);
  }

  private Invoice unpaidInvoice(String tenantDigit) {
    String tenant = tenantDigit.repeat(64);
    billing.record(
        Activity.create(
            "evt-cap-" + tenantDigit,
            tenant,
            "relay-1",
            "basic",
            Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    Invoice invoice = billing.generateInvoice(tenant).orElseThrow();
    assertThat(invoice.isPaid()).isFalse();
    return invoice;
  }

  private static String succeeded(Invoice invoice, String intent) {
    return """
        {"id":"evt_%s","object":"event","type":"payment_intent.succeeded","livemode":false,
         "api_version":"2024-06-20",
         "data":{"object":{"id":"%s","object":"payment_intent","amount":500,"currency":"usd",
           "status":"succeeded","metadata":{"invoice_id":"%s","round":"1"}}}}"""
        .formatted(intent, intent, invoice.id());
  }

  /** Stripe's signature over the whole padded body, computed a buffer at a time. */
  private static String sign(PaddedBody body) throws Exception {
    long t = Instant.now().getEpochSecond();
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
    body.update(mac);
    return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal());
  }
}
