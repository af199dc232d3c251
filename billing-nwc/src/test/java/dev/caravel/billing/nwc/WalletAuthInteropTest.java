package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.LightningWallet.PayOutcome;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.SecretCipher;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.nostr.RelayClient;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The walletauth flow against real peers on 127.0.0.1: our URI read by @getalby/sdk 7.0.0's own
 * {@code NWAClient.parseWalletAuthUrl} (nwa-parse.mjs), and a wallet built on that SDK and
 * nostr-tools (nwa-wallet.mjs, inside wallet.mjs) that accepts it, publishes its kind 13194
 * confirmation on relay.mjs, then pays over the new connection within the budget asked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalletAuthInteropTest {
  private TestRelay relay;
  private TestWalletService wallet;
  private RelayClient pool;
  private NwcWallet service;
  private final List<NwcWallet> opened = new ArrayList<>();
  private final List<String> secrets = new ArrayList<>();

  @BeforeAll
  void startPeers() {
    if (NodePeer.whyUnavailable() != null) {
      return; // each test then skips (or fails on CI) with the reason
    }
    relay = TestRelay.start();
    wallet = TestWalletService.start(relay);
    pool = NwcInteropTest.loopbackPool();
    service = NwcInteropTest.ownWallet(wallet.uri("service"), NwcInteropTest.OPTIONS);
  }

  @AfterAll
  void stopPeers() throws java.io.IOException {
    opened.forEach(NwcWallet::close);
    // No client secret of a request reached a log line.
    java.nio.file.Path log = java.nio.file.Path.of("target/nwc-test.log");
    String logged = java.nio.file.Files.exists(log) ? java.nio.file.Files.readString(log) : "";
    for (String secret : secrets) {
      assertThat(logged).doesNotContain(secret);
    }
    if (service != null) {
      service.close();
      pool.close();
      wallet.close();
      relay.close();
    }
  }

  @BeforeEach
  void peersRun() {
    NodePeer.assumeAvailable();
  }

  WalletAuthRequest request(long maxAmountMsats) {
    WalletAuthRequest request =
        WalletAuthRequest.builder()
            .relay(relay.url())
            .name("Caravel Relays & Co")
            .icon("https://relays.example/icon.png")
            .maxAmountMsats(maxAmountMsats)
            .build();
    secrets.add(request.clientSecretHex());
    return request;
  }

  WalletAuthWaiter waiter() {
    return WalletAuthWaiter.builder().relayPool(pool).budgetTimeout(Duration.ofSeconds(5)).build();
  }

  /** The wallet scans the request and accepts it; {@code options} as nwa-wallet.mjs reads them. */
  JsonNode accept(WalletAuthRequest request, ObjectNode options) {
    ObjectNode cmd = NodePeer.cmd("nwa-accept");
    cmd.setAll(options);
    cmd.put("uri", request.uri());
    JsonNode ack = wallet.peer().command(cmd);
    assertThat(ack.path("error").isMissingNode()).as("accepted: %s", ack).isTrue();
    return ack;
  }

  JsonNode accept(WalletAuthRequest request) {
    return accept(request, NodePeer.JSON.createObjectNode());
  }

  @Test
  void albysOwnParserReadsEveryFieldAsIntended() {
    WalletAuthRequest request = request(42_000_000);
    JsonNode parsed;
    try (NodePeer parser = NodePeer.start("nwa-parse.mjs", request.uri())) {
      parsed = parser.await(l -> l.has("event"), Duration.ofSeconds(30), "a parse result");
    }
    assertThat(parsed.path("event").asText()).as("%s", parsed).isEqualTo("parsed");
    JsonNode options = parsed.path("options");
    assertThat(options.path("appPubkey").asText()).isEqualTo(request.clientPubkey());
    assertThat(options.path("relayUrls").get(0).asText()).isEqualTo(relay.url());
    assertThat(options.path("relayUrls").size()).isEqualTo(1);
    assertThat(texts(options.path("requestMethods"))).containsExactly("pay_invoice", "get_budget");
    assertThat(texts(options.path("notificationTypes"))).containsExactly("payment_sent");
    assertThat(options.path("maxAmount").asLong()).isEqualTo(42_000_000);
    assertThat(options.path("budgetRenewal").asText()).isEqualTo("monthly");
    assertThat(options.path("name").asText()).isEqualTo("Caravel Relays & Co");
    assertThat(options.path("icon").asText()).isEqualTo("https://relays.example/icon.png");
    assertThat(options.path("isolated").asBoolean()).isFalse();
    assertThat(options.has("expiresAt")).isFalse();
    // What SDK 7.0.0 does not read itself, read by the same URL class: NWC-08's names.
    assertThat(parsed.path("query").path("state").asText()).isEqualTo(request.state());
    assertThat(parsed.path("query").path("renewal_period").asText()).isEqualTo("monthly");
  }

  @Test
  void ourParserReadsTheUriAlbysOwnClientWrites() {
    String options =
        "{\"relayUrls\":[\"wss://relay.example.com/v1\",\"wss://two.example.org\"],"
            + "\"requestMethods\":[\"pay_invoice\",\"get_budget\"],\"name\":\"Some App\","
            + "\"icon\":\"https://app.example/i.png\",\"notificationTypes\":[\"payment_sent\"],"
            + "\"maxAmount\":21000,\"budgetRenewal\":\"weekly\",\"expiresAt\":1900000000}";
    JsonNode made;
    try (NodePeer maker = NodePeer.start("nwa-parse.mjs", "--make", options)) {
      made = maker.await(l -> l.has("event"), Duration.ofSeconds(30), "a made URI");
    }
    assertThat(made.path("event").asText()).as("%s", made).isEqualTo("made");

    WalletAuthUri read = WalletAuthUri.parse(made.path("uri").asText());
    assertThat(read.clientPubkey()).isEqualTo(made.path("appPubkey").asText());
    assertThat(read.relays())
        .containsExactly(
            URI.create("wss://relay.example.com/v1"), URI.create("wss://two.example.org"));
    assertThat(read.requestMethods()).containsExactly("pay_invoice", "get_budget");
    assertThat(read.notificationTypes()).containsExactly("payment_sent");
    assertThat(read.name()).contains("Some App");
    assertThat(read.icon()).contains("https://app.example/i.png");
    assertThat(read.maxAmountMsats()).hasValue(21_000);
    assertThat(read.budgetRenewal()).contains(BudgetRenewal.WEEKLY);
    assertThat(read.expiresAt()).contains(Instant.ofEpochSecond(1_900_000_000L));
    assertThat(read.state()).isEmpty(); // SDK 7.0.0 writes none
  }

  @Test
  void theWalletsConfirmationMakesAConnectionThatPaysWithinItsBudget() throws Exception {
    WalletAuthRequest request = request(30_000);
    // Waiting starts before the tenant scans, as on the page.
    CompletableFuture<WalletAuthResult> waiting =
        CompletableFuture.supplyAsync(() -> waiter().await(request, Duration.ofSeconds(30)));
    JsonNode accepted = accept(request);

    WalletAuthResult result = waiting.get(40, TimeUnit.SECONDS);
    assertThat(result).isInstanceOf(WalletAuthResult.Connected.class);
    WalletAuthResult.Connected connected = (WalletAuthResult.Connected) result;
    assertThat(connected.uri().walletPubkey()).isEqualTo(accepted.path("walletPubkey").asText());
    assertThat(connected.uri().relays()).containsExactly(URI.create(relay.url()));
    assertThat(connected.methods()).contains("pay_invoice", "get_budget");
    assertThat(connected.canPay()).isTrue();
    NwcBudget told = connected.budget().orElseThrow();
    assertThat(told.totalMsats()).isEqualTo(30_000);
    assertThat(told.usedMsats()).isZero();
    assertThat(told.renewal()).contains(BudgetRenewal.MONTHLY);
    assertThat(connected.toString()).doesNotContain(request.clientSecretHex());
    assertThat(connected.connectionUri()).contains("secret=" + request.clientSecretHex());

    NwcWallet tenant = NwcInteropTest.ownWallet(connected.connectionUri(), NwcInteropTest.OPTIONS);
    opened.add(tenant);
    LightningInvoice first = service.makeInvoice(21_000, "Caravel invoice 1", Duration.ofHours(1));
    assertThat(tenant.payInvoice(first.bolt11())).isInstanceOf(PayOutcome.Paid.class);
    assertThat(service.isSettled(first.bolt11())).isTrue();

    // 21,000 more would pass the 30,000-msat budget: get_budget says so, and the payment is
    // refused here, for certain, without a pay_invoice sent.
    LightningInvoice second = service.makeInvoice(21_000, "Caravel invoice 2", Duration.ofHours(1));
    int mark = wallet.peer().mark();
    assertThat(tenant.payInvoice(second.bolt11()))
        .isInstanceOfSatisfying(
            PayOutcome.Failed.class,
            f -> {
              assertThat(f.code()).isEqualTo("QUOTA_EXCEEDED");
              assertThat(f.message()).contains("9000 of 30000 msats left");
            });
    assertThat(service.isSettled(second.bolt11())).isFalse();
    assertThat(methodsAsked(mark, accepted)).containsExactly("get_budget");
    NwcBudget after = tenant.getBudget().orElseThrow();
    assertThat(after.usedMsats()).isEqualTo(21_000);
    assertThat(after.remainingMsats()).isEqualTo(9_000);
    assertThat(after.allows(second.msats())).isFalse();
  }

  /** Without get_budget granted, nothing is checked here: the wallet enforces its budget. */
  @Test
  void aConnectionWithoutGetBudgetIsRefusedByTheWalletItself() throws Exception {
    WalletAuthRequest request =
        WalletAuthRequest.builder()
            .relay(relay.url())
            .name("Caravel Relays")
            .requestMethods("pay_invoice")
            .maxAmountMsats(30_000)
            .build();
    secrets.add(request.clientSecretHex());
    JsonNode accepted = accept(request);
    WalletAuthResult.Connected connected =
        (WalletAuthResult.Connected) waiter().await(request, Duration.ofSeconds(20));
    assertThat(connected.methods()).doesNotContain("get_budget");
    assertThat(connected.budget()).isEmpty();
    NwcWallet tenant = NwcInteropTest.ownWallet(connected.connectionUri(), NwcInteropTest.OPTIONS);
    opened.add(tenant);
    LightningInvoice first = service.makeInvoice(21_000, "Caravel invoice 3", Duration.ofHours(1));
    assertThat(tenant.payInvoice(first.bolt11())).isInstanceOf(PayOutcome.Paid.class);

    LightningInvoice second = service.makeInvoice(21_000, "Caravel invoice 4", Duration.ofHours(1));
    int mark = wallet.peer().mark();
    assertThat(tenant.payInvoice(second.bolt11()))
        .isInstanceOfSatisfying(
            PayOutcome.Failed.class,
            f -> {
              assertThat(f.code()).isEqualTo("QUOTA_EXCEEDED");
              assertThat(f.message()).contains("budget of 30000 msats is spent");
            });
    assertThat(methodsAsked(mark, accepted)).containsExactly("pay_invoice");
  }

  /** The methods the walletauth connection {@code accepted} was asked since {@code mark}. */
  private List<String> methodsAsked(int mark, JsonNode accepted) {
    // The wallet logs each request as it answers it: the list is read once it has stayed the same
    // for 300 ms, so a late line is not missed (a deadline, not a blind sleep).
    java.util.concurrent.atomic.AtomicReference<List<String>> last =
        new java.util.concurrent.atomic.AtomicReference<>();
    Awaitility.await("the wallet's request lines settle")
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              List<String> now = methodsLogged(mark, accepted);
              return now.equals(last.getAndSet(now));
            });
    return last.get();
  }

  private List<String> methodsLogged(int mark, JsonNode accepted) {
    String conn = accepted.path("conn").asText();
    return wallet.peer().linesSince(mark).stream()
        .filter(l -> "request".equals(l.path("event").asText()))
        .filter(l -> conn.equals(l.path("conn").asText()))
        .map(l -> l.path("method").asText())
        .toList();
  }

  /**
   * The engine (billing-core, as it stands) with this connection: an invoice past the budget is
   * refused QUOTA_EXCEEDED by the wallet, and the round moves on to the saved card.
   */
  @Test
  void anExhaustedBudgetMovesTheEnginesRoundOnToTheCard() throws Exception {
    WalletAuthRequest request = request(10_000); // 10 sats: less than the invoice below
    JsonNode accepted = accept(request);
    WalletAuthResult.Connected connected =
        (WalletAuthResult.Connected) waiter().await(request, Duration.ofSeconds(20));
    List<PaymentGateway.ChargeRequest> charged = new ArrayList<>();
    PaymentGateway card =
        new PaymentGateway() {
          @Override
          public Optional<String> savedPaymentMethod(String customerId) {
            return Optional.of("pm_card_visa");
          }

          @Override
          public ChargeOutcome charge(ChargeRequest charge) {
            charged.add(charge);
            return new ChargeOutcome.Paid("ch_" + charged.size());
          }
        };
    try (NwcWalletConnector tenants = NwcWalletConnector.builder().relayPool(pool).build()) {
      Billing billing =
          Billing.builder()
              .repository(new InMemoryRepository())
              .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
              .serviceWallet(service)
              .walletConnector(tenants)
              .paymentGateway(card)
              .exchangeRates((cents, currency) -> cents * 43 + 7) // $5.00: 21,507 msats
              .cipher(SecretCipher.aesGcm(new byte[32]))
              .appUrl("https://relays.example")
              .build();
      String tenant = "c".repeat(64);
      billing.saveTenant(tenant, connected.connectionUri(), "cus_1");
      billing.record(
          Activity.create(
              "e1",
              tenant,
              "r1",
              "basic",
              Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(5)));
      String invoiceId = billing.generateInvoice(tenant).orElseThrow().id();
      int mark = wallet.peer().mark();

      assertThat(billing.collect(invoiceId)).isInstanceOf(PaymentResult.Paid.class);

      // get_budget said 10,000 msats: the 22,000-msat BOLT11 was never sent to the wallet.
      assertThat(methodsAsked(mark, accepted)).containsExactly("get_budget");
      assertThat(billing.invoice(invoiceId).orElseThrow().payment().orElseThrow().method())
          .isEqualTo(PaymentMethod.STRIPE);
      assertThat(charged).hasSize(1);
      assertThat(charged.get(0).amount()).isEqualTo(500);
    }
  }

  @Test
  void confirmationsWithAnotherStateOrNoneAreIgnoredAndTheRealOneWins() throws Exception {
    WalletAuthRequest request = request(50_000);
    CompletableFuture<WalletAuthResult> waiting =
        CompletableFuture.supplyAsync(() -> waiter().await(request, Duration.ofSeconds(30)));
    ObjectNode wrongState = NodePeer.JSON.createObjectNode().put("state", "00".repeat(16));
    JsonNode forged = accept(request, wrongState);
    JsonNode stateless = accept(request, NodePeer.JSON.createObjectNode().put("omitState", true));
    // No confirmation yet: the wait stays open for half a second after both were published.
    Awaitility.await("no confirmation yet")
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !waiting.isDone());
    assertThat(waiting).as("no confirmation yet").isNotDone();

    JsonNode real = accept(request);
    WalletAuthResult result = waiting.get(40, TimeUnit.SECONDS);

    assertThat(result)
        .isInstanceOfSatisfying(
            WalletAuthResult.Connected.class,
            c ->
                assertThat(c.uri().walletPubkey())
                    .isEqualTo(real.path("walletPubkey").asText())
                    .isNotEqualTo(forged.path("walletPubkey").asText())
                    .isNotEqualTo(stateless.path("walletPubkey").asText()));
  }

  @Test
  void noConfirmationBeforeTheDeadlineIsATimeout() {
    WalletAuthRequest request = request(50_000);
    // Only a wallet that echoes another state answers.
    accept(request, NodePeer.JSON.createObjectNode().put("state", "ab".repeat(16)));
    long start = System.nanoTime();
    WalletAuthResult result = waiter().await(request, Duration.ofMillis(1500));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(result).isEqualTo(new WalletAuthResult.TimedOut(Duration.ofMillis(1500)));
    assertThat(tookMillis).isBetween(1400L, 10_000L);
  }

  @Test
  void aRelayThePoolRefusesEndsTheWaitAtOnceAndIsNeverDialled() {
    WalletAuthRequest request = request(50_000);
    int mark = relay.peer().mark();
    long start = System.nanoTime();
    // The waiter's own pool keeps the default rules: no ws://, no loopback.
    NwcException refused =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            NwcException.class,
            () -> WalletAuthWaiter.builder().build().await(request, Duration.ofSeconds(60)));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(refused.error()).isEqualTo(NwcException.Code.NOT_DELIVERED);
    assertThat(refused.getMessage()).doesNotContain(request.clientSecretHex());
    assertThat(tookMillis).isLessThan(10_000);
    assertThat(relay.peer().linesSince(mark))
        .noneMatch(l -> "req".equals(l.path("event").asText()));
  }

  @Test
  void aPastedUriIsCheckedAsNwcCheckDoesUnderTheTenantAddressRules() {
    NwcConnectionCheck onLoopback =
        NwcConnectionCheck.builder().relayPool(pool).timeout(Duration.ofSeconds(10)).build();

    NwcConnectionCheck.Result tenant =
        onLoopback.check(wallet.uri("tenant"), NwcConnectionCheck.Use.TENANT_WALLET);
    assertThat(tenant)
        .isInstanceOfSatisfying(
            NwcConnectionCheck.Usable.class,
            u -> {
              assertThat(u.info().methods()).contains("pay_invoice");
              assertThat(u.uri().walletPubkey()).isEqualTo(wallet.walletPubkey("tenant"));
            });
    assertThat(onLoopback.check(wallet.uri("service"), NwcConnectionCheck.Use.SERVICE_WALLET))
        .isInstanceOf(NwcConnectionCheck.Usable.class);
    assertThat(onLoopback.check(wallet.uri("restricted"), NwcConnectionCheck.Use.TENANT_WALLET))
        .isEqualTo(
            new NwcConnectionCheck.Unusable(
                NwcConnectionCheck.Step.SERVES,
                "NOT_IMPLEMENTED",
                "the connection does not offer pay_invoice"));
    NwcConnectionCheck.Result malformed =
        onLoopback.check("nostr+walletconnect://nope", NwcConnectionCheck.Use.TENANT_WALLET);
    assertThat(malformed)
        .isInstanceOfSatisfying(
            NwcConnectionCheck.Unusable.class,
            u -> {
              assertThat(u.step()).isEqualTo(NwcConnectionCheck.Step.URI);
              assertThat(u.code()).isEqualTo("INVALID_INPUT");
            });

    // Without the host's pool, the default rules hold: ws://127.0.0.1 is never dialled.
    NwcConnectionCheck.Result refused =
        NwcConnectionCheck.builder()
            .timeout(Duration.ofSeconds(3))
            .build()
            .check(wallet.uri("tenant"), NwcConnectionCheck.Use.TENANT_WALLET);
    assertThat(refused)
        .isInstanceOfSatisfying(
            NwcConnectionCheck.Unusable.class,
            u -> {
              assertThat(u.step()).isEqualTo(NwcConnectionCheck.Step.INFO);
              assertThat(u.code()).isEqualTo("NOT_DELIVERED");
              assertThat(u.message()).doesNotContain(wallet.secret("tenant"));
            });
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
