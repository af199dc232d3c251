package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.PlanCatalogue.Coupon;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CouponRedemption;
import dev.caravel.billing.testkit.MutableClock;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * S21 against a reference written here: the discount is {@code −min(pre, percent:
 * round_half_up(base × p / 100) | amount)} while the coupon covers the invoice, with {@code base}
 * the relays' positive charges on the coupon's plans, periods counted by adding months to the
 * anchor one by one; and a discount never makes anything positive: it takes at most what the
 * invoice owes, so no invoice totals below zero.
 */
class CouponPropertiesTest {
  private static final String[] PLANS = {"free", "basic", "pro", "odd"};
  private static final String TENANT = Fixtures.ALICE;

  // ---- the reference ----

  /** The index of the monthly period holding {@code t}: months added to the anchor, one by one. */
  private static long periodIndex(Instant anchor, Instant t) {
    ZonedDateTime a = anchor.atZone(ZoneOffset.UTC);
    long k = 0;
    while (!a.plusMonths(k + 1).toInstant().isAfter(t)) {
      k++;
    }
    return k;
  }

  private static boolean covers(CouponRedemption r, Instant anchor, Instant now) {
    Coupon c = r.coupon();
    return switch (c.duration()) {
      case ONCE -> r.uses() == 0;
      case FOREVER -> true;
      case PERIODS -> {
        long kr = r.redeemedAt().isBefore(anchor) ? 0 : periodIndex(anchor, r.redeemedAt());
        yield periodIndex(anchor, now) < kr + c.periods();
      }
    };
  }

  /** The discount's amount (0: none) of {@code items} under {@code r} at {@code now}. */
  private static long reference(
      CouponRedemption r, Instant anchor, Instant now, List<InvoiceItem> items) {
    BigDecimal pre = BigDecimal.ZERO;
    BigDecimal base = BigDecimal.ZERO;
    for (InvoiceItem item : items) {
      pre = pre.add(BigDecimal.valueOf(item.amount()));
      boolean handOrCarried = Set.of("adjustment", "carried", "discount").contains(item.relay());
      if (item.amount() > 0 && !handOrCarried && r.coupon().appliesTo(item.plan())) {
        base = base.add(BigDecimal.valueOf(item.amount()));
      }
    }
    if (pre.signum() <= 0 || !covers(r, anchor, now)) {
      return 0;
    }
    BigDecimal off =
        r.coupon().percentOff() > 0
            ? base.multiply(BigDecimal.valueOf(r.coupon().percentOff()))
                .divide(BigDecimal.valueOf(100), 0, RoundingMode.HALF_UP)
            : BigDecimal.valueOf(r.coupon().amountOff());
    return off.min(pre).longValueExact();
  }

  // ---- the rule, on random invoices ----

  @Property(tries = 3000)
  void theDiscountIsTheFormulaAndNeverExceedsWhatIsOwed(@ForAll long seed) {
    Random random = new Random(seed);
    Instant anchor =
        Instant.parse("2025-01-31T10:00:00Z").plusSeconds(random.nextInt(86_400 * 400));
    Instant now = anchor.plusSeconds(random.nextInt(86_400 * 500));
    List<InvoiceItem> items = new ArrayList<>();
    int n = random.nextInt(7);
    for (int i = 0; i < n; i++) {
      items.add(randomItem(random, i, anchor));
    }
    Coupon coupon = randomCoupon(random, "C" + seed);
    Instant redeemedAt = anchor.plusSeconds(random.nextInt(86_400 * 500) - 86_400 * 30L);
    CouponRedemption r =
        new CouponRedemption("k", TENANT, coupon, redeemedAt, random.nextInt(3) == 0 ? 1 : 0);
    BigInteger pre =
        items.stream()
            .map(i -> BigInteger.valueOf(i.amount()))
            .reduce(BigInteger.ZERO, BigInteger::add);

    Optional<Claim.Discount> discount =
        CouponRule.discount(Optional.of(r), anchor, now, items, pre);

    long expected = reference(r, anchor, now, items);
    assertThat(discount.map(Claim.Discount::amount).orElse(0L)).isEqualTo(expected);
    discount.ifPresent(
        d -> {
          assertThat(d.amount()).isPositive();
          assertThat(BigInteger.valueOf(d.amount())).isLessThanOrEqualTo(pre);
          assertThat(d.item(TENANT, now).amount()).as("a discount is a credit").isNegative();
          assertThat(d.redemptionKey()).isEqualTo("k");
          assertThat(d.usesRead()).isEqualTo(r.uses());
        });
    assertThat(CouponRule.discount(Optional.empty(), anchor, now, items, pre)).isEmpty();
  }

