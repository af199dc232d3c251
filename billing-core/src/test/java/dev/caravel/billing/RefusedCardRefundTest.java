package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, defect 3: a card refund the gateway refused outright stayed PENDING forever and {@code
 * balance} counted it as refunded. Now it ends FAILED, its amount is free again, and it is told
 * once.
 */
class RefusedCardRefundTest {
  private static final String NO_SUCH_CHARGE =
      "Stripe refused the refund (HTTP 400 invalid_request_error/resource_missing)";

  private final MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
  private final InMemoryRepository repository = new InMemoryRepository();
  private final FakeRails.GatewayWithRefunds gateway = new FakeRails.GatewayWithRefunds();
  private final List<Payment.Refund> told = new CopyOnWriteArrayList<>();
  private Billing billing;
  private Invoice invoice;
  private String charge;

  @BeforeEach
  void aCardPaidInvoiceOf500() {
    billing =
        Fixtures.engine(repository, clock)
            .paymentGateway(gateway)
            .listener(
                new BillingListener() {
                  @Override
                  public void refundRecorded(Invoice invoice, Payment.Refund refund) {
                    told.add(refund);
                  }
                })
            .build();
    billing.saveTenant(ALICE, null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    billing.record(Activity.create("c-1", ALICE, "r1", "basic", clock.instant()));
    invoice = billing.generateInvoice(ALICE).orElseThrow();
    charge = ((PaymentResult.Paid) billing.collect(invoice.id())).payment().reference();
  }

  private List<BillingEvent.Type> feed() {
    return billing.events(0, 1000).stream().map(BillingEvent::type).toList();
  }

  @Test
  void aCardRefundTheGatewayRefusesEndsFailedAndItsAmountIsFreeAgain() {
    gateway.refuseRefunds = NO_SUCH_CHARGE;

    RefundResult refused = billing.refund(invoice.id(), 300, "Outage credit", "refund-1");

    assertThat(refused)
        .isInstanceOfSatisfying(
            RefundResult.Failed.class,
            f -> {
              assertThat(f.refund().status()).isEqualTo(Payment.Refund.Status.FAILED);
              assertThat(f.refund().failure()).contains(NO_SUCH_CHARGE);
              assertThat(f.refund().amount()).isEqualTo(300);
            });
    assertThat(gateway.refunded).as("nothing moved").isZero();
    assertThat(billing.balance(invoice.id()))
        .as("a failed refund is not counted as refunded")
        .isEqualTo(new Invoice.Balance(invoice.id(), 500, 500, 0, 500));
    assertThat(told)
        .singleElement()
        .extracting(Payment.Refund::status)
        .isEqualTo(Payment.Refund.Status.FAILED);
    assertThat(feed()).filteredOn(t -> t == BillingEvent.Type.REFUND_FAILED).hasSize(1);
    assertThat(feed()).doesNotContain(BillingEvent.Type.REFUNDED);

    // The same key again answers the failed refund, without asking the gateway again.
    int calls = gateway.refundCalls;
    assertThat(billing.refund(invoice.id(), 300, "Outage credit", "refund-1")).isEqualTo(refused);
    assertThat(gateway.refundCalls).isEqualTo(calls);
    assertThat(told).hasSize(1);

    // A new key is a new refund, and the whole payment is there to refund.
    gateway.refuseRefunds = null;
    assertThat(billing.refund(invoice.id(), 500, "Outage credit", "refund-2"))
        .isInstanceOfSatisfying(
            RefundResult.Recorded.class,
            r -> assertThat(r.refund().status()).isEqualTo(Payment.Refund.Status.DONE));
    assertThat(gateway.refunded).isEqualTo(500);
    assertThat(billing.balance(invoice.id()))
        .isEqualTo(new Invoice.Balance(invoice.id(), 500, 500, 500, 0));
    assertThat(billing.refunds(invoice.id()))
        .extracting(Payment.Refund::status)
        .containsExactly(Payment.Refund.Status.FAILED, Payment.Refund.Status.DONE);
  }

  @Test
  void aPendingCardRefundRefusedWhenSentAgainEndsFailed() {
    gateway.refuseRefunds = NO_SUCH_CHARGE;
    gateway.refundTimesOutOnce = true;

    assertThat(billing.refund(invoice.id(), 300, "Outage credit", "refund-1"))
        .isInstanceOf(RefundResult.Pending.class);
    assertThat(billing.balance(invoice.id()).refunded())
        .as("reserved while unknown")
        .isEqualTo(300);
    assertThat(told).as("nothing to tell while pending").isEmpty();

    assertThat(billing.refund(invoice.id(), 300, "Outage credit", "refund-1"))
        .isInstanceOf(RefundResult.Failed.class);
    assertThat(billing.balance(invoice.id()).refunded()).isZero();
    assertThat(told).singleElement().satisfies(r -> assertThat(r.failure()).isPresent());
  }

  @Test
  void aRefundTheRailMadeOnItsOwnIsRecordedInFullBesideAFailedOne() {
    gateway.refuseRefunds = NO_SUCH_CHARGE;
    billing.refund(invoice.id(), 300, "Outage credit", "refund-1");

    // Later, someone refunds 200 on the rail's dashboard: its webhook says so.
    billing.chargeRefunded(invoice.id(), charge, 200);

    assertThat(billing.refunds(invoice.id()))
        .filteredOn(r -> r.status() == Payment.Refund.Status.DONE)
        .singleElement()
        .extracting(Payment.Refund::amount)
        .as("the failed 300 moved nothing, so all 200 are the rail's own")
        .isEqualTo(200L);
    assertThat(billing.balance(invoice.id()).net()).isEqualTo(300);
  }
}
