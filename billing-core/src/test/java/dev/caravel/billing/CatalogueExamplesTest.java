package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.PlanCatalogue.ChangeRejectedException;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The versioned catalogue (S15), by example. Basic at 500, Pro at 2000; the anchor is Feb 1 2025,
 * so period 0 is Feb 1 → Mar 1 (28 days) and period 1 is Mar 1 → Apr 1. A price change reaches the
 * tenant at the start of its first period beginning at or after the change: every item of a period
 * is priced as of the period's start.
 */
class CatalogueExamplesTest {
  private static final PlanCatalogue SEED =
      PlanCatalogue.of(new Plan("basic", "Basic", 500), new Plan("pro", "Pro", 2000));
  private static final String T = Fixtures.ALICE;

  private final Repository repository = new InMemoryRepository();
  private final MutableClock clock = new MutableClock(at("2025-02-01T00:00:00Z"));
  private final Billing billing = engine(repository, clock).build();

  private static BillingBuilder engine(Repository repository, MutableClock clock) {
    return Fixtures.engine(repository, clock).catalogue(SEED);
  }

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  private void recordAt(String iso, Activity activity) {
    clock.set(at(iso));
    billing.record(activity);
  }

  private long item(String id) {
    return repository.items(T).stream()
        .filter(i -> i.id().equals(id))
        .mapToLong(InvoiceItem::amount)
        .sum();
  }

  /** r1 on Feb 1 and r2 on Feb 8 on Basic; a change to 700 from Feb 15 is made on Feb 8. */
  private void twoRelaysThenAChange(boolean grandfathered) {
    recordAt(
        "2025-02-01T00:00:00Z",
        Activity.create("a1", T, "r1", "basic", at("2025-02-01T00:00:00Z")));
    recordAt(
        "2025-02-08T00:00:00Z",
        Activity.create("a2", T, "r2", "basic", at("2025-02-08T00:00:00Z")));
    assertThat(billing.changePrice("basic", 700, at("2025-02-15T00:00:00Z"), grandfathered))
        .isTrue();
    recordAt(
        "2025-02-22T00:00:00Z",
        Activity.create("a3", T, "r3", "basic", at("2025-02-22T00:00:00Z")));
    recordAt(
        "2025-02-22T00:00:00Z", Activity.deactivate("a4", T, "r1", at("2025-02-22T00:00:00Z")));
  }

  @Test
  void aPriceChangeMidPeriodWaitsForTheTenantsNextPeriod() {
    twoRelaysThenAChange(false);
    assertThat(item("act:a1")).isEqualTo(500); // the whole period at the old price
    assertThat(item("act:a2")).isEqualTo(375); // 21 of 28 days at 500
    // After the change's instant, but in a period that began before it: still 500.
    assertThat(item("act:a3")).isEqualTo(125); // 7 of 28 days at 500
    assertThat(item("act:a4")).isEqualTo(-125); // r1's remaining 7 days, as charged: at 500
  }

  @Test
  void aRenewalAfterTheChangeIsAtTheNewPrice() {
    twoRelaysThenAChange(false);
    clock.set(at("2025-03-01T00:00:00Z"));
    Invoice invoice = billing.generateInvoice(T).orElseThrow();
    assertThat(item("ren:" + T + ":1:r2")).isEqualTo(700);
    assertThat(item("ren:" + T + ":1:r3")).isEqualTo(700);
    assertThat(invoice.total()).isEqualTo(500 + 375 + 125 - 125 + 700 + 700);
  }

  @Test
  void aGrandfatheredRelayKeepsItsPriceUntilItsPlanChanges() {
    twoRelaysThenAChange(true);
    assertThat(item("act:a3")).isEqualTo(125); // the change has not reached the tenant: 500
    assertThat(item("act:a4")).isEqualTo(-125); // r1 kept 500: 7 of 28 days at 500
    clock.set(at("2025-03-01T00:00:00Z"));
    billing.generateInvoice(T);
    assertThat(item("ren:" + T + ":1:r2")).isEqualTo(500); // grandfathered
    // r3 chose Basic on Feb 22, after the change's instant but in the period that began Feb 1,
    // at 500: it was on the plan when the change reached its tenant on Mar 1, so it keeps 500.
    assertThat(item("ren:" + T + ":1:r3")).isEqualTo(500);
    // r2 moves to Pro and back: it rejoins Basic in a period the change has reached, at 700.
    recordAt(
        "2025-03-10T00:00:00Z", Activity.update("a5", T, "r2", "pro", at("2025-03-10T00:00:00Z")));
    recordAt(
        "2025-03-20T00:00:00Z",
        Activity.update("a6", T, "r2", "basic", at("2025-03-20T00:00:00Z")));
    // 12 of 31 days left: 700 × 12 / 31 = 270.97 → 271, less Pro's 2000 × 12 / 31 = 774.19 → 774.
    assertThat(item("act:a6")).isEqualTo(271 - 774);
    clock.set(at("2025-04-01T00:00:00Z"));
    billing.generateInvoice(T);
    assertThat(item("ren:" + T + ":2:r2")).isEqualTo(700);
    assertThat(item("ren:" + T + ":2:r3")).isEqualTo(500);
  }

