package dev.caravel.billing.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks' card rail still tells a double charge from a retry after it stopped keeping
 * strings.
 */
class FakeCardRailTest {
  private static ChargeRequest charge(String invoice, int round) {
    return new ChargeRequest("cus_1", "pm_1", 500, "USD", invoice, invoice + "-round-" + round);
  }

  @Test
  void aRetryUnderTheSameKeyIsAnsweredAsBeforeAndTakesNothingMore() {
    FakeCardRail rail = new FakeCardRail(0);
    ChargeOutcome first = rail.charge(charge("inv-1", 1));
    ChargeOutcome again = rail.charge(charge("inv-1", 1));
    assertThat(again).isEqualTo(first).isEqualTo(new ChargeOutcome.Paid("pi_inv-1-round-1"));
    assertThat(rail.invoicesCharged()).isEqualTo(1);
    assertThat(rail.doubleCharges()).isZero();
  }

  @Test
  void anInvoiceChargedUnderASecondKeyIsADoubleCharge() {
    FakeCardRail rail = new FakeCardRail(0);
    rail.charge(charge("inv-1", 1));
    rail.charge(charge("inv-1", 2));
    assertThat(rail.invoicesCharged()).isEqualTo(1);
    assertThat(rail.doubleCharges()).isEqualTo(1);
  }

  @Test
  void manyInvoicesAreCountedOnceEachAcrossTheSetsGrowth() {
    FakeCardRail rail = new FakeCardRail(0);
    for (int i = 0; i < 10_000; i++) {
      rail.charge(charge("inv-" + i, 1));
      rail.charge(charge("inv-" + i, 1));
    }
    assertThat(rail.invoicesCharged()).isEqualTo(10_000);
    assertThat(rail.doubleCharges()).isZero();
  }

  @Test
  void aLongSetRefusesZeroWhichMarksAnEmptySlot() {
    LongSet set = new LongSet();
    assertThat(set.add(LongSet.hash(""))).isTrue();
    assertThat(set.add(LongSet.hash(""))).isFalse();
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> set.add(0));
  }
}
