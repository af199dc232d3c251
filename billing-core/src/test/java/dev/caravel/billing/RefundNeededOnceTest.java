package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, defect 10: listener calls are as idempotent as the events behind them. A late payment
 * delivered again and again (a webhook redelivered, two instances hearing it) is recorded once, and
 * {@code refundNeeded} is called by the one delivery that recorded it. (The storages' side is the
 * contract kit's {@code theSameLatePaymentDeliveredThreeTimesIsRecordedOnceAndSaidOnce}, on memory,
 * H2 and PostgreSQL.)
 */
class RefundNeededOnceTest {
  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.Gateway gateway = new FakeRails.Gateway();
  private final List<String> refundsNeeded = Collections.synchronizedList(new ArrayList<>());

  private Billing engine(String instance) {
    return Fixtures.engine(repository, clock)
        .instanceId(instance)
        .paymentGateway(gateway)
        .listener(
            new BillingListener() {
              @Override
              public void refundNeeded(Invoice invoice, Payment late) {
                refundsNeeded.add(invoice.id() + ":" + late.reference());
              }
            })
        .build();
  }

  private final Billing billing = engine("one");

  private String invoice() {
    billing.saveTenant(ALICE, null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    return billing.generateInvoice(ALICE).orElseThrow().id();
  }

  private long refundNeededEvents() {
    return billing.events(0, 1000).stream()
        .filter(e -> e.type() == BillingEvent.Type.REFUND_NEEDED)
        .count();
  }

  @Test
  void theSameLatePaymentDeliveredThreeTimesCallsRefundNeededOnce() {
    String id = invoice();
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);

    for (int delivery = 0; delivery < 3; delivery++) {
      assertThat(billing.settle(id, PaymentMethod.MANUAL, "bank-9")).isFalse();
    }

    assertThat(refundsNeeded).containsExactly(id + ":bank-9");
    assertThat(refundNeededEvents()).isEqualTo(1);
  }

  @Test
  void theSameLatePaymentOfAVoidedInvoiceDeliveredThreeTimesCallsRefundNeededOnce() {
    String id = invoice();
    assertThat(billing.voidInvoice(id, "issued by mistake")).isInstanceOf(CloseResult.Closed.class);

    for (int delivery = 0; delivery < 3; delivery++) {
      assertThat(billing.settle(id, PaymentMethod.STRIPE, "pi_late")).isFalse();
    }

    assertThat(refundsNeeded).containsExactly(id + ":pi_late");
    assertThat(refundNeededEvents()).isEqualTo(1);
  }

  @Test
  void aLatePaymentHeardByTwoInstancesIsToldByOne() {
    String id = invoice();
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    Billing other = engine("two");

    assertThat(billing.settle(id, PaymentMethod.MANUAL, "bank-9")).isFalse();
    assertThat(other.settle(id, PaymentMethod.MANUAL, "bank-9")).isFalse();
    assertThat(other.settle(id, PaymentMethod.STRIPE, "pi_1"))
        .as("the invoice's own payment seen again is nothing")
        .isFalse();

    assertThat(refundsNeeded).containsExactly(id + ":bank-9");
    assertThat(refundNeededEvents()).isEqualTo(1);
  }
}