  /**
   * Defect 12 of issue 21: the period was charged at the old price and, once an increase had taken
   * effect mid-period, the deactivation credit was priced at the new one, so announcing an increase
   * and deactivating earned money. The credit now returns exactly the unused part of the charge.
   */
  @Test
  void defect12_aCreditAfterAnIncreaseAnnouncedMidPeriodReturnsExactlyTheUnusedPartOfTheCharge() {
    recordAt(
        "2025-02-01T00:00:00Z",
        Activity.create("a1", T, "r1", "basic", at("2025-02-01T00:00:00Z")));
    clock.set(at("2025-03-01T00:00:00Z"));
    assertThat(billing.generateInvoice(T).orElseThrow().total()).isEqualTo(500 + 500);
    // Mar 5: an increase to 800 is announced, effective Mar 10, inside the period Mar 1 → Apr 1.
    clock.set(at("2025-03-05T00:00:00Z"));
    assertThat(billing.changePrice("basic", 800, at("2025-03-10T00:00:00Z"))).isTrue();
    recordAt(
        "2025-03-20T00:00:00Z", Activity.deactivate("a2", T, "r1", at("2025-03-20T00:00:00Z")));
    // 12 of 31 days unused, of the 500 charged: 500 × 12 / 31 = 193.55 → 194 (at 800 it was 310).
    assertThat(item("ren:" + T + ":1:r1")).isEqualTo(500);
    assertThat(item("act:a2")).isEqualTo(-194);
    // Back on before the period ends: charged the same price again, so off and on nets to zero.
    recordAt("2025-03-20T00:00:00Z", Activity.activate("a3", T, "r1", at("2025-03-20T00:00:00Z")));
    assertThat(item("act:a3")).isEqualTo(194);
    // The increase reaches the tenant with its next period.
    clock.set(at("2025-04-01T00:00:00Z"));
    billing.generateInvoice(T);
    assertThat(item("ren:" + T + ":2:r1")).isEqualTo(800);
  }

  @Test
  void theBuilderCanGrandfatherEveryChangeByDefault() {
    Repository shared = new InMemoryRepository();
    Billing b = engine(shared, clock).grandfatherByDefault(true).build();
    b.record(Activity.create("a1", T, "r1", "basic", clock.instant()));
    b.changePrice("basic", 700, at("2025-02-15T00:00:00Z"));
    assertThat(b.catalogue().versionAt("basic", at("2025-02-15T00:00:00Z")).orElseThrow())
        .satisfies(v -> assertThat(v.grandfathered()).isTrue());
  }

