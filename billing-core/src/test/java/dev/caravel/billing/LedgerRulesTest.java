package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.caravel.billing.Invoice.Period;
import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** S4–S7 and seed bugs 2, 3 and 5, on the real engine over the in-memory repository. */
class LedgerRulesTest {
  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final Billing billing = Fixtures.engine(repository, clock).build();
  private int ids;

  private void run(String at, ActivityType type, String relay, String plan) {
    Instant t = Instant.parse(at);
    clock.set(t);
    billing.record(
        new Activity("a" + ++ids, ALICE, type, relay, java.util.Optional.ofNullable(plan), t));
  }

  private List<InvoiceItem> items() {
    return repository.items(ALICE);
  }

  @Test
  void createChargesTheRestOfThePeriod() {
    run("2025-01-01T00:00:00Z", ActivityType.CREATE_RELAY, "r1", "basic");
    run("2025-01-16T12:00:00Z", ActivityType.CREATE_RELAY, "r2", "pro"); // half of January left
    assertThat(items())
        .extracting(InvoiceItem::relay, InvoiceItem::amount, InvoiceItem::description)
        .containsExactly(
            tuple("r1", 500L, "New relay created"), tuple("r2", 1000L, "New relay created"));
  }

  @Test
  void chargeAndCreditAtTheSameInstantNetToZero() {
    run("2025-01-01T00:00:00Z", ActivityType.CREATE_RELAY, "r0", "free");
    run("2025-01-09T13:37:11Z", ActivityType.CREATE_RELAY, "r1", "odd");
    run("2025-01-09T13:37:11Z", ActivityType.DEACTIVATE_RELAY, "r1", null);
    assertThat(items().stream().mapToLong(InvoiceItem::amount).sum()).isZero();
    assertThat(items()).hasSize(2);
  }

  @Test
  void createThenChangeAtTheSameInstantEqualsCreatingOnTheNewPlan() {
    run("2025-01-01T00:00:00Z", ActivityType.CREATE_RELAY, "r0", "free");
    run("2025-01-09T13:37:11Z", ActivityType.CREATE_RELAY, "r1", "basic");
    run("2025-01-09T13:37:11Z", ActivityType.UPDATE_RELAY, "r1", "odd");
    Period january = new BillingPeriods(Instant.parse("2025-01-01T00:00:00Z")).period(0);
    long direct = Proration.prorate(999, january, Instant.parse("2025-01-09T13:37:11Z"));
    assertThat(items().stream().mapToLong(InvoiceItem::amount).sum()).isEqualTo(direct);
    assertThat(items().get(1).description()).isEqualTo("Plan changed from Basic to Odd");
  }

  /** Seed bug 3: raw events billed again; transitions do not. */
  @Test
  void seedBug3_repeatedActivateOrDeactivateAndChangesWhileInactiveBillNothing() {
    run("2025-01-01T00:00:00Z", ActivityType.CREATE_RELAY, "r1", "basic");
    run("2025-01-05T00:00:00Z", ActivityType.ACTIVATE_RELAY, "r1", null); // already active
    run("2025-01-10T00:00:00Z", ActivityType.DEACTIVATE_RELAY, "r1", null);
    run(
        "2025-01-11T00:00:00Z",
        ActivityType.DEACTIVATE_RELAY,
        "r1",
        null); // free money in the seed
    run("2025-01-12T00:00:00Z", ActivityType.UPDATE_RELAY, "r1", "pro"); // charged in the seed
    run("2025-01-13T00:00:00Z", ActivityType.UPDATE_RELAY, "r1", null); // no plan: nothing
    assertThat(items())
        .extracting(InvoiceItem::description)
        .containsExactly("New relay created", "Relay deactivated (prorated credit)");
    // Reactivating charges the plan chosen while inactive, from then on.
    run("2025-01-20T00:00:00Z", ActivityType.ACTIVATE_RELAY, "r1", null);
    InvoiceItem last = items().get(items().size() - 1);
    assertThat(last.description()).isEqualTo("Relay reactivated");
    assertThat(last.plan()).isEqualTo("pro");
    assertThat(last.amount())
        .isEqualTo(
            Proration.prorate(
                2000,
                new BillingPeriods(Instant.parse("2025-01-01T00:00:00Z")).period(0),
                Instant.parse("2025-01-20T00:00:00Z")));
  }

  /**
   * Seed bug 2: the seed priced a prorated item with the relay's current plan, so reconciling late,
   * after a later upgrade, billed the creation at the new price and then the change again.
   */
  @Test
  void seedBug2_lateReconciliationPricesEachActivityWithThePlanAsOfIt() {
    Instant created = Instant.parse("2025-01-01T00:00:00Z");
    Instant upgraded = Instant.parse("2025-01-16T12:00:00Z");
    // Appended straight to the repository: nothing reconciles until both are in the log.
    Fixtures.appendJudged(repository, Activity.create("c", ALICE, "r1", "basic", created));
    Fixtures.appendJudged(repository, Activity.update("u", ALICE, "r1", "pro", upgraded));
    clock.set("2025-01-20T00:00:00Z");
    billing.reconcile(ALICE);
    assertThat(items())
        .extracting(InvoiceItem::amount, InvoiceItem::description)
        .containsExactly(
            tuple(500L, "New relay created"),
            tuple(750L, "Plan changed from Basic to Pro")); // half of (2000 - 500)
  }

