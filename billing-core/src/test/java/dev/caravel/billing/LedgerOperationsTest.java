package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvalidInputException.ConflictingKeyException;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.StorageException;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 14 through the engine: standing, adjustments, voids, refunds, numbers and the feed. */
class LedgerOperationsTest {
  private final MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
  private final InMemoryRepository repository = new InMemoryRepository();
  private final RefundingGateway gateway = new RefundingGateway();
  private final List<String> heard = new ArrayList<>();
  private final BillingListener listener =
      new BillingListener() {
        @Override
        public void standingChanged(String tenant, Standing from, Standing to) {
          heard.add("standing " + from + "->" + to);
        }

        @Override
        public void refundNeeded(Invoice invoice, Payment late) {
          heard.add("refund needed " + late.reference());
        }

        @Override
        public void invoiceClosed(Invoice invoice) {
          heard.add("closed " + invoice.status());
        }
      };

  /** The fake card gateway, refunding too: idempotent on the key, and able to time out once. */
  static final class RefundingGateway extends FakeRails.GatewayWithRefunds {}

  /** No rail, but a messenger: a round asks the tenant by DM, and fails (S13). */
  private Billing engine() {
    return Fixtures.engine(repository, clock).listener(listener).messenger(Fixtures.UNREAD).build();
  }

  private Billing engineWithCard() {
    return Fixtures.engine(repository, clock).listener(listener).paymentGateway(gateway).build();
  }

  private Invoice invoiceFor(Billing billing, String tenant, String relay) {
    billing.record(
        Activity.create(
            "c-" + tenant.substring(60) + relay, tenant, relay, "basic", clock.instant()));
    return billing.generateInvoice(tenant).orElseThrow();
  }

  private List<BillingEvent.Type> feed(Billing billing) {
    return billing.events(0, 1000).stream().map(BillingEvent::type).toList();
  }

  @Test
  void invoicesAreNumberedInvFromOne() {
    Billing billing = engine();
    assertThat(invoiceFor(billing, ALICE, "r1").id()).isEqualTo("INV-000001");
    assertThat(invoiceFor(billing, BOB, "r1").id()).isEqualTo("INV-000002");
  }

