package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, defect 8: {@code credit(T, 50, …, "refund:K")} then {@code refund(inv, 100, …, "K",
 * CREDIT)} threw a unique-index error on JDBC, while memory took both. A hand adjustment's key and
 * a refund's credit never collide, in either order, on any storage (the contract kit pins the
 * storages; this pins the engine).
 */
class RefundCreditKeyTest {
  private final MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
  private final Billing billing = Fixtures.engine(new InMemoryRepository(), clock).build();

  private Invoice paidInvoiceOf500() {
    billing.record(Activity.create("c-1", ALICE, "r1", "basic", clock.instant()));
    Invoice invoice = billing.generateInvoice(ALICE).orElseThrow();
    billing.settle(invoice.id(), PaymentMethod.MANUAL, "bank-1");
    return invoice;
  }

  @Test
  void anAdjustmentKeyedRefundColonKAndTheCreditOfRefundKAreBothRecorded() {
    Invoice invoice = paidInvoiceOf500();

    assertThat(billing.credit(ALICE, 50, "Goodwill", "refund:K")).isTrue();
    RefundResult credited =
        billing.refund(invoice.id(), 100, "Outage", "K", Payment.Refund.Via.CREDIT);
    assertThat(credited).isInstanceOf(RefundResult.Recorded.class);
    // and the other way round
    assertThat(billing.refund(invoice.id(), 200, "Outage", "K2", Payment.Refund.Via.CREDIT))
        .isInstanceOf(RefundResult.Recorded.class);
    assertThat(billing.charge(ALICE, 25, "Setup fee", "refund:K2")).isTrue();

    assertThat(billing.unbilledBalance(ALICE)).isEqualTo(-50 - 100 - 200 + 25);
    assertThat(billing.balance(invoice.id()).refunded()).isEqualTo(300);
    // each stays idempotent on its own key
    assertThat(billing.credit(ALICE, 50, "Goodwill", "refund:K")).isFalse();
    assertThat(billing.charge(ALICE, 25, "Setup fee", "refund:K2")).isFalse();
    assertThat(billing.refund(invoice.id(), 100, "Outage", "K", Payment.Refund.Via.CREDIT))
        .isEqualTo(credited);
    assertThat(billing.unbilledBalance(ALICE)).isEqualTo(-325);
  }
}
