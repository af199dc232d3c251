package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.LightningWallet.PayOutcome;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.SecretCipher;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.nostr.Event;
import dev.caravel.billing.nostr.Filter;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.NostrMessenger;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nostr.Subscription;
import dev.caravel.billing.nostr.SubscriptionListener;
import dev.caravel.billing.nostr.protocol.Nip17;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * NWC against relays and wallets set up as public ones are: @getalby/sdk 7.0.0's NWCWalletService
 * over @nostr-relay/core, with relay.mjs's gate capping subscriptions at 20 (and, in one test,
 * demanding NIP-42 AUTH) and wallet.mjs's switches for whole-sat invoices, capped expiry,
 * RATE_LIMITED, a restricted connection and payment_received notifications.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NwcInTheWildTest {
  private TestRelay relay;
  private TestWalletService wallet;
  private RelayClient pool;

  @BeforeAll
  void startPeers() {
    if (NodePeer.whyUnavailable() != null) {
      return;
    }
    relay = TestRelay.start("--max-subs", "20");
    wallet = TestWalletService.start(relay);
    pool = NwcInteropTest.loopbackPool();
  }

  @AfterAll
  void stopPeers() {
    if (pool != null) {
      pool.close();
      wallet.close();
      relay.close();
    }
  }

  @BeforeEach
  void normal() {
    NodePeer.assumeAvailable();
    wallet.normal();
  }

  private NwcWallet on(RelayClient relays, String conn) {
    return NwcWallet.builder(NwcUri.parse(wallet.uri(conn)))
        .relayPool(relays)
        .replyTimeout(Duration.ofSeconds(20))
        .build();
  }

  @Test
  void fiftyConcurrentRequestsThroughARelayCappingSubscriptionsAtTwentyAreAllAnswered()
      throws Exception {
    NwcWallet service = on(pool, "service");
    ExecutorService threads = Executors.newFixedThreadPool(50);
    try {
      List<Future<LightningInvoice>> invoices = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        long msats = 1_000L * (i + 1);
        invoices.add(
            threads.submit(() -> service.makeInvoice(msats, "renewal", Duration.ofHours(1))));
      }
      for (int i = 0; i < 50; i++) {
        assertThat(invoices.get(i).get(60, TimeUnit.SECONDS).msats()).isEqualTo(1_000L * (i + 1));
      }
    } finally {
      threads.shutdownNow();
    }
    // One response subscription per session: the cap never bit.
    assertThat(relay.peer().lines(l -> "capped".equals(l.path("event").asText()))).isEmpty();
  }

  @Test
  void aWalletInvoicingInWholeSatsAndCappingExpiryIsBelievedOnItsBolt11() {
    wallet.mode(TestWalletService.modeOf().put("wholeSats", true).put("maxExpiry", 600));
    NwcWallet service = on(pool, "service");
    LightningInvoice invoice = service.makeInvoice(21_500, "sub-sat amount", Duration.ofHours(1));
    // Asked 21.5 sats: rounded up to 22 sats, which the whole-sat wallet can invoice.
    assertThat(invoice.msats())
        .isEqualTo(22_000)
        .isEqualTo(Bolt11.decode(invoice.bolt11()).msats().orElseThrow());
    // The wallet capped the expiry at 10 minutes: the invoice says so, not the hour asked.
    assertThat(invoice.expiresAt())
        .isEqualTo(Instant.ofEpochSecond(Bolt11.decode(invoice.bolt11()).expiresAt()));
    assertThat(invoice.expiresAt())
        .isBetween(Instant.now().plusSeconds(590), Instant.now().plusSeconds(610));
    assertThat(on(pool, "tenant").payInvoice(invoice.bolt11())).isInstanceOf(PayOutcome.Paid.class);
    assertThat(service.isSettled(invoice.bolt11())).isTrue();
  }

  /** Issue 12 through the engine: a whole-sat, expiry-capping wallet invoices and is paid. */
  @Test
  void aWholeSatWalletIsPaidThroughTheEngineEndToEnd() {
    wallet.mode(TestWalletService.modeOf().put("wholeSats", true).put("maxExpiry", 600));
    InMemoryRepository repository = new InMemoryRepository();
    try (NwcWallet service = on(pool, "service");
        NwcWalletConnector tenants = NwcWalletConnector.builder().relayPool(pool).build()) {
      Billing billing =
          Billing.builder()
              .repository(repository)
              .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
              .serviceWallet(service)
              .walletConnector(tenants)
              .exchangeRates((cents, currency) -> cents * 43 + 7) // never a whole sat
              .cipher(SecretCipher.aesGcm(new byte[32]))
              .appUrl("https://relays.example")
              .build();
      String tenant = "b".repeat(64);
      billing.saveTenant(tenant, wallet.uri("tenant"), null);
      billing.record(
          Activity.create(
              "e1",
              tenant,
              "r1",
              "basic",
              Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).minusSeconds(5)));
      String invoiceId = billing.generateInvoice(tenant).orElseThrow().id();

      assertThat(billing.collect(invoiceId)).isInstanceOf(PaymentResult.Paid.class);

      assertThat(billing.invoice(invoiceId).orElseThrow().payment().orElseThrow().method())
          .isEqualTo(PaymentMethod.NWC);
      // Read from the storage: the engine hands a BOLT11 out only for an open invoice.
      Bolt11Request stored = repository.findBolt11(invoiceId).orElseThrow();
      long asked = 500L * 43 + 7;
      // What the engine stored is what the BOLT11 says: whole sats, at least what was asked,
      // and the wallet's own (capped) expiry rather than the hour asked for.
      assertThat(stored.msats())
          .isEqualTo((asked + 999) / 1000 * 1000)
          .isEqualTo(Bolt11.decode(stored.bolt11()).msats().orElseThrow());
      assertThat(stored.expiresAt())
          .isEqualTo(Instant.ofEpochSecond(Bolt11.decode(stored.bolt11()).expiresAt()));
      assertThat(stored.isSettled()).isTrue();
    }
  }

  @Test
  void rateLimitedThenSuccessIsRetriedWithinTheDeadline() {
    NwcWallet service = on(pool, "service");
    wallet.mode(TestWalletService.modeOf().put("rateLimit", 2));
    LightningInvoice invoice =
        service.makeInvoice(5_000, "after two refusals", Duration.ofHours(1));
    assertThat(invoice.msats()).isEqualTo(5_000);
    assertThat(
            wallet
                .peer()
                .lines(
                    l ->
                        "request".equals(l.path("event").asText())
                            && "make_invoice".equals(l.path("method").asText()))
                .size())
        .isGreaterThanOrEqualTo(3);

    // A payment refused as RATE_LIMITED was not made: it is sent again and succeeds.
    wallet.mode(TestWalletService.modeOf().put("rateLimit", 1));
    assertThat(on(pool, "tenant").payInvoice(invoice.bolt11())).isInstanceOf(PayOutcome.Paid.class);
  }

  @Test
  void aRestrictedConnectionWithoutGetInfoDescribesItselfFromItsInfoEvent() {
    NwcWallet restricted = on(pool, "restricted");
    NwcWallet.Info info = restricted.getInfo();
    assertThat(info.methods()).containsExactlyInAnyOrder("make_invoice", "lookup_invoice");
    assertThat(info.alias()).isEmpty();
    assertThat(info.encryption()).isEqualTo("nip44_v2");
    LightningInvoice invoice = restricted.makeInvoice(2_000, "restricted", Duration.ofMinutes(10));
    assertThat(restricted.isSettled(invoice.bolt11())).isFalse();
    assertThat(restricted.payInvoice(invoice.bolt11()))
        .isInstanceOfSatisfying(
            PayOutcome.Failed.class, f -> assertThat(f.code()).isEqualTo("NOT_IMPLEMENTED"));
  }

  @Test
  void aPaymentReceivedNotificationSettlesWithoutALookup() throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    try (NwcWallet service =
        NwcWallet.builder(NwcUri.parse(wallet.uri("service")))
            .relayPool(pool)
            .onPaymentReceived(received::add)
            .build()) {
      LightningInvoice invoice = service.makeInvoice(3_000, "notify me", Duration.ofHours(1));
      assertThat(on(pool, "tenant").payInvoice(invoice.bolt11()))
          .isInstanceOf(PayOutcome.Paid.class);
      assertThat(received.poll(20, TimeUnit.SECONDS)).isEqualTo(invoice.paymentHash());
      int lookups = lookups();
      assertThat(service.isSettled(invoice.bolt11())).isTrue();
      assertThat(lookups()).as("no lookup_invoice sent").isEqualTo(lookups);
    }
  }

  private int lookups() {
    return wallet
        .peer()
        .lines(
            l ->
                "request".equals(l.path("event").asText())
                    && "lookup_invoice".equals(l.path("method").asText()))
        .size();
  }

  @Test
  void aTenantWalletOnAPrivateOrLoopbackAddressIsRefused() {
    String secret = wallet.secret("tenant");
    String onPrivate =
        "nostr+walletconnect://"
            + wallet.walletPubkey("tenant")
            + "?relay=wss://10.11.12.13:7777&secret="
            + secret;
    try (RelayClient strict = RelayClient.builder().build();
        NwcWalletConnector tenants =
            NwcWalletConnector.builder()
                .relayPool(strict)
                .replyTimeout(Duration.ofSeconds(5))
                .infoTimeout(Duration.ofSeconds(5))
                .build()) {
      assertThatThrownBy(
              () -> tenants.connect(onPrivate).makeInvoice(1_000, "x", Duration.ofMinutes(1)))
          .isInstanceOfSatisfying(
              NwcException.class,
              e -> assertThat(e.error()).isEqualTo(NwcException.Code.NOT_DELIVERED))
          .hasMessageContaining("10.11.12.13 resolves to a private address")
          .hasMessageNotContaining(secret);
      // The test relay on 127.0.0.1: refused as loopback over wss://, and ws:// refused first.
      String overTls = wallet.uri("tenant").replace("relay=ws", "relay=wss");
      PayOutcome pay = tenants.connect(overTls).payInvoice(Bolt11Test.COFFEE);
      assertThat(pay)
          .isInstanceOfSatisfying(
              PayOutcome.Failed.class,
              f ->
                  assertThat(f.message())
                      .contains("127.0.0.1 resolves to a loopback address")
                      .doesNotContain(secret));
      PayOutcome plain = tenants.connect(wallet.uri("tenant")).payInvoice(Bolt11Test.COFFEE);
      assertThat(plain)
          .isInstanceOfSatisfying(
              PayOutcome.Failed.class,
              f -> assertThat(f.message()).contains("is ws:// (no TLS)").doesNotContain(secret));
      assertThat(strict.isConnected(URI.create(relay.url()))).isFalse();
    }
  }

  @Test
  void aRelayDemandingAuthCarriesNwcAndDmTrafficOnOnePool() throws Exception {
    try (TestRelay authRelay = TestRelay.start("--auth");
        TestWalletService authWallet = TestWalletService.start(authRelay, "--auth");
        RelayClient shared =
            RelayClient.builder().relay(authRelay.url()).allowLoopback(true).build()) {
      NwcWallet service =
          NwcWallet.builder(NwcUri.parse(authWallet.uri("service"))).relayPool(shared).build();
      NwcWallet tenant =
          NwcWallet.builder(NwcUri.parse(authWallet.uri("tenant"))).relayPool(shared).build();
      LightningInvoice invoice = service.makeInvoice(7_000, "behind AUTH", Duration.ofHours(1));
      assertThat(tenant.payInvoice(invoice.bolt11())).isInstanceOf(PayOutcome.Paid.class);
      assertThat(service.isSettled(invoice.bolt11())).isTrue();
      for (String conn : List.of("service", "tenant")) {
        String client = NostrKeys.fromSecretHex(authWallet.secret(conn)).publicKeyHex();
        authRelay
            .peer()
            .await(
                l ->
                    "auth".equals(l.path("event").asText())
                        && client.equals(l.path("pubkey").asText()),
                Duration.ofSeconds(5),
                "AUTH as " + conn);
      }

      // The messenger on the same pool: a DM to a tenant whose inbox is this relay.
      NostrKeys host = NostrKeys.generate();
      NostrKeys recipient = NostrKeys.generate();
      assertThat(
              shared
                  .publish(
                      Nip17.relayList(recipient, List.of(authRelay.url()), Instant.now()),
                      shared.relays(),
                      recipient)
                  .get(20, TimeUnit.SECONDS))
          .allMatch(r -> r.accepted());
      NostrMessenger.builder(host, shared)
          .build()
          .send(recipient.publicKeyHex(), "your invoice is paid");
      BlockingQueue<Event> inbox = new LinkedBlockingQueue<>();
      try (Subscription sub =
          shared.subscribe(
              List.of(
                  Filter.builder()
                      .kinds(Nip17.KIND_GIFT_WRAP)
                      .tag("p", recipient.publicKeyHex())
                      .build()),
              shared.relays(),
              new SubscriptionListener() {
                @Override
                public void onEvent(Event event, URI from) {
                  inbox.add(event);
                }
              },
              recipient)) {
        Event wrap = inbox.poll(20, TimeUnit.SECONDS);
        assertThat(wrap).isNotNull();
        assertThat(Nip17.unwrap(wrap, recipient).content()).isEqualTo("your invoice is paid");
      }
    }
  }
}
