package dev.caravel.billing.testkit;

import static dev.caravel.billing.testkit.Fixture.T0;
import static dev.caravel.billing.testkit.Fixture.pubkey;
import static dev.caravel.billing.testkit.Fixture.seconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.PlanCatalogue.Coupon;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CouponRedemption;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.TenantLedger;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Repository} must do with coupons (S21, {@link
 * dev.caravel.billing.spi.CouponStorage}) and with a claim's discount, as tests. {@link
 * RepositoryContract} runs them on each storage: it gives the fresh repository of each test.
 */
public interface CouponContract {
  /** The fresh, empty repository of the running test. */
  Repository couponRepository();

  Coupon LAUNCH =
      Coupon.percentOff("LAUNCH20", 20, Coupon.Duration.PERIODS, 3, Set.of("basic", "pro"));
  Coupon BIG = Coupon.amountOff("BIG", 1_500, Coupon.Duration.ONCE, 0, Set.of());
  String CAROL = pubkey(0xca201);
  String DAVE = pubkey(0xda5e);

  @Test
  default void aCouponIsDefinedOncePerCodeAndReadBackWhole() {
    Repository repo = couponRepository();
    assertThat(repo.defineCoupon(LAUNCH)).isEmpty();
    assertThat(repo.defineCoupon(BIG)).isEmpty();
    assertThat(repo.findCoupon("LAUNCH20")).contains(LAUNCH);
    assertThat(repo.findCoupon("BIG")).contains(BIG);
    assertThat(repo.findCoupon("NONE")).isEmpty();
    Coupon other = Coupon.percentOff("LAUNCH20", 50, Coupon.Duration.FOREVER, 0, Set.of());
    assertThat(repo.defineCoupon(other))
        .as("the code is taken: the stored one is answered, nothing written")
        .contains(LAUNCH);
    assertThat(repo.findCoupon("LAUNCH20")).contains(LAUNCH);
  }

  @Test
  default void racingDefinitionsOfOneCodeStoreOne() {
    Repository repo = couponRepository();
    List<Optional<Coupon>> answers =
        Race.all(
            RepositoryContract.THREADS,
            i ->
                repo.defineCoupon(
                    Coupon.amountOff("RACE", 1 + i, Coupon.Duration.ONCE, 0, Set.of())));
    assertThat(answers.stream().filter(Optional::isEmpty)).hasSize(1);
    Coupon stored = repo.findCoupon("RACE").orElseThrow();
    assertThat(answers.stream().flatMap(Optional::stream)).allMatch(stored::equals);
  }

  @Test
  default void aRedemptionIsStoredOncePerKeyAndTheLatestIsReadWithTheLedger() {
    Repository repo = couponRepository();
    repo.defineCoupon(LAUNCH);
    repo.defineCoupon(BIG);
    CouponRedemption first = new CouponRedemption("k1", CAROL, LAUNCH, T0, 0);
    assertThat(repo.redeemCoupon(first)).as("the tenant need not exist yet").isEmpty();
    assertThat(repo.redeemCoupon(new CouponRedemption("k1", DAVE, BIG, seconds(5), 0)))
        .as("the key is taken, whatever the tenant: the stored one is answered")
        .contains(first);

    Fixture.appendAsRead(repo, Activity.create("cc-1", CAROL, "r1", "basic", seconds(10)));
    assertThat(ledger(repo, CAROL).coupon()).contains(first);
    CouponRedemption second = new CouponRedemption("k2", CAROL, BIG, seconds(20), 0);
    assertThat(repo.redeemCoupon(second)).isEmpty();
    assertThat(ledger(repo, CAROL).coupon()).as("a newer redemption replaces it").contains(second);
    assertThat(repo.redeemCoupon(first)).contains(first);
    assertThat(ledger(repo, CAROL).coupon())
        .as("a retry of an older one changes nothing")
        .contains(second);
    assertThatThrownBy(
            () ->
                repo.redeemCoupon(
                    new CouponRedemption(
                        "k3",
                        CAROL,
                        Coupon.amountOff("NONE", 5, Coupon.Duration.ONCE, 0, Set.of()),
                        seconds(30),
                        0)))
        .isInstanceOf(InvalidInputException.class);
    assertThat(ledger(repo, CAROL).coupon()).contains(second);
  }

  @Test
  default void racingRedemptionsWithOneKeyStoreOne() {
    Repository repo = couponRepository();
    repo.defineCoupon(LAUNCH);
    List<Optional<CouponRedemption>> answers =
        Race.all(
            RepositoryContract.THREADS,
            i -> repo.redeemCoupon(new CouponRedemption("race", CAROL, LAUNCH, seconds(i), 0)));
    assertThat(answers.stream().filter(Optional::isEmpty)).hasSize(1);
  }

