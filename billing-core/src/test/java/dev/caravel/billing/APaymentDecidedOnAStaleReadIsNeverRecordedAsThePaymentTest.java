package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentEvents;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.RoundEnded;
import dev.caravel.billing.testkit.MutableClock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, "the engine decides, the storage records", for money: the machine decides on a read
 * whether money is the invoice's payment or a second one to refund, and the storage's write ({@link
 * Repository#markPaid}) sets the payment only if the invoice is still open. Each test lets another
 * instance pay or close the invoice between this engine's read and its write, and checks that the
 * money decided as the payment on the stale read is recorded and told as a second payment needing a
 * refund: one payment and one {@code REFUND_NEEDED}, never two payments.
 */
class APaymentDecidedOnAStaleReadIsNeverRecordedAsThePaymentTest {
  private final InMemoryRepository shared = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.Gateway gateway = new FakeRails.Gateway();
  private final List<String> heard = Collections.synchronizedList(new ArrayList<>());

  /** What runs once, on the shared storage, right before this engine's next payment write. */
  private volatile Runnable beforeNextPayment = () -> {};

  private final Billing billing = engine(interfering(shared), "one");
  private final Billing other = engine(shared, "two");

  APaymentDecidedOnAStaleReadIsNeverRecordedAsThePaymentTest() {
    gateway.savedMethods.put("cus_1", "pm_1");
  }

  private Repository interfering(Repository delegate) {
    return new DelegatingRepository(delegate) {
      @Override
      public PaymentRecord markPaid(String invoiceId, Payment payment, PaymentEvents events) {
        meanwhile();
        return super.markPaid(invoiceId, payment, events);
      }

      @Override
      public RoundEnded endRound(PaymentLease lease, RoundEnd end) {
        if (end instanceof RoundEnd.Paid) {
          meanwhile();
        }
        return super.endRound(lease, end);
      }
    };
  }

  private void meanwhile() {
    Runnable meanwhile = beforeNextPayment;
    beforeNextPayment = () -> {};
    meanwhile.run();
  }

  private Billing engine(Repository repository, String instance) {
    return Fixtures.engine(repository, clock)
        .instanceId(instance)
        .paymentGateway(gateway)
        .listener(
            new BillingListener() {
              @Override
              public void paymentSucceeded(Invoice invoice, Payment payment) {
                heard.add(instance + " paid " + payment.reference());
              }

              @Override
              public void refundNeeded(Invoice invoice, Payment late) {
                heard.add(instance + " refund " + late.reference());
              }
            })
        .build();
  }

  private String invoice() {
    billing.saveTenant(ALICE, null, "cus_1");
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    return billing.generateInvoice(ALICE).orElseThrow().id();
  }

  private List<String> moneyEvents() {
    return billing.events(0, 1000).stream()
        .filter(
            e ->
                e.type() == BillingEvent.Type.PAYMENT_SUCCEEDED
                    || e.type() == BillingEvent.Type.REFUND_NEEDED)
        .map(e -> e.type() + " " + e.reference().orElseThrow())
        .toList();
  }

  @Test
  void aSettleOvertakenByAnotherSettleIsRecordedAsASecondPayment() {
    String id = invoice();
    beforeNextPayment = () -> assertThat(other.settle(id, PaymentMethod.MANUAL, "bank-2")).isTrue();

    assertThat(billing.settle(id, PaymentMethod.MANUAL, "bank-1"))
        .as("decided as the payment on an open invoice, but not the payment")
        .isFalse();

    assertThat(billing.invoice(id).flatMap(Invoice::payment).map(Payment::reference))
        .contains("bank-2");
    assertThat(moneyEvents()).containsExactly("PAYMENT_SUCCEEDED bank-2", "REFUND_NEEDED bank-1");
    assertThat(heard).containsExactly("two paid bank-2", "one refund bank-1");
  }

  @Test
  void aCardRoundOvertakenByAManualSettleEndsTheRoundWithOnePaymentAndOneRefundNeeded() {
    String id = invoice();
    beforeNextPayment = () -> assertThat(other.settle(id, PaymentMethod.MANUAL, "bank-1")).isTrue();

    assertThat(billing.collect(id))
        .as("the round answers with the invoice's one payment")
        .isInstanceOfSatisfying(
            PaymentResult.Paid.class, p -> assertThat(p.payment().reference()).isEqualTo("bank-1"));

    assertThat(gateway.charges).hasValue(1);
    assertThat(billing.invoice(id).flatMap(Invoice::payment).map(Payment::reference))
        .contains("bank-1");
    assertThat(moneyEvents()).containsExactly("PAYMENT_SUCCEEDED bank-1", "REFUND_NEEDED pi_1");
    assertThat(heard).containsExactly("two paid bank-1", "one refund pi_1");
    CollectionState after = shared.collectionState(id).orElseThrow();
    assertThat(after.roundOpen()).as("the round ended with the write").isFalse();
    assertThat(after.leaseUntil()).isEmpty();
    assertThat(after.nextAttemptAt()).isEmpty();
  }

  @Test
  void aSettleOvertakenByAVoidLeavesTheInvoiceVoidedAndReportsTheMoney() {
    String id = invoice();
    beforeNextPayment =
        () ->
            assertThat(other.voidInvoice(id, "issued by mistake"))
                .isInstanceOf(CloseResult.Closed.class);

    assertThat(billing.settle(id, PaymentMethod.MANUAL, "bank-1")).isFalse();

    Invoice voided = billing.invoice(id).orElseThrow();
    assertThat(voided.isPaid()).as("a closed invoice is never paid").isFalse();
    assertThat(voided.status()).isEqualTo(Invoice.Status.VOID);
    assertThat(moneyEvents()).containsExactly("REFUND_NEEDED bank-1");
    assertThat(heard).containsExactly("one refund bank-1");
  }

  @Test
  void theSameMoneyDeliveredToTwoInstancesAtOnceIsOnePaymentToldOnce() {
    String id = invoice();
    beforeNextPayment = () -> assertThat(other.settle(id, PaymentMethod.MANUAL, "bank-1")).isTrue();

    assertThat(billing.settle(id, PaymentMethod.MANUAL, "bank-1")).isFalse();

    assertThat(moneyEvents()).containsExactly("PAYMENT_SUCCEEDED bank-1");
    assertThat(heard).containsExactly("two paid bank-1");
    assertThat(billing.invoice(id).orElseThrow().isPaid()).isTrue();
  }
}