  @Test
  void aRetiredPlanRefusesNewRelaysButKeepsBillingItsOwn() {
    recordAt(
        "2025-02-01T00:00:00Z",
        Activity.create("a1", T, "r1", "basic", at("2025-02-01T00:00:00Z")));
    assertThat(billing.retirePlan("basic", at("2025-02-15T00:00:00Z"))).isTrue();
    assertThat(billing.retirePlan("basic", at("2025-02-15T00:00:00Z"))).isFalse();
    clock.set(at("2025-02-20T00:00:00Z"));
    assertThatThrownBy(
            () -> billing.record(Activity.create("a2", T, "r2", "basic", clock.instant())))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.PLAN_RETIRED);
              assertThat(e.getMessage()).contains("retired since 2025-02-15T00:00:00Z");
            });
    // Leaving and re-entering activity on the plan it is on is not choosing it.
    recordAt(
        "2025-02-21T00:00:00Z", Activity.deactivate("a3", T, "r1", at("2025-02-21T00:00:00Z")));
    recordAt("2025-02-22T00:00:00Z", Activity.activate("a4", T, "r1", at("2025-02-22T00:00:00Z")));
    clock.set(at("2025-03-01T00:00:00Z"));
    billing.generateInvoice(T).orElseThrow();
    assertThat(item("ren:" + T + ":1:r1")).isEqualTo(500);
    assertThat(billing.catalogue().find("basic").orElseThrow().amount()).isEqualTo(500);
  }

  /**
   * Defect 7 of issue 21: a price change dated after a retirement, made before it, used to make the
   * plan choosable again from the change on. A retirement is final: it wins over later versions,
   * which only reprice the relays still on the plan.
   */
  @Test
  void defect7_aRetirementWinsOverAPriceChangeDatedAfterIt() {
    recordAt(
        "2025-02-01T00:00:00Z",
        Activity.create("a1", T, "r1", "basic", at("2025-02-01T00:00:00Z")));
    assertThat(billing.changePrice("basic", 800, at("2025-06-01T00:00:00Z"))).isTrue();
    assertThat(billing.retirePlan("basic", at("2025-03-01T00:00:00Z"))).isTrue();
    assertThat(billing.retirePlan("basic", at("2025-03-01T00:00:00Z"))).isFalse();
    PlanCatalogue stored = billing.catalogue();
    assertThat(stored.retiredSince("basic", at("2025-02-28T23:59:59Z"))).isEmpty();
    for (String when :
        List.of("2025-03-01T00:00:00Z", "2025-06-01T00:00:00Z", "2026-01-01T00:00:00Z")) {
      assertThat(stored.retiredSince("basic", at(when))).contains(at("2025-03-01T00:00:00Z"));
    }
    // After the later version's instant, the plan still can't be chosen...
    clock.set(at("2025-06-02T00:00:00Z"));
    assertThatThrownBy(
            () -> billing.record(Activity.create("a2", T, "r2", "basic", clock.instant())))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.PLAN_RETIRED);
              assertThat(e.getMessage()).contains("retired since 2025-03-01T00:00:00Z");
            });
    // ...while the relay on it keeps being billed, and is repriced by that version.
    billing.generateInvoice(T).orElseThrow();
    assertThat(item("ren:" + T + ":1:r1")).isEqualTo(500);
    assertThat(item("ren:" + T + ":3:r1")).isEqualTo(500);
    assertThat(item("ren:" + T + ":4:r1")).isEqualTo(800); // Jun 1: the change reached it
    // A second, later retirement is refused; a change dated after the retirement stays retired.
    assertThatThrownBy(() -> billing.retirePlan("basic", at("2025-07-01T00:00:00Z")))
        .isInstanceOfSatisfying(
            ChangeRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ChangeRejectedException.Reason.RETIRED));
    assertThat(billing.changePrice("basic", 900, at("2025-08-01T00:00:00Z"))).isTrue();
    assertThat(billing.catalogue().versionAt("basic", at("2025-08-01T00:00:00Z")).orElseThrow())
        .satisfies(v -> assertThat(v.retired()).isTrue());
    clock.set(at("2025-08-02T00:00:00Z"));
    assertThatThrownBy(
            () -> billing.record(Activity.create("a3", T, "r3", "basic", clock.instant())))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.PLAN_RETIRED));
  }

  @Test
  void aRelayThatLeftARetiredPlanCannotComeBackToIt() {
    recordAt(
        "2025-02-01T00:00:00Z",
        Activity.create("a1", T, "r1", "basic", at("2025-02-01T00:00:00Z")));
    assertThat(billing.retirePlan("basic", at("2025-02-10T00:00:00Z"))).isTrue();
    recordAt(
        "2025-02-12T00:00:00Z", Activity.update("a2", T, "r1", "pro", at("2025-02-12T00:00:00Z")));
    clock.set(at("2025-02-14T00:00:00Z"));
    assertThatThrownBy(
            () -> billing.record(Activity.update("a3", T, "r1", "basic", clock.instant())))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.PLAN_RETIRED));
  }

  @Test
  void twoInstancesAgreeAfterAPriceChange() {
    Billing other = engine(repository, clock).instanceId("other").build();
    billing.record(Activity.create("a1", T, "r1", "basic", clock.instant()));
    billing.changePrice("basic", 700, at("2025-02-15T00:00:00Z"));
    // The other instance, started before the change with the same seed, prices by it...
    assertThat(other.catalogue()).isEqualTo(billing.catalogue());
    clock.set(at("2025-03-01T00:00:00Z"));
    assertThat(other.generateInvoice(T).orElseThrow().total()).isEqualTo(500 + 700);
    // ...and an instance started later with the original seed agrees too.
    Billing late = engine(repository, clock).instanceId("late").build();
    assertThat(late.catalogue().history("basic")).hasSize(2);
    // The same change made again, from any instance, is one change.
    clock.set(at("2025-02-01T00:00:00Z"));
    assertThat(other.changePrice("basic", 700, at("2025-02-15T00:00:00Z"))).isFalse();
  }

  @Test
  void anInstanceStartedWithADisagreeingSeedRefusesToStart() {
    PlanCatalogue edited =
        PlanCatalogue.of(new Plan("basic", "Basic", 700), new Plan("pro", "Pro", 2000));
    assertThatThrownBy(() -> engine(repository, clock).catalogue(edited).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("basic")
        .hasMessageContaining("changePrice");
    PlanCatalogue euros = PlanCatalogue.of("eur", List.of(new Plan("basic", "Basic", 500)));
    assertThatThrownBy(() -> engine(repository, clock).catalogue(euros).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("one currency");
  }

  @Test
  void aChangeThatWouldRepriceWhatIsBilledIsRefused() {
    billing.record(Activity.create("a1", T, "r1", "basic", clock.instant()));
    assertThatThrownBy(() -> billing.changePrice("basic", 700, clock.instant()))
        .isInstanceOfSatisfying(
            ChangeRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ChangeRejectedException.Reason.NOT_IN_FUTURE));
    // An activity recorded ahead of now (within the future skew, 5 minutes) is billed already: a
    // change dated before it, though after now, is refused.
    billing.record(Activity.deactivate("a2", T, "r1", clock.instant().plusSeconds(240)));
    assertThatThrownBy(() -> billing.changePrice("basic", 700, clock.instant().plusSeconds(120)))
        .isInstanceOfSatisfying(
            ChangeRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ChangeRejectedException.Reason.ALREADY_BILLED));
    assertThatThrownBy(() -> billing.changePrice("gold", 700, at("2025-02-25T00:00:00Z")))
        .isInstanceOfSatisfying(
            ChangeRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ChangeRejectedException.Reason.UNKNOWN_PLAN));
    assertThat(billing.catalogue()).isEqualTo(SEED);
  }

  /**
   * A card rail that refuses any price below 50 when it meets the catalogue: the hook lets a
   * gateway refuse prices it can never charge. (Stripe's no longer refuses prices below its
   * minimum: S25 carries those invoices.)
   */
  private static final PaymentGateway MINIMUM_50 =
      new PaymentGateway() {
        @Override
        public java.util.Optional<String> savedPaymentMethod(String customerId) {
          return java.util.Optional.empty();
        }

        @Override
        public ChargeOutcome charge(ChargeRequest request) {
          throw new AssertionError("not charged in this test");
        }

        @Override
        public void checkCurrency(PlanCatalogue catalogue) {
          for (PlanCatalogue.Version v : catalogue.versions()) {
            if (v.amount() > 0 && v.amount() < 50) {
              throw new InvalidInputException("plan " + v.plan() + ": below the minimum");
            }
          }
        }
      };

  @Test
  void aPriceTheCardRailCannotChargeIsRefusedAndNothingIsStored() {
    Billing withCards = engine(repository, clock).paymentGateway(MINIMUM_50).build();
    assertThatThrownBy(() -> withCards.changePrice("basic", 20, at("2025-02-15T00:00:00Z")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("plan basic");
    assertThat(billing.catalogue()).isEqualTo(SEED);
    assertThat(withCards.changePrice("basic", 700, at("2025-02-15T00:00:00Z"))).isTrue();
  }

  @Test
  void anEngineIsCheckedAgainstTheStoredHistoryNotOnlyItsSeed() {
    // Stored before any card rail was configured: a price the rail cannot charge, still in effect
    // for the period before the next change.
    assertThat(billing.changePrice("basic", 20, at("2025-02-15T00:00:00Z"))).isTrue();
    assertThat(billing.changePrice("basic", 700, at("2025-03-15T00:00:00Z"))).isTrue();
    assertThatThrownBy(() -> engine(repository, clock).paymentGateway(MINIMUM_50).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("plan basic");
  }
}
