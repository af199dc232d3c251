package dev.caravel.billing.examples.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.Billing;
import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.nwc.WalletAuthUri;
import dev.caravel.billing.stripe.StripeGateway;
import dev.caravel.billing.stripe.fake.FakeStripe;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
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
 * Issue 24's wallet, end to end: the seeded tenant connects a wallet from its page in chromium by
 * scanning a code (NWC-08 walletauth), a wallet peer on 127.0.0.1 (billing-nwc's, built on
 * {@code @getalby/sdk} and nostr-tools, over a real {@code @nostr-relay/core} relay) accepts the
 * request and publishes its confirmation, the next poll pays the open invoice from that wallet, and
 * once the budget the request asked is spent the next invoice is charged to the card instead (the
 * real StripeGateway on the strict fake). The starter's real Lightning rail is wired, from {@code
 * caravel.billing.nwc.service-uri}; the demo rails are off.
 */
@ActiveProfiles(DemoCipherKeyGuard.DEMO_PROFILE) // the demo key and link secret
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
    properties = {"host.demo-rails=false"})
class ChromiumWalletAuthTest {
  static final FakeStripe STRIPE = FakeStripe.start();
  static final int PORT = freePort();

  /** 1 cent = 20 sats: the seeded $5.00 invoice is 10,000 sats, the budget asked 20,000. */
  static final long MSATS_PER_CENT = 20_000;

  static NodeProcess relay;
  static NodeProcess wallet;

  @DynamicPropertySource
  static void peers(DynamicPropertyRegistry registry) throws IOException {
    registry.add("server.port", () -> PORT);
    registry.add("caravel.billing.app-url", () -> "http://127.0.0.1:" + PORT);
    if (NodeProcess.whyUnavailable() != null) {
      return; // the test then skips, or fails on CI, saying why
    }
    relay = NodeProcess.start("relay.mjs", "--port", "0");
    int port =
        relay
            .await(l -> "listening".equals(l.path("event").asText()), Duration.ofSeconds(30))
            .path("port")
            .asInt();
    String relayUrl = "ws://127.0.0.1:" + port;
    wallet = NodeProcess.start("wallet.mjs", "--relay", relayUrl);
    JsonNode ready =
        wallet.await(l -> "ready".equals(l.path("event").asText()), Duration.ofSeconds(60));
    registry.add(
        "caravel.billing.nwc.service-uri", () -> ready.path("uris").path("service").asText());
    registry.add("caravel.billing.account-page.wallet-relays", () -> relayUrl);
  }

  @TestConfiguration
  static class Rails {
    @Bean
    StripeGateway gateway() {
      return StripeGateway.builder()
          .apiKey(FakeStripe.API_KEY)
          .baseUri(STRIPE.uri())
          .requestTimeout(Duration.ofSeconds(5))
          .sleeper(d -> {})
          .build();
    }

    @Bean
    ExchangeRates rates() {
      return (minor, currency) -> minor * MSATS_PER_CENT;
    }
  }

  @AfterAll
  static void stop() {
    if (wallet != null) {
      wallet.close();
      relay.close();
    }
    STRIPE.close();
  }

  @Autowired Billing billing;
  @Autowired DemoSeed seed;

  @BeforeEach
  void peersAvailable() {
    NodeBrowser.assumeAvailable();
    String missing = NodeProcess.whyUnavailable();
    if (missing != null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("the wallet test cannot run on CI: " + missing);
      }
      Assumptions.abort(missing);
    }
  }

  @Test
  void aWalletConnectedByScanningPaysTheNextPollAndTheCardTakesOverOnceItsBudgetIsSpent()
      throws Exception {
    String tenant = DemoSeed.TENANT;
    STRIPE.customer(DemoSeed.CUSTOMER, "pm_demo_card", "pm_demo_card");
    String page = billing.accountLink(tenant);

    // 1. The tenant presses "Connect a wallet": the page shows the request as a code and a link.
    JsonNode started = NodeBrowser.run("connect.mjs", "start", page, NodeBrowser.OUT.toString());
    assertThat(started.get("refused").get(0).get("status").asInt())
        .as("Connect a wallet without its link token")
        .isEqualTo(404);
    assertThat(started.get("requestAfterRefusal").asInt()).as("no request started").isZero();
    assertThat(started.get("qrVisible").asBoolean()).isTrue();
    String request = started.get("request").asText();
    WalletAuthUri asked = WalletAuthUri.parse(request);
    assertThat(asked.maxAmountMsats()).hasValue(2 * 500 * MSATS_PER_CENT);
    assertThat(asked.requestMethods()).containsExactly("pay_invoice", "get_budget");

    // 2. Their wallet (the peer) accepts it and confirms on the relay; the page says connected.
    ObjectNode accept =
        NodeBrowser.JSON.createObjectNode().put("cmd", "nwa-accept").put("uri", request);
    JsonNode ack = wallet.command(accept, Duration.ofSeconds(60));
    assertThat(ack.has("error")).as("the wallet accepted: %s", ack).isFalse();
    // The confirmation reaches the engine on the request's own thread: awaited, with a deadline.
    Awaitility.await("the confirmation stored the wallet")
        .atMost(Duration.ofSeconds(30))
        .until(() -> billing.walletConnected(tenant));
    JsonNode checked = NodeBrowser.run("connect.mjs", "check", page, NodeBrowser.OUT.toString());
    assertThat(checked.get("refused").get(0).get("status").asInt())
        .as("Disconnect wallet without its link token")
        .isEqualTo(404);
    assertThat(checked.get("wallet").asText()).startsWith("A wallet is connected");
    assertThat(checked.get("disconnectOffered").asBoolean()).isTrue();

    // 3. The next poll pays the open invoice ($5.00, 10,000 sats) from that wallet.
    String first = seed.invoiceId();
    billing.runCycle();
    assertThat(billing.invoice(first).orElseThrow().payment().orElseThrow().method())
        .isEqualTo(PaymentMethod.NWC);
    assertThat(STRIPE.charges()).isZero();

    // 4. A $6.00 invoice (12,000 sats) is more than the 10,000 sats the budget has left: the
    // wallet's budget says so, and the card pays it.
    billing.charge(tenant, 600, "Extra relay storage", "extra-storage-1");
    Invoice second = billing.generateInvoice(tenant).orElseThrow();
    billing.runCycle();
    assertThat(billing.invoice(second.id()).orElseThrow().payment().orElseThrow().method())
        .isEqualTo(PaymentMethod.STRIPE);
    assertThat(STRIPE.charges()).isEqualTo(1);

    assertThat(started.get("errors")).isEmpty();
    assertThat(started.get("blocked")).isEmpty();
    assertThat(URI.create(page).getHost()).isEqualTo("127.0.0.1");
  }

  private static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