  /**
   * S21: a claim's discount is recorded with its invoice: its item, on the invoice, and one more
   * use of the redemption it was decided from.
   */
  @Test
  default void aClaimsDiscountPutsItsItemOnTheInvoiceAndCountsTheUse() {
    Repository repo = couponRepository();
    repo.defineCoupon(LAUNCH);
    charge(repo, CAROL, 500);
    repo.redeemCoupon(new CouponRedemption("k1", CAROL, LAUNCH, T0, 0));
    Claim claim = discounted(repo, CAROL, "k1", 0, "LAUNCH20", 100);
    Invoice invoice = claimOne(repo, claim, "inv-c1").orElseThrow();
    assertThat(invoice.total()).isEqualTo(400);
    assertThat(invoice.isOpen()).isTrue();
    assertThat(repo.findInvoice("inv-c1")).contains(invoice);
    List<InvoiceItem> items = repo.invoiceItems("inv-c1");
    assertThat(items).extracting(InvoiceItem::amount).containsExactly(500L, -100L);
    assertThat(items.get(1)).isEqualTo(claim.discountItem("inv-c1").orElseThrow());
    assertThat(repo.unclaimedItems(CAROL)).isEmpty();
    assertThat(ledger(repo, CAROL).coupon().orElseThrow().uses()).isEqualTo(1);
  }

  /**
   * A discount decided from a redemption that is no longer the tenant's latest with the uses read
   * is never recorded: the claim writes nothing, as if the items moved.
   */
  @Test
  default void aDiscountDecidedFromAStaleRedemptionIsNeverRecorded() {
    Repository repo = couponRepository();
    repo.defineCoupon(LAUNCH);
    repo.defineCoupon(BIG);
    charge(repo, CAROL, 500);
    repo.redeemCoupon(new CouponRedemption("k1", CAROL, LAUNCH, T0, 0));
    assertThat(claimOne(repo, discounted(repo, CAROL, "k1", 1, "LAUNCH20", 100), "inv-x"))
        .as("the uses moved")
        .isEmpty();
    repo.redeemCoupon(new CouponRedemption("k2", CAROL, BIG, seconds(1), 0));
    assertThat(claimOne(repo, discounted(repo, CAROL, "k1", 0, "LAUNCH20", 100), "inv-y"))
        .as("another redemption replaced it")
        .isEmpty();
    assertThat(repo.invoices(CAROL)).isEmpty();
    assertThat(repo.unclaimedItems(CAROL)).extracting(InvoiceItem::amount).containsExactly(500L);
    assertThat(ledger(repo, CAROL).coupon().orElseThrow().uses()).isZero();
  }

  /** An invoice a discount leaves at 0 is created paid (S18: it ends), its payment told once. */
  @Test
  default void anInvoiceLeftWithNothingToPayIsCreatedPaid() {
    Repository repo = couponRepository();
    repo.defineCoupon(BIG);
    charge(repo, CAROL, 500);
    repo.redeemCoupon(new CouponRedemption("k1", CAROL, BIG, T0, 0));
    Claim claim = discounted(repo, CAROL, "k1", 0, "BIG", 500);
    Invoice invoice = claimOne(repo, claim, "inv-free").orElseThrow();
    assertThat(invoice.total()).isZero();
    assertThat(invoice.payment()).isEqualTo(claim.settledAtOnce());
    assertThat(repo.findInvoice("inv-free")).contains(invoice);
    assertThat(repo.dueInvoices(seconds(86_400 * 40), 10)).doesNotContain("inv-free");
    assertThat(repo.acquireLease("inv-free", "owner", seconds(60), java.time.Duration.ofMinutes(1)))
        .isEmpty();
    assertThat(repo.events(0, 100))
        .filteredOn(e -> e.invoiceId().equals(Optional.of("inv-free")))
        .extracting(BillingEvent::type)
        .containsExactly(BillingEvent.Type.INVOICE_CREATED, BillingEvent.Type.PAYMENT_SUCCEEDED);
  }

  private static void charge(Repository repo, String tenant, long amount) {
    Activity a = Activity.create("c-" + tenant.substring(0, 8), tenant, "r1", "basic", T0);
    Fixture.appendAsRead(repo, a);
    assertThat(
            repo.recordReconciliations(
                List.of(Fixture.reconciled(a, amount)), OptionalLong.empty()))
        .isEqualTo(1);
  }

  /** The claim of the tenant's unclaimed items as read now, less a discount as named. */
  private static Claim discounted(
      Repository repo, String tenant, String key, int usesRead, String code, long amount) {
    Claim plain = Fixture.claim(repo, tenant, "unused", T0).claim();
    return new Claim(
        plain.tenant(),
        plain.periodStart(),
        plain.periodEnd(),
        plain.currency(),
        plain.createdAt(),
        plain.read(),
        true,
        Optional.empty(),
        Optional.of(new Claim.Discount(key, usesRead, code, amount)),
        java.util.OptionalLong.empty());
  }

  private static Optional<Invoice> claimOne(Repository repo, Claim claim, String invoiceId) {
    return repo.claim(List.of(claim), (number, c) -> invoiceId).stream().findFirst();
  }

  private static TenantLedger ledger(Repository repo, String tenant) {
    return repo.ledgers(List.of(tenant)).get(0);
  }
}
