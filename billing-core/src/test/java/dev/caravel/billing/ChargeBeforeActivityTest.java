package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Defect 6 of issue 21: a hand charge on a tenant with no activity yet (only {@code saveTenant})
 * was never invoiced, and the tenant was visited on every poll. A charge on a tenant with no anchor
 * now sets the anchor to the charge's instant (S1 otherwise unchanged: set once, never moved).
 */
class ChargeBeforeActivityTest {
  private static final Instant CHARGED_AT = Instant.parse("2025-03-10T09:00:00Z");

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = new MutableClock(CHARGED_AT);
  private final Billing billing = Fixtures.engine(repository, clock).build();

  private Instant anchorOf(String tenant) {
    return repository.ledgers(List.of(tenant)).get(0).anchor().orElseThrow();
  }

  @Test
  void defect6_aChargeBeforeAnyActivityIsInvoicedAtTheNextPollForThePeriodStartingAtTheCharge() {
    billing.saveTenant(ALICE, null, null);
    assertThat(billing.charge(ALICE, 700, "setup fee", "setup-1")).isTrue();

    clock.set(CHARGED_AT.plusSeconds(3_600));
    CycleReport poll = billing.runCycle();

    assertThat(poll.invoicesCreated())
        .singleElement()
        .satisfies(
            invoice -> {
              assertThat(invoice.tenant()).isEqualTo(ALICE);
              assertThat(invoice.total()).isEqualTo(700);
              assertThat(invoice.periodStart()).isEqualTo(CHARGED_AT);
              assertThat(invoice.periodEnd()).isEqualTo(Instant.parse("2025-04-10T09:00:00Z"));
            });
    assertThat(billing.invoiceItems(poll.invoicesCreated().get(0).id()))
        .extracting(InvoiceItem::description)
        .containsExactly("setup fee");
    assertThat(anchorOf(ALICE)).isEqualTo(CHARGED_AT);
  }

  @Test
  void defect6_aLaterFirstActivityDoesNotMoveTheAnchorTheChargeSet() {
    billing.saveTenant(ALICE, null, null);
    billing.charge(ALICE, 700, "setup fee", "setup-1");
    Instant created = Instant.parse("2025-03-25T09:00:00Z"); // 16 of the period's 31 days left
    clock.set(created);
    billing.record(Activity.create("c1", ALICE, "r1", "basic", created));

    assertThat(anchorOf(ALICE)).isEqualTo(CHARGED_AT);
    Invoice first = billing.runCycle().invoicesCreated().get(0);
    assertThat(first.periodStart()).isEqualTo(CHARGED_AT);
    // Prorated over the charge's period, Mar 10 to Apr 10: 500 × 16/31 rounds to 258.
    assertThat(billing.invoiceItems(first.id()))
        .extracting(InvoiceItem::amount)
        .containsExactly(700L, 258L);
    // The next period starts a month after the charge, with the relay's renewal.
    clock.set(Instant.parse("2025-04-10T09:00:00Z"));
    Invoice second = billing.runCycle().invoicesCreated().get(0);
    assertThat(second.periodStart()).isEqualTo(Instant.parse("2025-04-10T09:00:00Z"));
    assertThat(second.total()).isEqualTo(500);
  }

  @Test
  void defect6_anActivityDatedBeforeTheChargesAnchorIsRefusedAsOutOfOrder() {
    billing.saveTenant(ALICE, null, null);
    billing.charge(ALICE, 700, "setup fee", "setup-1");
    assertThatThrownBy(
            () ->
                billing.record(
                    Activity.create("c1", ALICE, "r1", "basic", CHARGED_AT.minusSeconds(1))))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.OUT_OF_ORDER));
    assertThat(billing.record(Activity.create("c1", ALICE, "r1", "basic", CHARGED_AT))).isTrue();
  }

  @Test
  void defect6_aTenantChargedBeforeActivityIsNotTakenByLaterIdlePolls() {
    billing.saveTenant(ALICE, null, null);
    billing.charge(ALICE, 700, "setup fee", "setup-1");
    assertThat(billing.runCycle().tenantsVisited()).isEqualTo(1);

    for (int day = 1; day <= 30; day += 3) {
      clock.set(CHARGED_AT.plusSeconds(86_400L * day));
      assertThat(billing.runCycle().tenantsVisited()).as("idle poll on day %d", day).isZero();
    }
    // Its next period start is work: visited once, nothing renewed, no invoice, idle again.
    clock.set(Instant.parse("2025-04-10T09:00:00Z"));
    CycleReport renewal = billing.runCycle();
    assertThat(renewal.tenantsVisited()).isEqualTo(1);
    assertThat(renewal.invoicesCreated()).isEmpty();
    assertThat(billing.runCycle().tenantsVisited()).isZero();
    assertThat(billing.invoices(ALICE)).hasSize(1);
  }

  @Test
  void aCreditBeforeAnyActivityAnchorsNothingIsNotPolledAndWaitsForTheFirstInvoice() {
    billing.saveTenant(BOB, null, null);
    assertThat(billing.credit(BOB, 200, "welcome", "welcome-1")).isTrue();
    clock.set(CHARGED_AT.plusSeconds(3_600));
    assertThat(billing.runCycle().tenantsVisited()).as("nothing to claim, no period").isZero();
    assertThat(repository.ledgers(List.of(BOB)).get(0).anchor()).isEmpty();

    Instant created = CHARGED_AT.plusSeconds(7_200);
    clock.set(created);
    billing.record(Activity.create("b1", BOB, "r1", "basic", created));
    Invoice invoice = billing.runCycle().invoicesCreated().get(0);
    assertThat(invoice.periodStart()).isEqualTo(created);
    assertThat(invoice.total()).isEqualTo(500 - 200);
  }
}