  /** Seed bug 5: an outage forgave the missed months; renewals catch up one period at a time. */
  @Test
  void seedBug5_missedPeriodsAreRenewedOneByOne() {
    run("2025-01-31T10:00:00Z", ActivityType.CREATE_RELAY, "r1", "basic");
    run("2025-01-31T10:00:00Z", ActivityType.CREATE_RELAY, "r2", "pro");
    clock.set("2025-05-01T00:00:00Z"); // billing did not run in Feb, Mar or Apr
    Invoice invoice = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(items())
        .filteredOn(i -> i.renewalPeriod().isPresent())
        .extracting(InvoiceItem::relay, InvoiceItem::at)
        .containsExactlyInAnyOrder(
            tuple("r1", Instant.parse("2025-02-28T10:00:00Z")),
                tuple("r2", Instant.parse("2025-02-28T10:00:00Z")),
            tuple("r1", Instant.parse("2025-03-31T10:00:00Z")),
                tuple("r2", Instant.parse("2025-03-31T10:00:00Z")),
            tuple("r1", Instant.parse("2025-04-30T10:00:00Z")),
                tuple("r2", Instant.parse("2025-04-30T10:00:00Z")));
    assertThat(invoice.total()).isEqualTo(4 * 2500);
    assertThat(invoice.periodStart()).isEqualTo("2025-04-30T10:00:00Z");
    assertThat(invoice.periodEnd()).isEqualTo("2025-05-31T10:00:00Z");
    // Asking again renews nothing twice.
    assertThat(billing.generateInvoice(ALICE)).isEmpty();
    assertThat(items()).hasSize(8);
  }

  @Test
  void renewalChargesOnlyRelaysActiveOnPaidPlansAtTheBoundary() {
    run("2025-01-01T00:00:00Z", ActivityType.CREATE_RELAY, "r1", "basic");
    run("2025-01-02T00:00:00Z", ActivityType.CREATE_RELAY, "r2", "free");
    run("2025-01-03T00:00:00Z", ActivityType.CREATE_RELAY, "r3", "pro");
    run("2025-01-04T00:00:00Z", ActivityType.DEACTIVATE_RELAY, "r3", null);
    run("2025-01-31T23:59:59Z", ActivityType.UPDATE_RELAY, "r1", "pro"); // just before the boundary
    clock.set("2025-02-01T00:00:00Z");
    billing.generateInvoice(ALICE);
    assertThat(items())
        .filteredOn(i -> i.renewalPeriod().isPresent())
        .extracting(InvoiceItem::relay, InvoiceItem::amount, InvoiceItem::plan)
        .containsExactly(tuple("r1", 2000L, "pro"));
  }

  @Test
  void aNetCreditStaysUnclaimedAndCarriesToTheNextPositiveInvoice() {
    run("2025-01-01T00:00:00Z", ActivityType.CREATE_RELAY, "r1", "pro");
    clock.set("2025-01-01T00:00:00Z");
    Invoice first = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(first.total()).isEqualTo(2000);
    run("2025-01-16T12:00:00Z", ActivityType.DEACTIVATE_RELAY, "r1", null); // credit 1000
    assertThat(billing.generateInvoice(ALICE)).isEmpty();
    assertThat(repository.unclaimedItems(ALICE))
        .extracting(InvoiceItem::amount)
        .containsExactly(-1000L);
    run("2025-01-16T12:00:00Z", ActivityType.CREATE_RELAY, "r2", "basic"); // +250
    assertThat(billing.generateInvoice(ALICE)).isEmpty(); // still -750
    clock.set("2025-02-01T00:00:00Z"); // renewal of r2: +500 → -250, still nothing owed
    assertThat(billing.generateInvoice(ALICE)).isEmpty();
    clock.set("2025-03-01T00:00:00Z"); // +500 → 250
    Invoice next = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(next.total()).isEqualTo(250);
    assertThat(repository.invoiceItems(next.id()))
        .extracting(InvoiceItem::amount)
        .containsExactlyInAnyOrder(-1000L, 250L, 500L, 500L);
    assertThat(repository.unclaimedItems(ALICE)).isEmpty();
  }

  @Test
  void nothingOwedMeansNoInvoice() {
    assertThat(billing.generateInvoice(ALICE)).isEmpty(); // unknown tenant
    run("2025-01-01T00:00:00Z", ActivityType.CREATE_RELAY, "r1", "free");
    assertThat(billing.generateInvoice(ALICE)).isEmpty();
  }

  /** S12: activity recorded while billing missed the events is reconciled by reconcileAll. */
  @Test
  void missedEventsAreReconciledForEveryTenant() {
    Fixtures.appendJudged(
        repository,
        Activity.create("m1", ALICE, "r1", "basic", Instant.parse("2025-01-01T00:00:00Z")));
    Fixtures.appendJudged(
        repository,
        Activity.create("m2", Fixtures.BOB, "r1", "pro", Instant.parse("2025-01-01T00:00:00Z")));
    assertThat(repository.items(ALICE)).isEmpty();
    billing.reconcileAll();
    assertThat(repository.items(ALICE)).extracting(InvoiceItem::amount).containsExactly(500L);
    assertThat(repository.items(Fixtures.BOB))
        .extracting(InvoiceItem::amount)
        .containsExactly(2000L);
    assertThat(repository.unclaimedItems(ALICE)).hasSize(1); // reconciling makes no invoice
  }
}
