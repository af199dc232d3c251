package dev.caravel.billing;

import static dev.caravel.billing.Billing.MAX_AMOUNT;
import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Invoice.Period;
import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Part of defect 4 of issue 21: a charge of {@code Long.MAX_VALUE} made one tenant's balance
 * overflow. Money values now have a maximum ({@link Billing#MAX_AMOUNT}, 10^12 minor units),
 * enforced at every public entry, which keeps every sum the ledger makes exact in a long.
 */
class MoneyLimitsTest {
  private static final Instant NOW = Instant.parse("2025-01-31T10:00:00Z");

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = new MutableClock(NOW);
  private final Billing billing = Fixtures.engine(repository, clock).build();

  private static void outOfRange(ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("at most " + MAX_AMOUNT);
  }

  @Test
  void defect4_moneyAboveTheMaximumIsRefusedAtEveryPublicEntry() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", NOW));
    outOfRange(() -> new Plan("big", "Big", MAX_AMOUNT + 1));
    outOfRange(
        () ->
            new PlanCatalogue.Version(
                "big", "Big", Long.MAX_VALUE, PlanCatalogue.ORIGIN, false, false));
    outOfRange(() -> billing.changePrice("basic", MAX_AMOUNT + 1, NOW.plusSeconds(86_400)));
    outOfRange(() -> billing.charge(ALICE, Long.MAX_VALUE, "the defect's charge", "k1"));
    outOfRange(() -> billing.credit(ALICE, MAX_AMOUNT + 1, "too generous", "k2"));
    outOfRange(() -> billing.refund("INV-000001", MAX_AMOUNT + 1, "too much", "k3"));
    outOfRange(
        () ->
            billing.refund(
                "INV-000001", Long.MAX_VALUE, "too much", "k4", Payment.Refund.Via.CREDIT));
    outOfRange(() -> new BillingPeriods(NOW).period(0).prorate(MAX_AMOUNT + 1, NOW));
    outOfRange(() -> InvoiceItem.forAdjustment(ALICE, Long.MIN_VALUE, "wraps", "k5", NOW));
    outOfRange(() -> InvoiceItem.forAdjustment(ALICE, -MAX_AMOUNT - 1, "too big", "k6", NOW));
    // Nothing was stored: no price change, no adjustment.
    assertThat(billing.catalogue()).isEqualTo(Fixtures.CATALOGUE);
    assertThat(billing.unbilledBalance(ALICE)).isEqualTo(500);
    // And the poll bills everyone as before.
    billing.record(Activity.create("b1", BOB, "r1", "pro", NOW));
    clock.set(Instant.parse("2025-03-01T00:00:00Z"));
    assertThat(billing.runCycle().invoicesCreated()).hasSize(2);
  }

  @Test
  void defect4_aTenantAtTheMaximumEverywhereIsBilledExactly() {
    Plan max = new Plan("max", "Max", MAX_AMOUNT);
    Billing b =
        Fixtures.engine(repository, clock).catalogue(PlanCatalogue.of(max, Fixtures.FREE)).build();
    b.record(Activity.create("a1", ALICE, "r1", "max", NOW));
    b.record(Activity.create("a2", ALICE, "r2", "max", NOW));
    assertThat(b.charge(ALICE, MAX_AMOUNT, "the most a hand charge can be", "k1")).isTrue();
    // Mid-period moves at the maximum price: a deactivation and a plan change.
    Instant mid = Instant.parse("2025-02-14T10:00:00Z"); // half of Jan 31 → Feb 28, 10:00
    clock.set(mid);
    b.record(Activity.deactivate("a3", ALICE, "r1", mid));
    b.record(Activity.update("a4", ALICE, "r2", "free", mid));
    b.record(Activity.update("a5", ALICE, "r2", "max", mid));
    // Two years of renewals for r2, caught up at once.
    clock.set(Instant.parse("2027-02-01T00:00:00Z"));
    Invoice invoice = b.generateInvoice(ALICE).orElseThrow();
    List<InvoiceItem> items = b.invoiceItems(invoice.id());
    BigInteger exact =
        items.stream()
            .map(i -> BigInteger.valueOf(i.amount()))
            .reduce(BigInteger.ZERO, BigInteger::add);
    assertThat(BigInteger.valueOf(invoice.total())).isEqualTo(exact);
    long half = MAX_AMOUNT / 2; // 14 of 28 days: exactly half, no rounding
    assertThat(invoice.total())
        .isEqualTo(2 * MAX_AMOUNT + MAX_AMOUNT - half - half + half + 24 * MAX_AMOUNT);
    assertThat(items)
        .allSatisfy(i -> assertThat(Math.abs(i.amount())).isLessThanOrEqualTo(MAX_AMOUNT));
  }

  @Property(tries = 1000)
  void prorationAtTheMaximumPriceIsExact(
      @ForAll @LongRange(min = 0, max = MAX_AMOUNT) long price,
      @ForAll @IntRange(min = 0, max = 1200) int k,
      @ForAll @LongRange(min = 0, max = 3_000_000L) long offset) {
    Period p = new BillingPeriods(NOW).period(k);
    Instant t = p.start().plusSeconds(offset % p.seconds());
    BigInteger twice =
        BigInteger.valueOf(price)
            .multiply(BigInteger.valueOf(p.end().getEpochSecond() - t.getEpochSecond()))
            .shiftLeft(1)
            .add(BigInteger.valueOf(p.seconds()));
    long expected = twice.divide(BigInteger.valueOf(p.seconds()).shiftLeft(1)).longValueExact();
    assertThat(p.prorate(price, t)).isEqualTo(expected);
    assertThat(p.prorate(MAX_AMOUNT, t)).isBetween(0L, MAX_AMOUNT);
  }
}