  private static InvoiceItem randomItem(Random random, int i, Instant anchor) {
    long amount = random.nextInt(5) == 0 ? -(1 + random.nextInt(3000)) : 1 + random.nextInt(3000);
    if (random.nextInt(3) == 0) {
      amount = random.nextBoolean() ? amount : amount * 1_000_000L; // sums beyond an int
    }
    String plan = PLANS[random.nextInt(PLANS.length)];
    return switch (random.nextInt(5)) {
      case 0 -> InvoiceItem.forAdjustment(TENANT, amount, "hand", "h" + i, anchor);
      case 1 ->
          new InvoiceItem(
              "carried:" + i,
              TENANT,
              "carried",
              "carried",
              amount,
              "Carried",
              anchor,
              Optional.empty(),
              OptionalInt.empty(),
              Optional.empty(),
              Optional.of("carried:" + i));
      case 2 -> InvoiceItem.forRenewal(TENANT, "r" + i, plan, Math.abs(amount), 1 + i, anchor);
      default ->
          InvoiceItem.forActivity(
              Activity.create("a" + i, TENANT, "r" + i, plan, anchor), plan, amount, "Activity");
    };
  }

  private static Coupon randomCoupon(Random random, String code) {
    Coupon.Duration duration = Coupon.Duration.values()[random.nextInt(3)];
    int periods = duration == Coupon.Duration.PERIODS ? 1 + random.nextInt(6) : 0;
    Set<String> plans = new HashSet<>();
    if (random.nextBoolean()) {
      plans.add(PLANS[random.nextInt(PLANS.length)]);
    }
    return random.nextBoolean()
        ? Coupon.percentOff(code, 1 + random.nextInt(100), duration, periods, plans)
        : Coupon.amountOff(code, 1 + random.nextInt(4000), duration, periods, plans);
  }

  // ---- the engine, on random histories ----

  @Test
  void everyInvoiceOfRandomHistoriesGetsTheReferenceDiscountAndOwesZeroOrMore() {
    int discounted = 0;
    for (long seed = 1; seed <= 40; seed++) {
      discounted += history(seed);
    }
    assertThat(discounted).as("histories that discount at all").isGreaterThan(40);
  }

  /** One random history; returns how many of its invoices had a discount. */
  private int history(long seed) {
    Random random = new Random(seed);
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = MutableClock.at("2025-01-31T10:00:00Z");
    Billing billing = Fixtures.engine(repository, clock).build();
    CouponRedemption latest = null; // the test's own account of the tenant's coupon
    Set<String> relays = new HashSet<>();
    int discounted = 0;
    for (int step = 0; step < 60; step++) {
      clock.advance(Duration.ofSeconds(random.nextInt(86_400 * 12)));
      Instant now = clock.instant();
      switch (relays.isEmpty() ? 0 : random.nextInt(9)) {
        case 0, 1 -> {
          String relay = "r" + random.nextInt(3);
          String plan = PLANS[random.nextInt(PLANS.length)];
          if (relays.add(relay)) {
            billing.record(Activity.create("a" + step, TENANT, relay, plan, now));
          } else if (random.nextBoolean()) {
            billing.record(Activity.update("a" + step, TENANT, relay, plan, now));
          } else {
            billing.record(
                random.nextBoolean()
                    ? Activity.deactivate("a" + step, TENANT, relay, now)
                    : Activity.activate("a" + step, TENANT, relay, now));
          }
        }
        case 2 -> billing.credit(TENANT, 1 + random.nextInt(1500), "credit", "c" + step);
        case 3 -> billing.charge(TENANT, 1 + random.nextInt(900), "charge", "h" + step);
        case 4 -> {
          Coupon coupon = randomCoupon(random, "C" + step);
          billing.defineCoupon(coupon);
          billing.redeemCoupon(TENANT, coupon.code(), "k" + step);
          latest = new CouponRedemption("k" + step, TENANT, coupon, now, 0);
        }
        default -> {
          Instant anchor = repository.ledgers(List.of(TENANT)).get(0).anchor().orElseThrow();
          List<InvoiceItem> owed =
              new ArrayList<>(
                  billing.preview(TENANT).map(Invoice.Preview::items).orElse(List.of()));
          Optional<Invoice> made = billing.generateInvoice(TENANT);
          if (made.isEmpty()) {
            continue;
          }
          Invoice invoice = made.get();
          List<InvoiceItem> items = billing.invoiceItems(invoice.id());
          List<InvoiceItem> claimed =
              items.stream().filter(i -> !i.relay().equals(InvoiceItem.DISCOUNT)).toList();
          List<InvoiceItem> discounts =
              items.stream().filter(i -> i.relay().equals(InvoiceItem.DISCOUNT)).toList();
          long pre = claimed.stream().mapToLong(InvoiceItem::amount).sum();
          long expected = latest == null ? 0 : reference(latest, anchor, now, claimed);
          assertThat(discounts.size())
              .as("seed %d: one discount item at most", seed)
              .isLessThanOrEqualTo(1);
          long off = discounts.isEmpty() ? 0 : -discounts.get(0).amount();
          assertThat(off).as("seed %d, invoice %s", seed, invoice.id()).isEqualTo(expected);
          assertThat(off).isBetween(0L, pre);
          assertThat(invoice.total()).isEqualTo(pre - off).isNotNegative();
          assertThat(invoice.isPaid()).isEqualTo(invoice.total() == 0);
          assertThat(owed).as("the preview said so").hasSize(items.size());
          if (off > 0) {
            discounted++;
            latest =
                new CouponRedemption(
                    latest.key(), TENANT, latest.coupon(), latest.redeemedAt(), latest.uses() + 1);
          }
        }
      }
    }
    return discounted;
  }
}
