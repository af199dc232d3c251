package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.LightningWallet.PayOutcome;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.testkit.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * NwcWallet against the real wallet service of @getalby/sdk 7.0.0 (NWCWalletService) over a real
 *
 * @nostr-relay/core relay, both on 127.0.0.1 and started here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NwcInteropTest {
  static final NwcWallet.Options OPTIONS =
      NwcWallet.Options.defaults()
          .withReplyTimeout(Duration.ofSeconds(10))
          .withConnectTimeout(Duration.ofSeconds(5))
          .withReconnectBackoffMax(Duration.ofMillis(500));
  static final NwcWallet.Options SHORT = OPTIONS.withReplyTimeout(Duration.ofMillis(1500));

  /**
   * A relay pool that may dial the test relays on ws://127.0.0.1 (tenant relays are checked): the
   * tests' explicit allowance, loopback and ws:// only.
   */
  static RelayClient loopbackPool() {
    return RelayClient.builder()
        .allowLoopback(true)
        .allowUnencryptedRelays(true)
        .publishTimeout(Duration.ofSeconds(10))
        .connectTimeout(Duration.ofSeconds(5))
        .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500))
        .build();
  }

  /**
   * A wallet on its own pool (closed with it), allowed to dial the test relays on ws://127.0.0.1:
   * the tests' explicit allowance, loopback and ws:// only.
   */
  static NwcWallet ownWallet(String uri, NwcWallet.Options options) {
    return NwcWallet.connect(
        NwcUri.parse(uri),
        options,
        NwcSession.ownPool(options).allowLoopback(true).allowUnencryptedRelays(true).build());
  }

  private TestRelay relay;
  private TestWalletService wallet;
  private NwcWallet service;
  private NwcWallet tenant;
  private final List<Throwable> thrown = new ArrayList<>();

  @BeforeAll
  void startPeers() {
    if (NodePeer.whyUnavailable() != null) {
      return; // each test then skips (or fails on CI) with the reason
    }
    relay = TestRelay.start();
    wallet = TestWalletService.start(relay);
    service = ownWallet(wallet.uri("service"), OPTIONS);
    tenant = ownWallet(wallet.uri("tenant"), OPTIONS);
  }

  @AfterAll
  void stopPeers() throws Exception {
    if (service != null) {
      service.close();
      tenant.close();
    }
    if (wallet != null) {
      // No secret in any message, toString or log line this class produced.
      Set<String> secrets =
          Set.of(wallet.secret("service"), wallet.secret("tenant"), wallet.secret("legacy"));
      Path log = Path.of("target/nwc-test.log");
      String logged = Files.exists(log) ? Files.readString(log) : "";
      for (String secret : secrets) {
        assertThat(logged).doesNotContain(secret);
        for (Throwable t : thrown) {
          assertThat(String.valueOf(t.getMessage())).doesNotContain(secret);
        }
        assertThat(service.toString() + tenant + NwcUri.parse(wallet.uri("service")))
            .doesNotContain(secret);
      }
      wallet.close();
    }
    if (relay != null) {
      relay.close();
    }
  }

  @BeforeEach
  void normal() {
    NodePeer.assumeAvailable();
    wallet.normal();
    relay.leak(false);
  }

  @Test
  void invoiceIsMadeLookedUpPaidAndSettled() {
    long before = tenant.getBalanceMsats();
    LightningInvoice invoice =
        service.makeInvoice(21_000, "Caravel invoice #1", Duration.ofHours(1));

    assertThat(invoice.msats()).isEqualTo(21_000);
    assertThat(Bolt11.decode(invoice.bolt11()).paymentHash()).isEqualTo(invoice.paymentHash());
    assertThat(invoice.expiresAt())
        .isBetween(Instant.now().plusSeconds(3500), Instant.now().plusSeconds(3700));
    assertThat(service.isSettled(invoice.bolt11())).isFalse();

    PayOutcome paid = tenant.payInvoice(invoice.bolt11());
    assertThat(paid).isInstanceOf(PayOutcome.Paid.class);
    assertThat(Nip47.paymentHashOf(((PayOutcome.Paid) paid).preimage()))
        .isEqualTo(invoice.paymentHash());
    assertThat(service.isSettled(invoice.bolt11())).isTrue();
    assertThat(tenant.getBalanceMsats()).isEqualTo(before - 21_000);

    // Paying again: the wallet refuses, for certain.
    PayOutcome again = tenant.payInvoice(invoice.bolt11());
    assertThat(again)
        .isInstanceOfSatisfying(
            PayOutcome.Failed.class, f -> assertThat(f.code()).isEqualTo("PAYMENT_FAILED"));
  }

  @Test
  void requestsAreTaggedWithEncryptionExpirationAndWallet() {
    int mark = wallet.peer().mark();
    long now = Instant.now().getEpochSecond();
    service.getBalanceMsats();
    JsonNode seen =
        wallet
            .peer()
            .await(
                mark,
                l ->
                    "seen".equals(l.path("event").asText())
                        && "service".equals(l.path("conn").asText()),
                Duration.ofSeconds(5),
                "seen request");
    List<List<String>> tags = new ArrayList<>();
    seen.path("tags").forEach(t -> tags.add(List.of(t.path(0).asText(), t.path(1).asText())));
    assertThat(tags)
        .contains(List.of("encryption", "nip44_v2"), List.of("p", wallet.walletPubkey("service")));
    long expiration =
        tags.stream()
            .filter(t -> t.get(0).equals("expiration"))
            .mapToLong(t -> Long.parseLong(t.get(1)))
            .findFirst()
            .orElseThrow();
    assertThat(expiration).isBetween(now + 10, now + 60);
  }

  @Test
  void getInfoSaysWhatTheWalletOffers() {
    NwcWallet.Info info = service.getInfo();
    assertThat(info.alias()).isEqualTo("fake-service");
    assertThat(info.network()).isEqualTo("regtest");
    assertThat(info.encryption()).isEqualTo("nip44_v2");
    assertThat(info.methods())
        .contains("make_invoice", "pay_invoice", "lookup_invoice", "get_balance");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "RATE_LIMITED",
        "NOT_IMPLEMENTED",
        "INSUFFICIENT_BALANCE",
        "QUOTA_EXCEEDED",
        "RESTRICTED",
        "UNAUTHORIZED",
        "INTERNAL",
        "OTHER",
        "PAYMENT_FAILED",
        "NOT_FOUND",
        "UNSUPPORTED_ENCRYPTION",
        "SOMETHING_NEW"
      })
  void everyErrorCodeIsTyped(String code) {
    String unpaid = wallet.invoice("service", 5_000).path("bolt11").asText();
    ObjectNode mode = TestWalletService.modeOf();
    mode.putObject("error").put("code", code).put("message", "wallet says " + code);
    wallet.mode(mode);

    NwcException made =
        catchThrowableOfType(
            NwcException.class, () -> service.makeInvoice(1_000, "x", Duration.ofMinutes(10)));
    NwcException looked = catchThrowableOfType(NwcException.class, () -> service.isSettled(unpaid));
    PayOutcome paid = tenant.payInvoice(unpaid);
    thrown.add(made);
    thrown.add(looked);

    NwcException.Code expected =
        code.equals("SOMETHING_NEW")
            ? NwcException.Code.UNRECOGNIZED
            : NwcException.Code.valueOf(code);
    for (NwcException e : List.of(made, looked)) {
      assertThat(e.error()).isEqualTo(expected);
      assertThat(e.code()).isEqualTo(code);
      assertThat(e.getMessage()).contains("wallet says " + code);
      assertThat(e.isTimeout()).isFalse();
    }
    if (Set.of("INTERNAL", "OTHER", "SOMETHING_NEW").contains(code)) {
      // Not a certain failure: the payment may have gone through.
      assertThat(paid)
          .isInstanceOfSatisfying(
              PayOutcome.Unknown.class, u -> assertThat(u.message()).contains(code));
    } else {
      assertThat(paid)
          .isInstanceOfSatisfying(
              PayOutcome.Failed.class, f -> assertThat(f.code()).isEqualTo(code));
    }
  }

  @Test
  void theLedgersOwnErrorsComeThrough() {
    // More than the tenant has: INSUFFICIENT_BALANCE from the wallet's own logic.
    String big = wallet.invoice("service", 60_000_000).path("bolt11").asText();
    assertThat(tenant.payInvoice(big))
        .isInstanceOfSatisfying(
            PayOutcome.Failed.class, f -> assertThat(f.code()).isEqualTo("INSUFFICIENT_BALANCE"));
    // An invoice the wallet never made: NOT_FOUND.
    String foreign = wallet.foreignInvoice(1_000).path("bolt11").asText();
    NwcException notFound =
        catchThrowableOfType(NwcException.class, () -> service.isSettled(foreign));
    assertThat(notFound.error()).isEqualTo(NwcException.Code.NOT_FOUND);
    thrown.add(notFound);
  }

  @Test
  void aWalletThatNeverAnswersTimesOut() {
    try (NwcWallet impatient = ownWallet(wallet.uri("service"), SHORT);
        NwcWallet impatientTenant = ownWallet(wallet.uri("tenant"), SHORT)) {
      String unpaid = wallet.invoice("service", 7_000).path("bolt11").asText();
      impatient.getInfo(); // reads the info event while the wallet still answers
      impatientTenant.getInfo();
      ObjectNode silent = TestWalletService.modeOf().put("silent", true);
      wallet.mode(silent);

      NwcException made =
          catchThrowableOfType(
              NwcException.class, () -> impatient.makeInvoice(1_000, "x", Duration.ofMinutes(10)));
      assertThat(made.isTimeout()).isTrue();
      assertThat(made.error()).isEqualTo(NwcException.Code.TIMEOUT);
      NwcException looked =
          catchThrowableOfType(NwcException.class, () -> impatient.isSettled(unpaid));
      assertThat(looked.isTimeout()).isTrue();
      assertThat(impatientTenant.payInvoice(unpaid)).isInstanceOf(PayOutcome.Unknown.class);
      thrown.add(made);
      thrown.add(looked);
    }
  }

  @Test
  void forgedAndForeignResponsesAreIgnored() {
    String unpaid = wallet.invoice("service", 9_000).path("bolt11").asText();
    relay.leak(true);
    wallet.mode(TestWalletService.modeOf().put("forge", true));
    int mark = wallet.peer().mark();

    LightningInvoice invoice = service.makeInvoice(4_000, "real", Duration.ofMinutes(5));
    assertThat(invoice.msats()).isEqualTo(4_000); // the forgery was for 1 msat
    assertThat(service.isSettled(unpaid)).isFalse(); // the forgery said settled
    assertThat(tenant.payInvoice(unpaid)).isInstanceOf(PayOutcome.Paid.class); // forgery: failed
    assertThat(tenant.getBalanceMsats()).isNotEqualTo(123_456_789L); // forgery's balance

    // The forgeries were really published (and the relay leaked them to every subscription).
    assertThat(wallet.peer().lines(l -> "forged".equals(l.path("event").asText())).size())
        .isGreaterThanOrEqualTo(4);
    assertThat(wallet.peer().mark()).isGreaterThan(mark);
  }

  @Test
  void aNip04OnlyWalletIsSpokenToInNip04() {
    try (NwcWallet legacy = ownWallet(wallet.uri("legacy"), OPTIONS)) {
      int mark = wallet.peer().mark();
      NwcWallet.Info info = legacy.getInfo();
      assertThat(info.encryption()).isEqualTo("nip04");

      LightningInvoice invoice = legacy.makeInvoice(3_000, "legacy", Duration.ofMinutes(5));
      assertThat(legacy.isSettled(invoice.bolt11())).isFalse();
      assertThat(tenant.payInvoice(invoice.bolt11())).isInstanceOf(PayOutcome.Paid.class);
      assertThat(legacy.isSettled(invoice.bolt11())).isTrue();

      List<JsonNode> seen =
          wallet
              .peer()
              .lines(
                  l ->
                      "seen".equals(l.path("event").asText())
                          && "legacy".equals(l.path("conn").asText()));
      assertThat(seen.subList(1, seen.size()))
          .isNotEmpty()
          .allSatisfy(
              s -> assertThat(s.path("tags").toString()).contains("[\"encryption\",\"nip04\"]"));
      assertThat(mark).isPositive();

      // get_balance is not in its info event: refused here, not sent.
      NwcException notOffered = catchThrowableOfType(NwcException.class, legacy::getBalanceMsats);
      assertThat(notOffered.error()).isEqualTo(NwcException.Code.NOT_IMPLEMENTED);
      thrown.add(notOffered);
    }
  }

  @Test
  void settlementFollowsStateSettledAtAndPreimage() {
    LightningInvoice invoice = service.makeInvoice(2_000, "settle", Duration.ofMinutes(5));
    // No payment_received notification: this is about how lookup_invoice is read.
    wallet.mode(TestWalletService.modeOf().put("notify", false));
    assertThat(tenant.payInvoice(invoice.bolt11())).isInstanceOf(PayOutcome.Paid.class);

    for (String variant : List.of("no_preimage", "state_only", "settled_at_only")) {
      wallet.mode(TestWalletService.modeOf().put("lookup", variant));
      assertThat(service.isSettled(invoice.bolt11())).as(variant).isTrue();
    }
    wallet.mode(TestWalletService.modeOf().put("lookup", "wrong_preimage"));
    NwcException wrong =
        catchThrowableOfType(NwcException.class, () -> service.isSettled(invoice.bolt11()));
    assertThat(wrong.error()).isEqualTo(NwcException.Code.BAD_RESPONSE);
    thrown.add(wrong);
  }

  @Test
  void aPaymentWithoutAValidPreimageIsUnknown() {
    for (String variant : List.of("no_preimage", "wrong_preimage")) {
      String bolt11 = wallet.invoice("service", 1_500).path("bolt11").asText();
      wallet.mode(TestWalletService.modeOf().put("pay", variant));
      assertThat(tenant.payInvoice(bolt11)).as(variant).isInstanceOf(PayOutcome.Unknown.class);
      wallet.normal();
      assertThat(service.isSettled(bolt11)).as(variant).isTrue();
    }
  }

  @Test
  void anInvoicePaidOutOfBandIsSettled() {
    LightningInvoice invoice = service.makeInvoice(8_000, "oob", Duration.ofMinutes(5));
    assertThat(service.isSettled(invoice.bolt11())).isFalse();
    wallet.settle(invoice.paymentHash());
    assertThat(service.isSettled(invoice.bolt11())).isTrue();
  }

  @Test
  void aUriWithADeadRelayBesideALiveOneStillWorks() throws Exception {
    int deadPort;
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadPort = socket.getLocalPort();
    }
    String uri =
        wallet
            .uri("service")
            .replace("?relay=", "?relay=ws%3A%2F%2F127.0.0.1%3A" + deadPort + "&relay=");
    assertThat(NwcUri.parse(uri).relays()).hasSize(2);
    try (NwcWallet twoRelays = ownWallet(uri, OPTIONS)) {
      long start = System.nanoTime();
      LightningInvoice invoice = twoRelays.makeInvoice(1_234, "two relays", Duration.ofMinutes(5));
      assertThat(twoRelays.isSettled(invoice.bolt11())).isFalse();
      // The dead relay costs a short grace on the info event, not the whole info timeout.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(OPTIONS.infoTimeout());
    }
  }

  @Test
  void theConnectorSharesOneConnectionPerUriAndClosesItWhenIdle() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    try (RelayClient pool = loopbackPool();
        NwcWalletConnector connector =
            new NwcWalletConnector(OPTIONS, Duration.ofMinutes(5), pool, clock, false)) {
      NwcWallet a = connector.connect(wallet.uri("service"));
      NwcWallet b = connector.connect(wallet.uri("service"));
      NwcWallet c = connector.connect(wallet.uri("tenant"));
      assertThat(a).isSameAs(b).isNotSameAs(c);
      assertThat(connector.openConnections()).isZero();

      LightningInvoice invoice = a.makeInvoice(1_000, "pooled", Duration.ofMinutes(5));
      assertThat(b.isSettled(invoice.bolt11())).isFalse();
      assertThat(connector.openConnections()).isEqualTo(1);
      assertThat(c.payInvoice(invoice.bolt11())).isInstanceOf(PayOutcome.Paid.class);
      assertThat(connector.openConnections()).isEqualTo(2);

      clock.advance(Duration.ofMinutes(4));
      assertThat(connector.closeIdle()).isZero();
      clock.advance(Duration.ofMinutes(1));
      assertThat(connector.closeIdle()).isEqualTo(2);
      assertThat(connector.openConnections()).isZero();

      // A wallet handed out before keeps working: its connection opens again.
      assertThat(a.isSettled(invoice.bolt11())).isTrue();
      assertThat(connector.openConnections()).isEqualTo(1);

      InvalidInputException bad =
          catchThrowableOfType(
              InvalidInputException.class,
              () -> connector.connect(wallet.uri("service").replace("relay=", "relay=http")));
      assertThat(bad.getMessage()).doesNotContain(wallet.secret("service"));
      thrown.add(bad);
    }
    try (NwcWalletConnector connector = new NwcWalletConnector()) {
      assertThatThrownBy(() -> connector.connect("nostr+walletconnect://nope"))
          .isInstanceOf(InvalidInputException.class);
    }
  }
}
