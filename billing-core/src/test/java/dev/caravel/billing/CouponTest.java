package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.PlanCatalogue.Coupon;
import dev.caravel.billing.PlanCatalogue.Coupon.Duration;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * S21 through the engine: a coupon's discount on each invoice claimed while it covers the tenant,
 * as one item, idempotent definitions and redemptions, and an invoice left with nothing to pay
 * settled as it is made.
 */
class CouponTest {
  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final List<Invoice> paidAtOnce = new ArrayList<>();
  private final Billing billing =
      Fixtures.engine(repository, clock)
          .listener(
              new BillingListener() {
                @Override
                public void paymentSucceeded(Invoice invoice, Payment payment) {
                  paidAtOnce.add(invoice);
                }
              })
          .build();

  private static Coupon percent(String code, int p, Duration d, int n, String... plans) {
    return Coupon.percentOff(code, p, d, n, Set.of(plans));
  }

  private Invoice generateAt(String instant) {
    clock.set(Instant.parse(instant));
    return billing.generateInvoice(ALICE).orElseThrow();
  }

  private List<String> items(Invoice invoice) {
    return billing.invoiceItems(invoice.id()).stream()
        .map(i -> i.description() + " " + i.amount())
        .toList();
  }

  @Test
  void twentyPercentForThreePeriodsDiscountsTheRedemptionsPeriodAndTheTwoAfter() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.defineCoupon(percent("LAUNCH20", 20, Duration.PERIODS, 3));
    billing.redeemCoupon(ALICE, "LAUNCH20", "k1");