  @Test
  void standingFollowsTheDunningAndIsToldOnceByThePoll() {
    Billing billing = engine();
    Invoice invoice = invoiceFor(billing, ALICE, "r1");
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.GOOD);
    billing.collect(invoice.id()); // no rail: a DM, the round failed
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.PAST_DUE);
    assertThat(heard).containsExactly("standing GOOD->PAST_DUE");

    clock.advance(Duration.ofDays(13));
    billing.runCycle();
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.PAST_DUE);
    clock.advance(Duration.ofDays(1));
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.SUSPENDED);
    billing.runCycle(); // by time alone: the poll finds the tenant's check due
    billing.runCycle();
    assertThat(heard).containsExactly("standing GOOD->PAST_DUE", "standing PAST_DUE->SUSPENDED");

    assertThat(billing.settle(invoice.id(), PaymentMethod.MANUAL, "bank-1")).isTrue();
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.GOOD);
    assertThat(heard).last().isEqualTo("standing SUSPENDED->GOOD");
    assertThat(billing.events(0, 1000))
        .filteredOn(e -> e.type() == BillingEvent.Type.STANDING_CHANGED)
        .extracting(BillingEvent::detail)
        .containsExactly("PAST_DUE", "SUSPENDED", "GOOD");
    assertThat(billing.standing(BOB)).isEqualTo(Standing.GOOD);
  }

  @Test
  void thresholdsComeFromTheBuilder() {
    Billing billing =
        Fixtures.engine(repository, clock)
            .pastDueAfterFailedRounds(2)
            .suspendAfter(Duration.ofDays(3))
            .messenger(Fixtures.UNREAD)
            .build();
    Invoice invoice = invoiceFor(billing, ALICE, "r1");
    billing.collect(invoice.id());
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.GOOD);
    clock.advance(Duration.ofDays(1));
    billing.collect(invoice.id());
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.PAST_DUE);
    clock.advance(Duration.ofDays(2));
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.SUSPENDED);
    assertThatThrownBy(() -> Billing.builder().pastDueAfterFailedRounds(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void creditsAndChargesAreItemsOnTheNextInvoiceWithTheirReason() {
    Billing billing = engine();
    billing.record(Activity.create("c1", ALICE, "r1", "basic", clock.instant()));
    assertThat(billing.credit(ALICE, 800, "A month free", "support-1")).isTrue();
    assertThat(billing.credit(ALICE, 800, "A month free", "support-1")).as("a retry").isFalse();
    assertThatThrownBy(() -> billing.credit(ALICE, 700, "A month free", "support-1"))
        .isInstanceOf(ConflictingKeyException.class);
    assertThatThrownBy(() -> billing.charge(ALICE, 0, "nothing", "k0"))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> billing.charge(Fixtures.tenant(99), 10, "x", "k9"))
        .isInstanceOf(InvalidInputException.class);
    // 500 owed, 800 credited: nothing to bill, the credit carries
    assertThat(billing.generateInvoice(ALICE)).isEmpty();
    assertThat(billing.unbilledBalance(ALICE)).isEqualTo(-300);
    assertThat(billing.charge(ALICE, 1000, "Custom domain setup", "setup-1")).isTrue();
    Invoice invoice = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(invoice.total()).isEqualTo(700);
    assertThat(billing.invoiceItems(invoice.id()))
        .extracting(InvoiceItem::description)
        .containsExactly("New relay created", "A month free", "Custom domain setup");
    assertThat(feed(billing))
        .containsExactly(
            BillingEvent.Type.CREDITED,
            BillingEvent.Type.CHARGED,
            BillingEvent.Type.INVOICE_CREATED);
  }

  @Test
  void aVoidedInvoiceIsNeverCollectedAndItsItemsNeverBilledAgain() {
    Billing billing = engine();
    Invoice invoice = invoiceFor(billing, ALICE, "r1");
    billing.collect(invoice.id());
    CloseResult closed = billing.voidInvoice(invoice.id(), "Issued by mistake");
    assertThat(closed).isInstanceOf(CloseResult.Closed.class);
    assertThat(billing.voidInvoice(invoice.id(), "again"))
        .isInstanceOf(CloseResult.AlreadyClosed.class);
    assertThat(billing.writeOff(invoice.id(), "x"))
        .isEqualTo(new CloseResult.Refused(invoice.id(), CloseResult.Reason.CLOSED_OTHERWISE));
    Invoice after = billing.invoice(invoice.id()).orElseThrow();
    assertThat(after.status()).isEqualTo(Invoice.Status.VOID);
    assertThat(after.closure().orElseThrow().reason()).isEqualTo("Issued by mistake");
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.GOOD);
    for (int day = 0; day < 10; day++) {
      clock.advance(Duration.ofDays(1));
      assertThat(billing.runCycle().payments()).isEmpty();
    }
    assertThat(billing.retryNow(invoice.id())).isInstanceOf(PaymentResult.Skipped.class);
    assertThat(billing.generateInvoice(ALICE)).isEmpty();
    assertThatThrownBy(() -> billing.bolt11(invoice.id()))
        .isInstanceOf(InvalidInputException.class);
    // paid anyway (a link kept from before): not taken, the host is told to give it back
    assertThat(billing.settle(invoice.id(), PaymentMethod.MANUAL, "bank-9")).isFalse();
    assertThat(heard).contains("closed VOID", "refund needed bank-9");
    assertThat(feed(billing))
        .contains(BillingEvent.Type.INVOICE_VOIDED, BillingEvent.Type.REFUND_NEEDED);
  }

  @Test
  void noVoidWhileACardChargeIsPendingNorOncePaid() {
    Billing billing = engineWithCard();
    billing.saveTenant(ALICE, null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    gateway.script.add(new ChargeOutcome.Pending("pi_slow"));
    Invoice invoice = invoiceFor(billing, ALICE, "r1");
    assertThat(billing.collect(invoice.id())).isInstanceOf(PaymentResult.Pending.class);
    assertThat(billing.voidInvoice(invoice.id(), "mistake"))
        .isEqualTo(new CloseResult.Refused(invoice.id(), CloseResult.Reason.MONEY_MAY_BE_MOVING));
    billing.settle(invoice.id(), PaymentMethod.STRIPE, "pi_slow");
    assertThat(billing.writeOff(invoice.id(), "gone"))
        .isEqualTo(new CloseResult.Refused(invoice.id(), CloseResult.Reason.PAID));
    assertThat(billing.voidInvoice("nope", "x"))
        .isEqualTo(new CloseResult.Refused("nope", CloseResult.Reason.NO_SUCH_INVOICE));
  }

  @Test
  void theSameChargeSeenTwiceIsOnePaymentAndAnotherNeedsARefund() {
    Billing a = engineWithCard();
    Billing b = engineWithCard();
    a.saveTenant(ALICE, null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    Invoice invoice = invoiceFor(a, ALICE, "r1");
    PaymentResult paid = a.collect(invoice.id());
    String reference = ((PaymentResult.Paid) paid).payment().reference();
    // the PaymentIntent's webhook reaches both instances
    assertThat(a.settle(invoice.id(), PaymentMethod.STRIPE, reference)).isFalse();
    assertThat(b.settle(invoice.id(), PaymentMethod.STRIPE, reference)).isFalse();
    assertThat(heard).noneMatch(h -> h.startsWith("refund needed"));
    assertThat(feed(a)).doesNotContain(BillingEvent.Type.REFUND_NEEDED);
    // the tenant also paid by hand
    assertThat(b.settle(invoice.id(), PaymentMethod.MANUAL, "bank-2")).isFalse();
    assertThat(a.settle(invoice.id(), PaymentMethod.MANUAL, "bank-2")).isFalse();
    assertThat(feed(a)).filteredOn(t -> t == BillingEvent.Type.REFUND_NEEDED).hasSize(1);
  }

  @Test
  void aCardRefundGoesThroughTheGatewayOnceWhateverTheRetries() {
    Billing billing = engineWithCard();
    billing.saveTenant(ALICE, null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    Invoice invoice = invoiceFor(billing, ALICE, "r1");
    billing.collect(invoice.id());
    gateway.refundTimesOutOnce = true;
    RefundResult first = billing.refund(invoice.id(), 200, "Outage credit", "refund-1");
    assertThat(first).isInstanceOf(RefundResult.Pending.class);
    assertThat(billing.balance(invoice.id()).refunded()).as("reserved").isEqualTo(200);
    RefundResult again = billing.refund(invoice.id(), 200, "Outage credit", "refund-1");
    assertThat(again)
        .isInstanceOfSatisfying(
            RefundResult.Recorded.class,
            r -> {
              assertThat(r.refund().status()).isEqualTo(Payment.Refund.Status.DONE);
              assertThat(r.refund().reference()).contains("re_1");
            });
    assertThat(billing.refund(invoice.id(), 200, "Outage credit", "refund-1")).isEqualTo(again);
    assertThat(gateway.refunded).as("money moved once").isEqualTo(200);
    assertThatThrownBy(() -> billing.refund(invoice.id(), 201, "Outage credit", "refund-1"))
        .isInstanceOf(ConflictingKeyException.class);
    assertThat(billing.refund(invoice.id(), 301, "too much", "refund-2"))
        .isInstanceOfSatisfying(
            RefundResult.Refused.class,
            r -> assertThat(r.reason()).isEqualTo(RefundResult.Reason.EXCEEDS_PAYMENT));
    assertThat(billing.balance(invoice.id()))
        .isEqualTo(new Invoice.Balance(invoice.id(), 500, 500, 200, 300));
    assertThat(feed(billing))
        .containsSubsequence(BillingEvent.Type.PAYMENT_SUCCEEDED, BillingEvent.Type.REFUNDED);
  }

  @Test
  void aManualPaymentIsRefundedByHandOrAsACredit() {
    Billing billing = engine();
    Invoice invoice = invoiceFor(billing, ALICE, "r1");
    billing.settle(invoice.id(), PaymentMethod.MANUAL, "bank-1");
    assertThat(billing.refund(invoice.id(), 100, "Goodwill", "r-hand"))
        .isInstanceOfSatisfying(
            RefundResult.Recorded.class,
            r -> assertThat(r.refund().status()).isEqualTo(Payment.Refund.Status.OWED));
    assertThat(billing.refundPaid("r-hand", "bank-out-7")).isTrue();
    assertThat(billing.refundPaid("r-hand", "bank-out-7")).isFalse();
    assertThat(billing.refund(invoice.id(), 100, "x", "r-card", Payment.Refund.Via.CARD))
        .isInstanceOfSatisfying(
            RefundResult.Refused.class,
            r -> assertThat(r.reason()).isEqualTo(RefundResult.Reason.NOT_A_CARD_PAYMENT));
    assertThat(
            billing.refund(
                invoice.id(), 150, "Service credit", "r-credit", Payment.Refund.Via.CREDIT))
        .isInstanceOf(RefundResult.Recorded.class);
    assertThat(billing.unbilledBalance(ALICE)).isEqualTo(-150);
    assertThat(billing.balance(invoice.id()))
        .isEqualTo(new Invoice.Balance(invoice.id(), 500, 500, 250, 250));
    assertThat(billing.refund("nope", 1, "x", "r-x"))
        .isInstanceOfSatisfying(
            RefundResult.Refused.class,
            r -> assertThat(r.reason()).isEqualTo(RefundResult.Reason.NO_SUCH_INVOICE));
    assertThat(feed(billing))
        .containsSubsequence(
            BillingEvent.Type.REFUND_OWED, BillingEvent.Type.REFUNDED, BillingEvent.Type.REFUNDED);
  }

  @Test
  void aRefundMadeOnTheRailIsRecordedOnceFromItsWebhook() {
    Billing billing = engineWithCard();
    billing.saveTenant(ALICE, null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    Invoice invoice = invoiceFor(billing, ALICE, "r1");
    String reference = ((PaymentResult.Paid) billing.collect(invoice.id())).payment().reference();
    billing.chargeRefunded(invoice.id(), reference, 150);
    billing.chargeRefunded(invoice.id(), reference, 150); // delivered twice
    billing.chargeRefunded(invoice.id(), reference, 250); // refunded more later
    assertThat(billing.refunds(invoice.id()))
        .extracting(Payment.Refund::amount)
        .containsExactly(150L, 100L);
    assertThat(billing.balance(invoice.id()).net()).isEqualTo(250);
  }

  @Test
  void aStandingChangeWhoseRefreshFailedIsToldByTheNextPoll() {
    boolean[] failOnce = {true};
    Billing billing =
        Fixtures.engine(
                new DelegatingRepository(repository) {
                  @Override
                  public List<dev.caravel.billing.spi.StandingVerdict> recordStandings(
                      List<dev.caravel.billing.spi.StandingVerdict> verdicts) {
                    if (failOnce[0]) {
                      failOnce[0] = false;
                      throw new StorageException("the database went away");
                    }
                    return super.recordStandings(verdicts);
                  }
                },
                clock)
            .listener(listener)
            .messenger(Fixtures.UNREAD)
            .build();
    Invoice invoice = invoiceFor(billing, ALICE, "r1");
    billing.collect(invoice.id()); // the round fails, and so does the refresh after it
    assertThat(heard).isEmpty();
    clock.advance(Duration.ofMinutes(10));
    billing.runCycle();
    assertThat(heard).containsExactly("standing GOOD->PAST_DUE");
  }

  @Test
  void theFeedPagesInIdOrder() {
    Billing billing = engine();
    for (int i = 0; i < 5; i++) {
      billing.record(
          Activity.create("c" + i, Fixtures.tenant(10 + i), "r", "basic", clock.instant()));
    }
    billing.runCycle();
    List<BillingEvent> all = billing.events(0, 1000);
    assertThat(all).extracting(BillingEvent::id).isSorted().doesNotHaveDuplicates();
    List<BillingEvent> paged = new ArrayList<>();
    long after = 0;
    for (List<BillingEvent> page = billing.events(after, 2);
        !page.isEmpty();
        page = billing.events(after, 2)) {
      paged.addAll(page);
      after = page.get(page.size() - 1).id();
    }
    assertThat(paged).isEqualTo(all);
    assertThatThrownBy(() -> billing.events(-1, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Optional.of(all.get(0).type())).contains(BillingEvent.Type.INVOICE_CREATED);
  }
}
