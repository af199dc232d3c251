package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.FakeRails.TenantWalletBehaviour;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentEvents;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.RoundEnded;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 13, engine side: every card outcome ends paid, scheduled or needing attention (S18). */
class CardReconciliationTest {
  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.ServiceWallet serviceWallet = new FakeRails.ServiceWallet(clock);
  private final FakeRails.Connector connector = new FakeRails.Connector(serviceWallet);
  private final FakeRails.Gateway gateway = new FakeRails.Gateway();
  private final FakeRails.Messages messages = new FakeRails.Messages();
  private final List<String> attention = Collections.synchronizedList(new ArrayList<>());
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private final Billing billing = engine(repository, "one");

  CardReconciliationTest() {
    gateway.canLook = true;
    gateway.savedMethods.put("cus_1", "pm_1");
  }

  private Billing engine(Repository repo, String instance) {
    return Fixtures.engine(repo, clock)
        .instanceId(instance)
        .serviceWallet(serviceWallet)
        .walletConnector(connector)
        .exchangeRates(FakeRails.RATES)
        .cipher(SecretCipher.aesGcm(new byte[32]))
        .paymentGateway(gateway)
        .messenger(messages)
        .listener(
            new BillingListener() {
              @Override
              public void needsAttention(Invoice invoice, Rail rail, String reason) {
                attention.add(reason);
              }

              @Override
              public void paymentFailed(Invoice invoice, Rail rail, String error) {
                events.add("failed:" + error);
              }

              @Override
              public void paymentRefunded(Invoice invoice, String reference, long amountRefunded) {
                events.add("refunded:" + reference + ":" + amountRefunded);
              }

              @Override
              public void paymentDisputed(
                  Optional<Invoice> invoice,
                  String reference,
                  String disputeId,
                  long amount,
                  String reason) {
                events.add(
                    "disputed:"
                        + invoice.map(Invoice::id).orElse("?")
                        + ":"
                        + reference
                        + ":"
                        + reason);
              }
            })
        .build();
  }

  private String invoice(String nwcUri) {
    billing.saveTenant(ALICE, nwcUri, "cus_1");
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    return billing.generateInvoice(ALICE).orElseThrow().id();
  }

  private String key(String id, int round) {
    return CardRail.idempotencyKey(id, round);
  }

  private CollectionState state(String id) {
    return repository.collectionState(id).orElseThrow();
  }

  // ---- looking before resending ----

  @Test
  void unknownThenFoundSucceededIsPaidWithoutSendingAgain() {
    String id = invoice(null);
    gateway.lieOnce =
        new ChargeOutcome.Unknown("read timed out"); // Stripe charged; we did not hear
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Unknown.class);

