package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: a payment round starts only when its invoice is due. Found by a crash test with several
 * engines on one database: the instance that created an invoice charged it again after another
 * instance's round had closed {@code processing}.
 */
class OneRoundAtATimeTest {
  private final InMemoryRepository shared = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.Gateway gateway = new FakeRails.Gateway();
  private final FakeRails.Messages messages = new FakeRails.Messages();
  private final List<String> refundWarnings = new ArrayList<>();
  private final Logger cascadeLog = Logger.getLogger(PaymentCascade.class.getName());
  private final Handler warnings =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (record.getMessage().contains("needs a refund")) {
            refundWarnings.add(record.getMessage());
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  {
    cascadeLog.addHandler(warnings);
  }

  @AfterEach
  void detach() {
    cascadeLog.removeHandler(warnings);
  }

  private Billing engine(Repository repository, String instance) {
    return Fixtures.engine(repository, clock)
        .instanceId(instance)
        .paymentGateway(gateway)
        .messenger(messages)
        .build();
  }

  private void tenantWithCard(Billing billing) {
    billing.saveTenant(ALICE, null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
  }

  /**
   * The defect as the crash test saw it, made deterministic: B collects between A's claim and A's
   * collect.
   */
  @Test
  void theCreatingInstanceDoesNotChargeAgainAfterAnotherInstancesPendingRound() {
    Billing b = engine(shared, "b");
    List<PaymentResult> bSaw = new ArrayList<>();
    Repository aView =
        new DelegatingRepository(shared) {
          @Override
          public List<Invoice> claim(
              List<Claim> claims, dev.caravel.billing.spi.InvoiceNumbering ids) {
            List<Invoice> made = super.claim(claims, ids);
            clock.advance(Duration.ofSeconds(60));
            bSaw.addAll(b.collectDue()); // the fresh invoice is due at once, and B is quicker
            return made;
          }
        };
    Billing a = engine(aView, "a");
    tenantWithCard(a);
    gateway.script.add(new ChargeOutcome.Pending("pi_processing"));

    CycleReport report = a.runCycle();

    assertThat(bSaw).singleElement().isInstanceOf(PaymentResult.Pending.class);
    String id = report.invoicesCreated().get(0).id();
    assertThat(report.payments())
        .contains(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.PAYMENT_PENDING));
    assertThat(gateway.requests).hasSize(1);

    // neither the poll on either instance, nor collect, nor a manual retry charges again
    for (int day = 0; day < 10; day++) {
      clock.advance(Duration.ofDays(1));
      a.runCycle();
      b.runCycle();
    }
    assertThat(a.collect(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.PAYMENT_PENDING));
    assertThat(b.retryNow(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.PAYMENT_PENDING));
    assertThat(gateway.requests).hasSize(1);
    assertThat(messages.sent).isEmpty();

    // the webhook, delivered to both instances, settles it once; the replay is not a second payment
    assertThat(a.settle(id, PaymentMethod.STRIPE, "pi_processing")).isTrue();
    assertThat(b.settle(id, PaymentMethod.STRIPE, "pi_processing")).isFalse();
    assertThat(refundWarnings).isEmpty();
    assertThat(shared.collectionState(id).orElseThrow().hold()).isEmpty();
  }

  @Test
  void twoInstancesWithAProcessingGatewayChargeOnce() {
    Billing a = engine(shared, "a");
    Billing b = engine(shared, "b");
    tenantWithCard(a);
    gateway.script.add(new ChargeOutcome.Pending("pi_processing"));
    String id = a.generateInvoice(ALICE).orElseThrow().id();

    assertThat(b.collect(id)).isEqualTo(new PaymentResult.Pending(id, "pi_processing"));
    assertThat(a.collect(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.PAYMENT_PENDING));
    assertThat(gateway.requests).hasSize(1);
  }

  @Test
  void aRoundWithANextAttemptTomorrowIsNotDueToday() {
    Billing a = engine(shared, "a");
    Billing b = engine(shared, "b");
    tenantWithCard(a);
    gateway.script.add(new ChargeOutcome.Declined("card_declined", "Your card was declined."));
    String id = a.generateInvoice(ALICE).orElseThrow().id();

    assertThat(b.collect(id))
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class,
            r -> assertThat(r.nextAttempt()).contains(clock.instant().plus(Duration.ofDays(1))));
    assertThat(a.collect(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.NOT_DUE));
    a.runCycle();
    assertThat(gateway.requests).hasSize(1);
    assertThat(messages.sent).as("one DM for the one round").hasSize(1);

    clock.advance(Duration.ofDays(1));
    assertThat(a.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .containsExactly(CardRail.idempotencyKey(id, 1), CardRail.idempotencyKey(id, 2));
  }

  @Test
  void aManualRetryRunsTheNextRoundNowOnceTheLastOneFailed() {
    Billing a = engine(shared, "a");
    tenantWithCard(a);
    gateway.script.add(new ChargeOutcome.Declined("card_declined", "Your card was declined."));
    String id = a.generateInvoice(ALICE).orElseThrow().id();
    assertThat(a.collect(id)).isInstanceOf(PaymentResult.NotPaid.class);

    clock.advance(Duration.ofHours(2)); // the tenant fixed their card
    assertThat(a.retryNow(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(a.retryNow(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.ALREADY_PAID));
    assertThat(a.retryNow("nope"))
        .isEqualTo(new PaymentResult.Skipped("nope", PaymentResult.Skipped.Reason.NO_SUCH_INVOICE));
    assertThat(gateway.charges).hasValue(1);
  }

  @Test
  void aManualRetryIsRefusedWhileACardOutcomeIsUnknown() {
    Billing a = engine(shared, "a");
    tenantWithCard(a);
    gateway.lieOnce =
        new ChargeOutcome.Unknown("read timed out"); // Stripe took the money; we did not hear
    String id = a.generateInvoice(ALICE).orElseThrow().id();
    assertThat(a.collect(id)).isInstanceOf(PaymentResult.Unknown.class);

    assertThat(a.retryNow(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.OUTCOME_UNKNOWN));
    assertThat(a.collect(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.OUTCOME_UNKNOWN));
    clock.advance(Duration.ofMinutes(10));
    // resumed under the same key: Stripe answers the first charge, nothing more is taken
    assertThat(a.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.charges).hasValue(1);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .containsOnly(CardRail.idempotencyKey(id, 1));
  }

  @Test
  void aSecondPaymentWithAnotherReferenceIsFlaggedForARefund() {
    Billing a = engine(shared, "a");
    tenantWithCard(a);
    String id = a.generateInvoice(ALICE).orElseThrow().id();
    assertThat(a.settle(id, PaymentMethod.MANUAL, "bank-transfer-1")).isTrue();
    assertThat(a.settle(id, PaymentMethod.STRIPE, "pi_other")).isFalse();
    assertThat(refundWarnings).singleElement().asString().contains("needs a refund");
  }

  @Test
  void theBolt11StoredIsWhatTheWalletMadeNotWhatWasAsked() {
    FakeRails.ServiceWallet wallet = new FakeRails.ServiceWallet(clock);
    wallet.wholeSats = true;
    wallet.expiryCap = Duration.ofMinutes(10);
    FakeRails.Connector connector = new FakeRails.Connector(wallet);
    SecretCipher cipher = SecretCipher.aesGcm(new byte[32]);
    Billing billing =
        Fixtures.engine(shared, clock)
            .serviceWallet(wallet)
            .walletConnector(connector)
            .exchangeRates(
                (minor, currency) -> minor * 1000 + 1) // 500 cents -> 500,001 msats: not whole sats
            .cipher(cipher)
            .build();
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    String id = billing.generateInvoice(ALICE).orElseThrow().id();

    Bolt11Request first = billing.bolt11(id);
    assertThat(first.msats()).isEqualTo(501_000);
    assertThat(first.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
    clock.advance(Duration.ofMinutes(9));
    assertThat(billing.bolt11(id)).isEqualTo(first);
    clock.advance(
        Duration.ofMinutes(1)); // expired by the wallet's own clock, though not an hour old
    assertThat(billing.bolt11(id).bolt11()).isNotEqualTo(first.bolt11());
    assertThat(shared.findInvoice(id).map(Invoice::payment)).contains(Optional.empty());
  }
}
