package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.FakeRails.TenantWalletBehaviour;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.RoundEnded;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** S9–S11 and seed bugs 6 and 7: the cascade, BOLT11 reuse, idempotent card charges, retries. */
class PaymentCascadeTest {
  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.ServiceWallet serviceWallet = new FakeRails.ServiceWallet(clock);
  private final FakeRails.Connector connector = new FakeRails.Connector(serviceWallet);
  private final FakeRails.Gateway gateway = new FakeRails.Gateway();
  private final FakeRails.Messages messages = new FakeRails.Messages();
  private final SecretCipher cipher = SecretCipher.aesGcm(new byte[32]);
  private final List<String> events = new ArrayList<>();

  private Billing billing(Repository repo, String instance) {
    return Fixtures.engine(repo, clock)
        .instanceId(instance)
        .serviceWallet(serviceWallet)
        .walletConnector(connector)
        .exchangeRates(FakeRails.RATES)
        .cipher(cipher)
        .paymentGateway(gateway)
        .messenger(messages)
        .listener(
            new BillingListener() {
              @Override
              public void paymentSucceeded(Invoice invoice, Payment payment) {
                events.add("paid:" + payment.method().wireName());
              }

              @Override
              public void paymentFailed(Invoice invoice, Rail rail, String error) {
                events.add("failed:" + rail.wireName());
              }

              @Override
              public void directMessageSent(Invoice invoice, String text) {
                events.add("dm");
              }
            })
        .build();
  }

  private final Billing billing = billing(repository, "one");

  /** Alice owes 500 on a fresh invoice; returns its id. */
  private String invoiceFor(String nwcUri, String customer) {
    billing.saveTenant(ALICE, nwcUri, customer);
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    return billing.generateInvoice(ALICE).orElseThrow().id();
  }

  private Payment paymentOf(String invoiceId) {
    return repository.findInvoice(invoiceId).orElseThrow().payment().orElseThrow();
  }

