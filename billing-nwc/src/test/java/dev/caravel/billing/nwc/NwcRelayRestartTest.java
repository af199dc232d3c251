package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.LightningWallet.PayOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay dies and comes back (same port, nothing stored) while a request is in flight. Each test
 * has its own relay and wallet service, since a restart wipes the wallets' info events.
 */
class NwcRelayRestartTest {
  private TestRelay relay;
  private TestWalletService wallet;
  private NwcWallet service;
  private NwcWallet tenant;

  @BeforeEach
  void start() {
    NodePeer.assumeAvailable();
    relay = TestRelay.start();
    wallet = TestWalletService.start(relay);
    NwcWallet.Options options = NwcInteropTest.OPTIONS.withReplyTimeout(Duration.ofSeconds(8));
    service = NwcInteropTest.ownWallet(wallet.uri("service"), options);
    tenant = NwcInteropTest.ownWallet(wallet.uri("tenant"), options);
    // Read both info events before anything breaks.
    service.getInfo();
    tenant.getInfo();
  }

  @AfterEach
  void stop() {
    if (service != null) {
      service.close();
      tenant.close();
    }
    if (wallet != null) {
      wallet.close();
    }
    if (relay != null) {
      relay.close();
    }
  }

  @Test
  void aLookupSurvivesARelayRestart() throws Exception {
    LightningInvoice invoice = service.makeInvoice(5_000, "restart", Duration.ofMinutes(5));
    wallet.mode(TestWalletService.modeOf().put("hold", true));
    int walletMark = wallet.peer().mark();

    CompletableFuture<Boolean> settled =
        CompletableFuture.supplyAsync(() -> service.isSettled(invoice.bolt11()));
    wallet.awaitRequest(walletMark, "service", "lookup_invoice");

    restartRelayAndAwaitEveryoneBack();
    wallet.release();

    assertThat(settled.get(10, TimeUnit.SECONDS)).isFalse();
  }

  @Test
  void aLookupSentWhileTheRelayIsDownGoesThroughWhenItReturns() throws Exception {
    LightningInvoice invoice = service.makeInvoice(4_000, "down", Duration.ofMinutes(5));
    relay.kill();

    CompletableFuture<Boolean> settled =
        CompletableFuture.supplyAsync(() -> service.isSettled(invoice.bolt11()));
    relay.restart();

    assertThat(settled.get(10, TimeUnit.SECONDS)).isFalse();
  }

  @Test
  void aPaymentSurvivesARelayRestartAndIsNotSentTwice() throws Exception {
    String bolt11 = wallet.invoice("service", 6_000).path("bolt11").asText();
    wallet.mode(TestWalletService.modeOf().put("hold", true));
    int walletMark = wallet.peer().mark();

    CompletableFuture<PayOutcome> paid =
        CompletableFuture.supplyAsync(() -> tenant.payInvoice(bolt11));
    wallet.awaitRequest(walletMark, "tenant", "pay_invoice");

    restartRelayAndAwaitEveryoneBack();
    wallet.release();

    assertThat(paid.get(10, TimeUnit.SECONDS)).isInstanceOf(PayOutcome.Paid.class);
    assertThat(
            wallet
                .peer()
                .lines(
                    l ->
                        "request".equals(l.path("event").asText())
                            && "pay_invoice".equals(l.path("method").asText())))
        .hasSize(1);
  }

  @Test
  void aPaymentWhoseReplyIsLostIsUnknownAndSettlementTellsTheTruth() throws Exception {
    NwcWallet impatient =
        NwcInteropTest.ownWallet(
            wallet.uri("tenant"), NwcInteropTest.OPTIONS.withReplyTimeout(Duration.ofSeconds(2)));
    try (impatient) {
      impatient.getInfo();
      String bolt11 = wallet.invoice("service", 7_000).path("bolt11").asText();
      wallet.mode(TestWalletService.modeOf().put("hold", true));
      int walletMark = wallet.peer().mark();

      CompletableFuture<PayOutcome> paid =
          CompletableFuture.supplyAsync(() -> impatient.payInvoice(bolt11));
      wallet.awaitRequest(walletMark, "tenant", "pay_invoice");
      relay.kill();
      wallet.release(); // the wallet pays, but its reply has nowhere to go

      PayOutcome outcome = paid.get(10, TimeUnit.SECONDS);
      assertThat(outcome).isInstanceOf(PayOutcome.Unknown.class);

      wallet.normal();
      relay.restart();
      awaitWalletServiceBack(0);
      // The engine's next step: ask the service's wallet. The payment did go through.
      assertThat(service.isSettled(bolt11)).isTrue();
    }
  }

  private void restartRelayAndAwaitEveryoneBack() {
    relay.kill();
    relay.restart();
    // The wallet service subscribes again (NWCWalletService retries every second) ...
    awaitWalletServiceBack(0);
    // ... and so does each session's reply subscription (one per wallet; both must be back, or a
    // reply released now could reach a relay nobody listens on yet).
    for (String key :
        new String[] {wallet.walletPubkey("service"), wallet.walletPubkey("tenant")}) {
      relay.awaitReq(
          0,
          f ->
              f.path("kinds").toString().equals("[23195]")
                  && f.path("authors").toString().contains(key),
          "the reply subscription for " + key);
    }
  }

  private void awaitWalletServiceBack(int mark) {
    String walletKey = wallet.walletPubkey("service");
    String tenantKey = wallet.walletPubkey("tenant");
    for (String key : new String[] {walletKey, tenantKey}) {
      JsonNode req =
          relay.awaitReq(
              mark, f -> f.path("#p").toString().contains(key), "wallet service for " + key);
      assertThat(req).isNotNull();
    }
  }
}
