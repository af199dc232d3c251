package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** S19 by example: yearly and quarterly plans beside monthly ones, terms aligned to the anchor. */
class IntervalTest {
  private static final Plan BASIC = new Plan("basic", "Basic", 500);
  private static final Plan YEARLY = new Plan("yearly", "Basic yearly", 5_000, 12);
  private static final Plan QUARTERLY = new Plan("quarterly", "Basic quarterly", 1_400, 3);

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-31T10:00:00Z");
  private final Billing billing =
      Billing.builder()
          .repository(repository)
          .catalogue(PlanCatalogue.of(BASIC, YEARLY, QUARTERLY))
          .clock(clock)
          .appUrl("https://relays.example")
          .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
          .messenger(Fixtures.UNREAD)
          .build();

  private long billedAt(String iso) {
    clock.set(iso);
    return billing.generateInvoice(ALICE).map(Invoice::total).orElse(0L);
  }

  @Test
  void aYearlyPlanIsChargedOnceATermAndRenewedAtTheAnchorsAnniversary() {
    billing.record(Activity.create("a1", ALICE, "r1", "yearly", clock.instant()));
    Invoice first = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(first.total()).isEqualTo(5_000);
    assertThat(first.periodEnd())
        .as("invoices keep monthly periods")
        .isEqualTo("2025-02-28T10:00:00Z");
    for (String month : new String[] {"2025-02-28", "2025-03-31", "2025-06-30", "2025-12-31"}) {
      assertThat(billedAt(month + "T10:00:00Z")).as(month).isZero();
    }
    assertThat(billedAt("2026-01-31T10:00:00Z")).as("the next term").isEqualTo(5_000);
  }

  @Test
  void aRelayAddedMidTermIsProratedOverItsPlansTerm() {
    billing.record(Activity.create("a1", ALICE, "r1", "quarterly", clock.instant()));
    billing.generateInvoice(ALICE).orElseThrow();
    // The quarter is Jan 31 .. Apr 30 (89 days); on Mar 31, 30 days are left: 1400 × 30 / 89.
    clock.set("2025-03-31T10:00:00Z");
    billing.record(Activity.create("a2", ALICE, "r2", "quarterly", clock.instant()));
    assertThat(billing.generateInvoice(ALICE).orElseThrow().total()).isEqualTo(472);
    assertThat(billedAt("2025-04-30T10:00:00Z")).as("both renew together").isEqualTo(2_800);
  }

  @Test
  void changingIntervalCreditsTheOldTermsRestAndChargesTheNewTermsRest() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.generateInvoice(ALICE).orElseThrow();
    // Feb 14 22:00: 13.5 of the month's 28 days left (250 of 500 back, 241.07 rounded: 241), and
    // 350.5 of the year's 365 days (5000 × 350.5 / 365 = 4801.37: 4801).
    clock.set("2025-02-14T22:00:00Z");
    billing.record(Activity.update("a2", ALICE, "r1", "yearly", clock.instant()));
    assertThat(billing.unbilledBalance(ALICE)).isEqualTo(4_801 - 241);
    assertThat(billedAt("2025-02-28T10:00:00Z")).as("no monthly renewal any more").isEqualTo(4_560);
    assertThat(billedAt("2026-01-31T10:00:00Z")).isEqualTo(5_000);
  }

  @Test
  void aPlanBillsEvery1_3_6Or12MonthsAndKeepsItsIntervalAcrossPriceChanges() {
    assertThatThrownBy(() -> new Plan("odd", "Odd", 100, 2))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("1, 3, 6 or 12");
    Instant later = Instant.parse("2025-06-01T00:00:00Z");
    assertThatThrownBy(
            () ->
                PlanCatalogue.withHistory(
                    "usd",
                    java.util.List.of(
                        new PlanCatalogue.Version(
                            "p", "P", 100, PlanCatalogue.ORIGIN, false, false, 1),
                        new PlanCatalogue.Version("p", "P", 900, later, false, false, 12))))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("a later version cannot make it 12");
    clock.set("2025-02-01T00:00:00Z");
    billing.changePrice("yearly", 6_000, later);
    assertThat(billing.catalogue().history("yearly"))
        .extracting(PlanCatalogue.Version::intervalMonths)
        .containsOnly(12);
  }
}