  @Test
  void nwcPays() {
    String id = invoiceFor(connector.uri("alice", TenantWalletBehaviour.PAYS), "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    PaymentResult result = billing.collect(id);
    assertThat(result).isInstanceOf(PaymentResult.Paid.class);
    assertThat(paymentOf(id).method()).isEqualTo(PaymentMethod.NWC);
    assertThat(gateway.requests).isEmpty();
    assertThat(messages.sent).isEmpty();
    Bolt11Request bolt11 = repository.findBolt11(id).orElseThrow();
    assertThat(bolt11.msats()).isEqualTo(500_000);
    assertThat(bolt11.isSettled()).isTrue();
    assertThat(events).containsExactly("paid:nwc");
  }

  @Test
  void nwcFailsButTheInvoiceSettledOutOfBand() {
    String id = invoiceFor(connector.uri("alice", TenantWalletBehaviour.FAILS_BUT_PAID), "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(paymentOf(id).method()).isEqualTo(PaymentMethod.OOB);
    assertThat(gateway.requests).isEmpty();
  }

  @Test
  void nwcFailsThenTheCardPays() {
    String id = invoiceFor(connector.uri("alice", TenantWalletBehaviour.FAILS), "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(paymentOf(id).method()).isEqualTo(PaymentMethod.STRIPE);
    assertThat(paymentOf(id).reference()).isEqualTo("pi_1");
    ChargeRequest charge = gateway.requests.get(0);
    assertThat(charge.amount()).isEqualTo(500);
    assertThat(charge.currency()).isEqualTo("usd");
    assertThat(charge.customerId()).isEqualTo("cus_1");
    assertThat(charge.idempotencyKey()).isEqualTo("caravel-" + id + "-round-1");
    assertThat(events).containsExactly("failed:nwc", "paid:stripe");
  }

  @Test
  void cardDeclinedThenADmWithTheFixedDeclineSentenceNotTheBanksText() {
    String id = invoiceFor(null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    gateway.script.add(
        new ChargeOutcome.Declined(
            "insufficient_funds", "Your card has\n\n  insufficient funds. " + "x".repeat(300)));
    PaymentResult result = billing.collect(id);
    assertThat(result)
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class,
            r -> {
              assertThat(r.messaged()).isTrue();
              assertThat(r.nextAttempt()).contains(Instant.parse("2025-01-02T00:00:00Z"));
              assertThat(r.lastError().orElseThrow()).as("the operator's text").contains("xxx");
            });
    assertThat(messages.sent).hasSize(1);
    assertThat(messages.sent.get(0).to()).isEqualTo(ALICE);
    assertThat(messages.sent.get(0).text())
        .isEqualTo(
            DirectMessages.MANUAL_PAYMENT_DM
                + "\n\n"
                + billing.invoiceLink(id)
                + "\n\n"
                + CustomerNotice.CARD_DECLINED.sentence());
    assertThat(repository.findInvoice(id).orElseThrow().isPaid()).isFalse();
  }

  @Test
  void aWalletWithoutFundsIsToldByItsCodeWhenNoCardIsSaved() {
    String id = invoiceFor(connector.uri("alice", TenantWalletBehaviour.FAILS), null);
    billing.collect(id);
    assertThat(messages.sent.get(0).text())
        .endsWith("\n\n" + CustomerNotice.WALLET_NO_BALANCE.sentence())
        .doesNotContain("12,000 sats");
  }

  @Test
  void nothingConfiguredMeansADmWithoutAnError() {
    String id = invoiceFor(null, null);
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.NotPaid.class);
    assertThat(messages.sent)
        .extracting(FakeRails.Messages.Sent::text)
        .containsExactly(DirectMessages.MANUAL_PAYMENT_DM + "\n\n" + billing.invoiceLink(id));
    assertThat(billing.invoiceLink(id))
        .startsWith("https://relays.example/account?invoice=" + id + "&token=");
  }

  @Test
  void aPaidInvoiceIsNeverChargedAgain() {
    String id = invoiceFor(null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(billing.collect(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.ALREADY_PAID));
    clock.advance(Duration.ofDays(30));
    billing.runCycle();
    assertThat(gateway.charges).hasValue(1);
    assertThat(gateway.requests).hasSize(1);
    assertThat(billing.settle(id, PaymentMethod.MANUAL, "support-123")).isFalse();
  }

  @Test
  void twoInstancesCollectingAtOnceChargeOnce() throws Exception {
    String id = invoiceFor(null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    int n = 8;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CyclicBarrier start = new CyclicBarrier(n);
      List<Future<PaymentResult>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Billing instance = billing(repository, "instance-" + i);
        results.add(
            pool.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return instance.collect(id);
                }));
      }
      long paid = 0;
      for (Future<PaymentResult> f : results) {
        if (f.get(10, TimeUnit.SECONDS) instanceof PaymentResult.Paid) {
          paid++;
        }
      }
      assertThat(paid).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(gateway.requests).hasSize(1);
    assertThat(gateway.charges).hasValue(1);
  }

  /** Seed bug 7, first half: a timeout after the charge went through must not charge twice. */
  @Test
  void seedBug7_anUnknownCardOutcomeIsResumedWithTheSameKey() {
    String id = invoiceFor(null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    gateway.lieOnce = new ChargeOutcome.Unknown("read timed out");
    PaymentResult first = billing.collect(id);
    assertThat(first).isInstanceOf(PaymentResult.Unknown.class);
    assertThat(messages.sent)
        .isEmpty(); // never ask to pay by hand while a charge may have happened
    assertThat(repository.collectionState(id).orElseThrow().roundOpen()).isTrue();

    clock.advance(Duration.ofMinutes(10));
    billing.runCycle();
    assertThat(paymentOf(id).method()).isEqualTo(PaymentMethod.STRIPE);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .containsOnly("caravel-" + id + "-round-1");
    assertThat(gateway.charges).hasValue(1);
  }

  /**
   * Seed bug 7, second half (S11): unpaid invoices are retried 1, 3 and 7 days on, one DM a round.
   */
  @Test
  void seedBug7_unpaidInvoicesAreRetriedOnTheSchedule() {
    String id = invoiceFor(null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    for (int i = 0; i < 4; i++) {
      gateway.script.add(new ChargeOutcome.Declined("card_declined", "Your card was declined."));
    }
    gateway.script.add(new ChargeOutcome.Paid("pi_late"));
    Instant first = clock.instant();
    billing.runCycle(); // round 1
    List<Instant> rounds = new ArrayList<>(List.of(first));
    for (int hour = 1; hour <= 24 * 10; hour++) {
      clock.set(first.plus(Duration.ofHours(hour)));
      int before = gateway.requests.size();
      billing.runCycle();
      if (gateway.requests.size() > before) {
        rounds.add(clock.instant());
      }
    }
    assertThat(rounds)
        .containsExactly(
            first,
            first.plus(Duration.ofDays(1)),
            first.plus(Duration.ofDays(3)),
            first.plus(Duration.ofDays(7)));
    assertThat(messages.sent).hasSize(4);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .containsExactly(
            "caravel-" + id + "-round-1",
            "caravel-" + id + "-round-2",
            "caravel-" + id + "-round-3",
            "caravel-" + id + "-round-4");
    CollectionState state = repository.collectionState(id).orElseThrow();
    assertThat(state.nextAttemptAt())
        .isEmpty(); // the schedule is spent; the invoice waits for the tenant
    assertThat(repository.findInvoice(id).orElseThrow().isPaid()).isFalse();
  }

  /** Seed bug 6: an expired, unsettled BOLT11 was reused; it is replaced. */
  @Test
  void seedBug6_anExpiredUnsettledBolt11IsReplaced() {
    String id = invoiceFor(null, null);
    Bolt11Request first = billing.bolt11(id);
    clock.advance(Duration.ofMinutes(59));
    assertThat(billing.bolt11(id)).isEqualTo(first); // unexpired: reused
    clock.advance(Duration.ofMinutes(1));
    Bolt11Request second = billing.bolt11(id);
    assertThat(second.bolt11()).isNotEqualTo(first.bolt11());
    assertThat(second.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    assertThat(serviceWallet.made).hasSize(2);
  }

  @Test
  void presentingABolt11CatchesAnOutOfBandPayment() {
    String id = invoiceFor(null, null);
    Bolt11Request request = billing.bolt11(id);
    serviceWallet.settled.add(request.bolt11());
    clock.advance(Duration.ofHours(2)); // settled: reused even though expired
    Bolt11Request again = billing.bolt11(id);
    assertThat(again.bolt11()).isEqualTo(request.bolt11());
    assertThat(again.isSettled()).isTrue();
    assertThat(paymentOf(id).method()).isEqualTo(PaymentMethod.OOB);
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Skipped.class);
  }

  @Test
  void aSilentWalletIsWaitedForOnceBeforeTheCard() {
    String id = invoiceFor(connector.uri("alice", TenantWalletBehaviour.SILENT), "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Unknown.class);
    assertThat(gateway.requests).isEmpty(); // the Lightning payment may still land
    clock.advance(Duration.ofMinutes(10));
    billing.runCycle(); // same BOLT11, still silent: counted as failed, the card pays
    assertThat(paymentOf(id).method()).isEqualTo(PaymentMethod.STRIPE);
    assertThat(connector.payAttempts)
        .hasSize(2)
        .containsOnly(repository.findBolt11(id).orElseThrow().bolt11());
  }

  @Test
  void aSilentWalletWhosePaymentLandedIsPaidOutOfBand() {
    String id = invoiceFor(connector.uri("alice", TenantWalletBehaviour.SILENT_BUT_PAID), "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(paymentOf(id).method()).isEqualTo(PaymentMethod.OOB);
    assertThat(gateway.requests).isEmpty();
  }

  @Test
  void aPendingCardPaymentStopsTheCascadeUntilTheHostSettlesIt() {
    String id = invoiceFor(null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    gateway.script.add(new ChargeOutcome.Pending("pi_slow"));
    assertThat(billing.collect(id)).isEqualTo(new PaymentResult.Pending(id, "pi_slow"));
    assertThat(messages.sent).isEmpty();
    clock.advance(Duration.ofDays(10));
    billing.runCycle();
    assertThat(gateway.requests).hasSize(1);
    assertThat(billing.settle(id, PaymentMethod.STRIPE, "pi_slow")).isTrue();
    assertThat(paymentOf(id).reference()).isEqualTo("pi_slow");
  }

  @Test
  void aFailingMessengerIsReportedAndTheRoundStillEnds() {
    String id = invoiceFor(null, null);
    messages.fail = true;
    assertThat(billing.collect(id))
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class, r -> assertThat(r.messaged()).isFalse());
    assertThat(repository.collectionState(id).orElseThrow().roundOpen()).isFalse();
  }

  @Test
  void theTenantsNwcUriIsSealedAtRestAndABadOneIsRefused() {
    String uri = connector.uri("alice", TenantWalletBehaviour.PAYS);
    billing.saveTenant(ALICE, uri, null);
    Tenant stored = repository.findTenant(ALICE).orElseThrow();
    assertThat(stored.sealedNwcUri().orElseThrow()).doesNotContain("s3cr3t").startsWith("v2:");
    assertThat(cipher.open(ALICE, stored.sealedNwcUri().orElseThrow())).isEqualTo(uri);
    assertThat(stored.toString()).doesNotContain(stored.sealedNwcUri().get());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> billing.saveTenant(ALICE, "nostr+walletconnect://bad?secret=hush", null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageNotContaining("hush");
    assertThat(repository.findTenant(ALICE)).contains(stored);
  }

  @Test
  void aCrashMidRoundIsResumedWithTheSameRound() {
    String id = invoiceFor(null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    // An instance takes the lease and dies before finishing.
    PaymentLease crashed =
        repository.acquireLease(id, "dead", clock.instant(), Duration.ofMinutes(5)).orElseThrow();
    assertThat(billing.collect(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.IN_PROGRESS));
    clock.advance(Duration.ofMinutes(6));
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests.get(0).idempotencyKey())
        .isEqualTo("caravel-" + id + "-round-" + crashed.round());
    assertThat(repository.endRound(crashed, new RoundEnd.Finished(Optional.empty())))
        .isInstanceOf(RoundEnded.LeaseLost.class);
  }

  /** Found by the Stripe adapter's tests: a card changed between a timeout and its resume. */
  @Test
  void aResumedRoundChargesTheSameCardEvenIfTheDefaultChanged() {
    String id = invoiceFor(null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_old");
    gateway.lieOnce = new ChargeOutcome.Unknown("read timed out");
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Unknown.class);
    gateway.savedMethods.put("cus_1", "pm_new");
    clock.advance(Duration.ofMinutes(10));
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::paymentMethodId)
        .containsExactly("pm_old", "pm_old");
    assertThat(gateway.charges).hasValue(1);
  }

  @Test
  void aCardChargeUnknownForADayIsNeverSentAgain() {
    String id = invoiceFor(null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    gateway.script.add(new ChargeOutcome.Unknown("HTTP 500"));
    for (int i = 0; i < 200; i++) {
      gateway.script.add(new ChargeOutcome.Unknown("HTTP 500"));
    }
    // The fake replays by key, so every resume answers Unknown; keep resuming for a day.
    for (int minutes = 0; minutes < 23 * 60; minutes += 10) {
      billing.runCycle();
      clock.advance(Duration.ofMinutes(10));
    }
    int sent = gateway.requests.size();
    PaymentResult last = billing.collect(id);
    assertThat(last)
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class,
            r -> {
              assertThat(r.messaged()).isFalse();
              assertThat(r.nextAttempt()).isEmpty();
              assertThat(r.lastError().orElseThrow()).contains("no definite outcome for a day");
            });
    clock.advance(Duration.ofDays(10));
    billing.runCycle();
    assertThat(gateway.requests).hasSize(sent);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .containsOnly("caravel-" + id + "-round-1");
    assertThat(messages.sent).isEmpty();
  }

  /**
   * Bad input (the README's rules): an exchange rate of zero is refused, and the cascade moves on.
   */
  @Test
  void anExchangeRateOfZeroIsRefusedAndTheCardIsTried() {
    Billing zeroRate =
        Fixtures.engine(repository, clock)
            .serviceWallet(serviceWallet)
            .walletConnector(connector)
            .exchangeRates((minor, currency) -> 0)
            .cipher(cipher)
            .paymentGateway(gateway)
            .messenger(messages)
            .build();
    zeroRate.saveTenant(ALICE, connector.uri("alice", TenantWalletBehaviour.PAYS), "cus_1");
    zeroRate.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    String id = zeroRate.generateInvoice(ALICE).orElseThrow().id();
    gateway.savedMethods.put("cus_1", "pm_1");

    assertThat(zeroRate.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(paymentOf(id).method()).isEqualTo(PaymentMethod.STRIPE);
    assertThat(repository.findBolt11(id)).isEmpty(); // no Lightning invoice for zero msats
    assertThat(serviceWallet.made).isEmpty();
    assertThat(connector.payAttempts).isEmpty();
  }
}