    clock.advance(Duration.ofMinutes(10));
    assertThat(billing.collect(id))
        .isInstanceOfSatisfying(
            PaymentResult.Paid.class, p -> assertThat(p.payment().reference()).isEqualTo("pi_1"));
    assertThat(gateway.lookups).containsExactly(key(id, 1));
    assertThat(gateway.requests).as("looked, did not resend").hasSize(1);
    assertThat(gateway.charges).hasValue(1);
  }

  @Test
  void unknownThenFoundAbsentIsResentUnderTheSameKey() {
    String id = invoice(null);
    gateway.dropOnce = true; // the request never reached the gateway
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Unknown.class);

    clock.advance(Duration.ofMinutes(10));
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .containsExactly(key(id, 1), key(id, 1));
    assertThat(gateway.charges).hasValue(1);
  }

  @Test
  void afterTheIdempotencyWindowTheEngineLooksInsteadOfStopping() {
    String id = invoice(null);
    gateway.lieOnce = new ChargeOutcome.Unknown("read timed out");
    billing.collect(id);
    clock.advance(Duration.ofHours(30)); // the instance that would resume it was down for a day
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests).hasSize(1);
    assertThat(attention).isEmpty();
  }

  @Test
  void afterTheWindowAnAbsentChargeIsSentOnceWithItsKey() {
    String id = invoice(null);
    gateway.dropOnce = true;
    billing.collect(id);
    clock.advance(Duration.ofHours(30));
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .containsExactly(key(id, 1), key(id, 1));
    assertThat(gateway.charges).hasValue(1);
  }

  @Test
  void afterTheWindowALookedUpDeclineEndsTheRoundNormally() {
    String id = invoice(null);
    gateway.lieOnce = new ChargeOutcome.Unknown("read timed out");
    gateway.script.add(
        new ChargeOutcome.Declined("insufficient_funds", "Your card has insufficient funds."));
    billing.collect(id);
    clock.advance(Duration.ofHours(30));
    assertThat(billing.collect(id))
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class,
            r -> {
              assertThat(r.messaged()).isTrue();
              // the next round is the schedule's (first attempt + 1 day): passed already, so due at
              // once
              assertThat(r.nextAttempt()).contains(Instant.parse("2025-01-02T00:00:00Z"));
            });
    assertThat(messages.sent)
        .singleElement()
        .satisfies(
            m ->
                assertThat(m.text())
                    .endsWith(CustomerNotice.CARD_DECLINED.sentence())
                    .doesNotContain("insufficient funds"));
    assertThat(gateway.requests).hasSize(1);
    assertThat(billing.collectDue()).singleElement().isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .containsExactly(key(id, 1), key(id, 2));
  }

  @Test
  void aGatewayThatCannotAnswerPastTheWindowLeavesTheInvoiceNeedingAttention() {
    String id = invoice(null);
    gateway.dropOnce = true;
    gateway.canLook = false;
    billing.collect(id);
    clock.advance(Duration.ofHours(30));
    assertThat(billing.collect(id))
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class,
            r -> {
              assertThat(r.nextAttempt()).isEmpty();
              assertThat(r.messaged()).isFalse();
            });
    assertThat(state(id).hold())
        .map(CollectionHold::reason)
        .contains(CollectionHold.Reason.OUTCOME_UNKNOWN);
    assertThat(attention)
        .singleElement()
        .asString()
        .contains("could not say")
        .contains("the gateway is unreachable");
    assertThat(billing.retryNow(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.OUTCOME_UNKNOWN));
    assertThat(gateway.requests).as("never resent blind past the window").hasSize(1);

    // someone checks: the gateway answers again, nothing was charged, so a new round may run
    gateway.canLook = true;
    assertThat(billing.reopen(id)).isTrue();
    assertThat(billing.reopen(id)).as("once").isFalse();
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .containsExactly(key(id, 1), key(id, 2));
  }

  @Test
  void reopeningFindsAChargeThatWentThroughAndSettlesInsteadOfChargingAgain() {
    String id = invoice(null);
    gateway.lieOnce = new ChargeOutcome.Unknown("read timed out");
    gateway.canLook = false;
    billing.collect(id);
    clock.advance(Duration.ofHours(30));
    billing.collect(id);
    gateway.canLook = true;
    assertThat(billing.reopen(id)).isFalse();
    assertThat(repository.findInvoice(id).orElseThrow().payment())
        .map(Payment::reference)
        .contains("pi_1");
    assertThat(gateway.charges).hasValue(1);
  }

  // ---- the failure webhook for a pending charge ----

  @Test
  void aProcessingChargeThatFailsLaterGetsItsNextRound() {
    String id = invoice(null);
    gateway.script.add(new ChargeOutcome.Pending("pi_p"));
    assertThat(billing.collect(id)).isEqualTo(new PaymentResult.Pending(id, "pi_p"));

    clock.advance(Duration.ofHours(2));
    gateway.becomes(
        key(id, 1),
        new ChargeOutcome.Declined("insufficient_funds", "Your card has insufficient funds."));
    assertThat(billing.chargeFailed(id, "pi_other", "Your card was declined."))
        .as("another intent")
        .isFalse();
    assertThat(billing.chargeFailed(id, "pi_p", "Your card has insufficient funds.")).isTrue();
    assertThat(billing.chargeFailed(id, "pi_p", "Your card has insufficient funds."))
        .as("redelivered")
        .isFalse();

    assertThat(messages.sent)
        .as("one DM for the round")
        .singleElement()
        .satisfies(
            m ->
                assertThat(m.text())
                    .endsWith(CustomerNotice.CARD_DECLINED.sentence())
                    .contains("invoice=" + id)
                    .doesNotContain("insufficient funds"));
    assertThat(state(id).hold()).isEmpty();
    assertThat(state(id).nextAttemptAt()).contains(Instant.parse("2025-01-02T00:00:00Z"));
    assertThat(billing.collect(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.NOT_DUE));

    clock.set(Instant.parse("2025-01-02T00:00:00Z"));
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .containsExactly(key(id, 1), key(id, 2));
  }

  @Test
  void aFailureArrivingAfterTheNextRoundsTimeMakesItDueNow() {
    String id = invoice(null);
    gateway.script.add(new ChargeOutcome.Pending("pi_p"));
    billing.collect(id);
    clock.advance(Duration.ofDays(2));
    gateway.becomes(
        key(id, 1), new ChargeOutcome.Declined("card_declined", "Your card was declined."));
    assertThat(billing.chargeFailed(id, "pi_p", "Your card was declined.")).isTrue();
    assertThat(state(id).nextAttemptAt()).contains(clock.instant());
    assertThat(billing.collectDue()).singleElement().isInstanceOf(PaymentResult.Paid.class);
  }

  // Our faults (a Failed outcome, a charge refused before it is sent): OurFaultsEndTheRoundTest.

  // ---- open intents ----

  @Test
  void anIntentWaitingForTheCustomerIsCanceledWhenLightningPays() {
    String uri = connector.uri("alice", TenantWalletBehaviour.FAILS);
    String id = invoice(uri);
    gateway.script.add(
        new ChargeOutcome.NeedsCustomer("pi_auth", "Your bank asks you to confirm this payment."));
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.NotPaid.class);

    clock.advance(Duration.ofDays(1));
    connector.behaviours.put(uri, TenantWalletBehaviour.PAYS);
    assertThat(billing.collect(id))
        .isInstanceOfSatisfying(
            PaymentResult.Paid.class,
            p -> assertThat(p.payment().method()).isEqualTo(PaymentMethod.NWC));
    assertThat(gateway.cancels).containsExactly("pi_auth");
  }

  @Test
  void anIntentWaitingForTheCustomerIsCanceledWhenSettledByHand() {
    String id = invoice(null);
    gateway.script.add(
        new ChargeOutcome.NeedsCustomer("pi_auth", "Your bank asks you to confirm this payment."));
    billing.collect(id);
    assertThat(billing.settle(id, PaymentMethod.MANUAL, "bank-transfer-7")).isTrue();
    assertThat(gateway.cancels).containsExactly("pi_auth");
    assertThat(billing.settle(id, PaymentMethod.MANUAL, "bank-transfer-7")).isFalse();
    assertThat(gateway.cancels).as("once").hasSize(1);
  }

  @Test
  void aCardPaymentLooksUpNothingWhenNoEarlierRoundCharged() {
    String id = invoice(null);
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.lookups).isEmpty();
    assertThat(gateway.cancels).isEmpty();
  }

  // ---- the catalogue, refunds, disputes ----

  @Test
  void theGatewayChecksTheCatalogueWhenTheEngineIsBuilt() {
    assertThat(gateway.checked).containsExactly(Fixtures.CATALOGUE);
    assertThatThrownBy(
            () ->
                Billing.builder()
                    .repository(new InMemoryRepository())
                    .appUrl("https://x.example")
                    .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
                    .catalogue(PlanCatalogue.of("xau", List.of(Fixtures.BASIC)))
                    .paymentGateway(gateway)
                    .build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("xau");
  }

  @Test
  void refundsAndDisputesAreReported() {
    String id = invoice(null);
    billing.collect(id);
    billing.chargeRefunded(id, "pi_1", 200);
    billing.chargeDisputed(Optional.of(id), "pi_1", "dp_1", 500, "fraudulent");
    billing.chargeDisputed(Optional.empty(), "pi_9", "dp_2", 500, "general");
    assertThat(events)
        .containsExactly(
            "refunded:pi_1:200", "disputed:" + id + ":pi_1:fraudulent", "disputed:?:pi_9:general");
    assertThat(repository.findInvoice(id).orElseThrow().isPaid())
        .as("the ledger is unchanged")
        .isTrue();
  }

  // ---- a crash between the gateway's charge and the ledger's write ----

  @Test
  void aCrashAfterTheChargeIsResumedByAnotherInstanceAsOnePayment() {
    String id = invoice(null);
    Repository crashing =
        new DelegatingRepository(repository) {
          @Override
          public PaymentRecord markPaid(String invoiceId, Payment payment, PaymentEvents events) {
            throw new IllegalStateException("kill -9");
          }

          @Override
          public RoundEnded endRound(PaymentLease lease, RoundEnd end) {
            if (end instanceof RoundEnd.Paid || end instanceof RoundEnd.LeftOpen) {
              // a dead process writes neither its payment nor the lease's release
              throw new IllegalStateException("kill -9");
            }
            return super.endRound(lease, end);
          }
        };
    Billing dying = engine(crashing, "a");
    assertThatThrownBy(() -> dying.collect(id)).hasMessage("kill -9");
    assertThat(gateway.charges).hasValue(1);

    Billing other = engine(repository, "b");
    assertThat(other.collect(id))
        .as("the lease still lives")
        .isInstanceOf(PaymentResult.Skipped.class);
    clock.advance(Duration.ofMinutes(5));
    assertThat(other.collect(id))
        .isInstanceOfSatisfying(
            PaymentResult.Paid.class, p -> assertThat(p.payment().reference()).isEqualTo("pi_1"));
    assertThat(gateway.requests).as("found, not resent").hasSize(1);
    assertThat(gateway.charges).hasValue(1);
    assertThat(repository.invoices(ALICE))
        .singleElement()
        .satisfies(i -> assertThat(i.isPaid()).isTrue());
  }
}