    List<Long> totals = new ArrayList<>();
    for (String month : List.of("01", "02", "03", "04", "05")) {
      totals.add(generateAt("2025-" + month + "-01T00:00:00Z").total());
    }
    assertThat(totals).containsExactly(400L, 400L, 400L, 500L, 500L);
    Invoice first = billing.invoices(ALICE).get(0);
    assertThat(items(first)).containsExactly("New relay created 500", "Discount LAUNCH20 -100");
    assertThat(billing.invoiceItems(first.id()).get(1).relay()).isEqualTo(InvoiceItem.DISCOUNT);
  }

  @Test
  void periodsCountFromThePeriodHoldingTheRedemption() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    clock.set(Instant.parse("2025-02-10T00:00:00Z"));
    billing.defineCoupon(percent("TWO", 10, Duration.PERIODS, 2));
    billing.redeemCoupon(ALICE, "TWO", "k1");
    // Period 1 holds the redemption: periods 1 and 2 are covered, period 3 is not.
    assertThat(generateAt("2025-02-10T00:00:00Z").total()).isEqualTo(900); // Jan + Feb: 1000
    assertThat(generateAt("2025-03-01T00:00:00Z").total()).isEqualTo(450);
    assertThat(generateAt("2025-04-01T00:00:00Z").total()).isEqualTo(500);
  }

  @Test
  void anAmountOffLargerThanTheInvoiceLeavesZeroAndTheInvoiceIsPaidAtOnce() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.defineCoupon(Coupon.amountOff("BIG", 1_500, Duration.ONCE, 0, Set.of()));
    billing.redeemCoupon(ALICE, "BIG", "k1");

    Invoice free = generateAt("2025-01-01T00:00:00Z");
    assertThat(free.total()).isZero();
    assertThat(free.isPaid()).isTrue();
    assertThat(free.payment().orElseThrow().reference()).isEqualTo(Claim.NOTHING_TO_PAY);
    assertThat(billing.invoice(free.id())).contains(free);
    assertThat(items(free)).containsExactly("New relay created 500", "Discount BIG -500");
    assertThat(paidAtOnce).containsExactly(free);
    assertThat(billing.collectDue()).as("nothing left to collect").isEmpty();
    assertThat(billing.events(0, 100))
        .extracting(BillingEvent::type)
        .contains(BillingEvent.Type.INVOICE_CREATED, BillingEvent.Type.PAYMENT_SUCCEEDED);

    assertThat(generateAt("2025-02-01T00:00:00Z").total()).as("once: used up").isEqualTo(500);
  }

  @Test
  void aPlanLimitedCouponDiscountsOnlyChargesOfItsPlansAndNotHandCharges() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.record(Activity.create("a2", ALICE, "r2", "pro", clock.instant()));
    billing.charge(ALICE, 300, "setup", "h1");
    billing.defineCoupon(percent("PRO50", 50, Duration.FOREVER, 0, "pro"));
    billing.redeemCoupon(ALICE, "PRO50", "k1");

    Invoice invoice = generateAt("2025-01-01T00:00:00Z");
    assertThat(invoice.total()).isEqualTo(500 + 2000 + 300 - 1000);
    assertThat(items(invoice)).contains("Discount PRO50 -1000");
  }

  @Test
  void aPlanChangeCountsForThePlanChangedTo() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.generateInvoice(ALICE);
    billing.defineCoupon(percent("PRO10", 10, Duration.FOREVER, 0, "pro"));
    billing.redeemCoupon(ALICE, "PRO10", "k1");
    clock.set(Instant.parse("2025-01-01T00:00:00Z"));
    billing.record(Activity.update("a2", ALICE, "r1", "pro", clock.instant()));
    Invoice invoice = generateAt("2025-01-01T00:00:00Z");
    // Plan changed from Basic to Pro: 2000 - 500 = 1500, 10% of it off.
    assertThat(items(invoice))
        .containsExactly("Plan changed from Basic to Pro 1500", "Discount PRO10 -150");
  }

  @Test
  void aNetCreditClaimsNothingAndLeavesAOnceCouponUnused() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.credit(ALICE, 800, "goodwill", "c1");
    billing.defineCoupon(percent("ONCE10", 10, Duration.ONCE, 0));
    billing.redeemCoupon(ALICE, "ONCE10", "k1");
    assertThat(billing.generateInvoice(ALICE)).isEmpty();

    // Feb: 500 renewal + 500 - 800 carried = 200 owed; the coupon takes 10% of the plan charges.
    Invoice feb = generateAt("2025-02-01T00:00:00Z");
    assertThat(feb.total()).isEqualTo(1000 - 800 - 100);
    assertThat(generateAt("2025-03-01T00:00:00Z").total()).isEqualTo(500);
  }

  @Test
  void theTaxIsOnTheNetAfterTheDiscount() {
    billing.setTax(ALICE, new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE));
    billing.record(Activity.create("a1", ALICE, "r1", "odd", clock.instant()));
    billing.defineCoupon(percent("P15", 15, Duration.FOREVER, 0));
    billing.redeemCoupon(ALICE, "P15", "k1");
    Invoice invoice = generateAt("2025-01-01T00:00:00Z");
    // 999 less round_half_up(149.85) = 150: 849, taxed 20% = 169.8 -> 170.
    assertThat(invoice.net()).isEqualTo(849);
    assertThat(invoice.tax().orElseThrow().amount()).isEqualTo(170);
    assertThat(invoice.total()).isEqualTo(1019);
  }

  @Test
  void aNewRedemptionReplacesTheTenantsCoupon() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.defineCoupon(percent("TEN", 10, Duration.FOREVER, 0));
    billing.defineCoupon(percent("HALF", 50, Duration.FOREVER, 0));
    billing.redeemCoupon(ALICE, "TEN", "k1");
    billing.redeemCoupon(ALICE, "HALF", "k2");
    assertThat(generateAt("2025-01-01T00:00:00Z").total()).isEqualTo(250);
  }

  @Test
  void thePreviewShowsTheDiscountGeneratingThenGives() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.defineCoupon(percent("ONCE10", 10, Duration.ONCE, 0));
    billing.redeemCoupon(ALICE, "ONCE10", "k1");
    Invoice.Preview preview = billing.preview(ALICE).orElseThrow();
    assertThat(preview.net()).isEqualTo(450);
    Invoice made = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(made.total()).isEqualTo(preview.total());
    assertThat(preview.items().stream().map(i -> i.onInvoice(made.id())).toList())
        .isEqualTo(billing.invoiceItems(made.id()));
    assertThat(billing.upcoming(ALICE).orElseThrow().net()).as("used up").isEqualTo(500);
  }

  @Test
  void definingAndRedeemingAreIdempotentOnTheirKeys() {
    Coupon launch = percent("LAUNCH20", 20, Duration.ONCE, 0);
    assertThat(billing.defineCoupon(launch)).isTrue();
    assertThat(billing.defineCoupon(launch)).isFalse();
    assertThatThrownBy(() -> billing.defineCoupon(percent("LAUNCH20", 25, Duration.ONCE, 0)))
        .isInstanceOf(InvalidInputException.ConflictingKeyException.class);
    billing.defineCoupon(percent("OTHER", 5, Duration.FOREVER, 0));

    assertThat(billing.redeemCoupon(ALICE, "LAUNCH20", "k1")).isTrue();
    assertThat(billing.redeemCoupon(ALICE, "LAUNCH20", "k1")).isFalse();
    assertThatThrownBy(() -> billing.redeemCoupon(ALICE, "OTHER", "k1"))
        .isInstanceOf(InvalidInputException.ConflictingKeyException.class);
    assertThatThrownBy(() -> billing.redeemCoupon(BOB, "LAUNCH20", "k1"))
        .isInstanceOf(InvalidInputException.ConflictingKeyException.class);
    assertThatThrownBy(() -> billing.redeemCoupon(ALICE, "NOPE", "k2"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("no coupon NOPE");
  }

  @Test
  void aCouponIsCheckedWhenMade() {
    assertThatThrownBy(() -> new Coupon("X", 20, 500, Duration.ONCE, 0, Set.of()))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> new Coupon("X", 0, 0, Duration.ONCE, 0, Set.of()))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> percent("X", 101, Duration.ONCE, 0))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> percent("X", -5, Duration.ONCE, 0))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(
            () -> Coupon.amountOff("X", Billing.MAX_AMOUNT + 1, Duration.ONCE, 0, Set.of()))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> percent("X", 10, Duration.PERIODS, 0))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> percent("X", 10, Duration.ONCE, 2))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> percent(" ", 10, Duration.ONCE, 0))
        .isInstanceOf(InvalidInputException.class);
    assertThat(percent("X", 100, Duration.PERIODS, 1).appliesTo("any")).isTrue();
  }
}
