package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** S22 by example: plan changes scheduled for the end of the relay's term. */
class TermEndChangeTest {
  private static final Plan BASIC = new Plan("basic", "Basic", 500);
  private static final Plan PRO = new Plan("pro", "Pro", 2_000);
  private static final Plan YEARLY = new Plan("yearly", "Basic yearly", 5_000, 12);
  private static final Plan PLUS = new Plan("plus", "Plus", 1_000);

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-31T10:00:00Z");
  private final Billing billing =
      Billing.builder()
          .repository(repository)
          .catalogue(PlanCatalogue.of(BASIC, PRO, PLUS, YEARLY))
          .clock(clock)
          .appUrl("https://relays.example")
          .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
          .messenger(Fixtures.UNREAD)
          .build();

  private long billedAt(String iso) {
    clock.set(iso);
    return billing.generateInvoice(ALICE).map(Invoice::total).orElse(0L);
  }

  /** Every month from the anchor through {@code lastMonth}: snapshots advance at each renewal. */
  private void billMonthly(String... months) {
    for (String month : months) {
      assertThat(billedAt(month + "T10:00:00Z")).as(month).isZero();
    }
  }

  private void create(String plan) {
    billing.record(Activity.create("c", ALICE, "r1", plan, clock.instant()));
    billing.generateInvoice(ALICE).orElseThrow();
  }

  @Test
  void aYearlyPlanDowngradedAtTermEndBillsNothingUntilTheRenewalChargesTheMonthlyPrice() {
    create("yearly");
    clock.set("2025-03-15T00:00:00Z");
    assertThat(billing.scheduleChange(ALICE, "r1", "basic"))
        .as("the end of the yearly term")
        .isEqualTo("2026-01-31T10:00:00Z");
    assertThat(billing.unbilledBalance(ALICE)).as("nothing bills at scheduling").isZero();
    billMonthly("2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31");
    clock.set("2025-12-31T10:00:00Z");
    assertThat(billing.upcoming(ALICE).orElseThrow().total())
        .as("upcoming shows the new plan's price")
        .isEqualTo(500);
    clock.set("2026-01-31T10:00:00Z");
    Invoice renewal = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(renewal.total()).isEqualTo(500);
    assertThat(billing.invoiceItems(renewal.id()))
        .singleElement()
        .satisfies(
            item -> {
              assertThat(item.plan()).isEqualTo("basic");
              assertThat(item.description()).isEqualTo("Subscription renewal");
            });
    assertThat(billedAt("2026-02-28T10:00:00Z")).as("monthly from then on").isEqualTo(500);
  }

  @Test
  void anActivityAfterTheBoundarySeesTheNewPlan() {
    create("yearly");
    billing.scheduleChange(ALICE, "r1", "basic");
    billedAt("2026-01-31T10:00:00Z");
    // Half of February 2026's 28 days left: the credit is half of basic, not of yearly.
    clock.set("2026-02-14T10:00:00Z");
    billing.record(Activity.deactivate("d", ALICE, "r1", clock.instant()));
    assertThat(billing.unbilledBalance(ALICE)).isEqualTo(-250);
  }

  @Test
  void anActivityAtTheBoundaryBeforeTheRenewalRanSeesTheNewPlanToo() {
    create("yearly");
    billing.scheduleChange(ALICE, "r1", "pro");
    clock.set("2026-01-31T10:00:00Z");
    billing.record(Activity.update("u", ALICE, "r1", "basic", clock.instant()));
    // From pro to basic for the whole month: -2000 + 500; the renewal charges pro's 2000.
    assertThat(billing.generateInvoice(ALICE).orElseThrow().total()).isEqualTo(500);
  }

  @Test
  void aNewerScheduleReplacesTheOneBefore() {
    create("basic");
    billing.scheduleChange(ALICE, "r1", "pro");
    clock.set("2025-02-10T00:00:00Z");
    assertThat(billing.scheduleChange(ALICE, "r1", "plus")).isEqualTo("2025-02-28T10:00:00Z");
    assertThat(billedAt("2025-02-28T10:00:00Z")).isEqualTo(1_000);
  }

  @Test
  void aDeactivationBeforeTheBoundaryCancelsIt() {
    create("basic");
    billing.scheduleChange(ALICE, "r1", "pro");
    // February's period is 28 days: 18 left on the 10th (credit 321), 14 on the 14th (+250).
    clock.set("2025-02-10T10:00:00Z");
    billing.record(Activity.deactivate("d", ALICE, "r1", clock.instant()));
    clock.set("2025-02-14T10:00:00Z");
    billing.record(Activity.activate("a", ALICE, "r1", clock.instant()));
    clock.set("2025-02-28T10:00:00Z");
    Invoice invoice = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(invoice.total()).isEqualTo(-321 + 250 + 500);
    assertThat(billing.invoiceItems(invoice.id()))
        .filteredOn(item -> item.renewalPeriod().isPresent())
        .singleElement()
        .satisfies(item -> assertThat(item.plan()).isEqualTo("basic"));
  }

  @Test
  void aPlanChangeMadeAtOnceCancelsIt() {
    create("basic");
    billing.scheduleChange(ALICE, "r1", "pro");
    clock.set("2025-02-14T10:00:00Z");
    billing.record(Activity.update("u", ALICE, "r1", "plus", clock.instant()));
    // Half the period from basic to plus (+250), then plus renews, not pro.
    assertThat(billedAt("2025-02-28T10:00:00Z")).isEqualTo(250 + 1_000);
  }

  @Test
  void aCancelledChangeLeavesTheRelayOnItsPlanAndASecondCancelIsRefused() {
    create("basic");
    billing.scheduleChange(ALICE, "r1", "pro");
    billing.cancelScheduledChange(ALICE, "r1");
    assertThatThrownBy(() -> billing.cancelScheduledChange(ALICE, "r1"))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(ActivityRejectedException.Reason.NOTHING_SCHEDULED));
    assertThat(billedAt("2025-02-28T10:00:00Z")).isEqualTo(500);
    assertThatThrownBy(() -> billing.cancelScheduledChange(ALICE, "r1"))
        .as("nothing still to come after the boundary either")
        .isInstanceOf(ActivityRejectedException.class);
  }

  @Test
  void aChangeThatTookEffectCannotBeCancelled() {
    create("basic");
    billing.scheduleChange(ALICE, "r1", "pro");
    assertThat(billedAt("2025-02-28T10:00:00Z")).isEqualTo(2_000);
    clock.set("2025-03-01T00:00:00Z");
    assertThatThrownBy(() -> billing.cancelScheduledChange(ALICE, "r1"))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(ActivityRejectedException.Reason.NOTHING_SCHEDULED));
    assertThatThrownBy(() -> billing.scheduleChange(ALICE, "r1", "pro"))
        .as("pro is the plan it is on now")
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e ->
                assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.NOT_SCHEDULABLE));
  }

  @Test
  void schedulingOnAnInactiveRelayAnUnknownPlanOrTheRelaysOwnPlanIsRefusedAndRecordsNothing() {
    create("basic");
    int logSize = log().activityCount();
    assertThatThrownBy(() -> billing.scheduleChange(ALICE, "r1", "basic"))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.NOT_SCHEDULABLE);
              assertThat(e.getMessage()).contains("the plan it is on");
            });
    assertThatThrownBy(() -> billing.scheduleChange(ALICE, "r1", "gold"))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.UNKNOWN_PLAN));
    assertThatThrownBy(() -> billing.scheduleChange(ALICE, "r9", "pro"))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.UNKNOWN_RELAY));
    billing.record(Activity.deactivate("d", ALICE, "r1", clock.instant()));
    assertThatThrownBy(() -> billing.scheduleChange(ALICE, "r1", "pro"))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.NOT_SCHEDULABLE);
              assertThat(e.getMessage()).contains("inactive");
            });
    assertThat(log().activityCount()).isEqualTo(logSize + 1);
  }

  @Test
  void recordingAScheduledChangeIsIdempotentOnItsId() {
    create("basic");
    Activity change = Activity.scheduleChange("s", ALICE, "r1", "pro", clock.instant());
    assertThat(billing.record(change)).isTrue();
    assertThat(billing.record(change)).isFalse();
    assertThatThrownBy(
            () ->
                billing.record(Activity.scheduleChange("s", ALICE, "r1", "plus", clock.instant())))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.CONFLICTING_ID));
    assertThat(billedAt("2025-02-28T10:00:00Z")).isEqualTo(2_000);
  }

  @Test
  void aChangeToALongerIntervalChargesTheRestOfTheNewPlansTermAtTheBoundary() {
    create("basic");
    billing.scheduleChange(ALICE, "r1", "yearly");
    // The yearly term holding Feb 28 is Jan 31, 2025 .. Jan 31, 2026 (365 days), 337 days left:
    // 5000 × 337 / 365 = 4616.4.
    clock.set("2025-02-28T10:00:00Z");
    Invoice invoice = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(invoice.total()).isEqualTo(4_616);
    assertThat(billing.invoiceItems(invoice.id()))
        .singleElement()
        .satisfies(
            item ->
                assertThat(item.description()).isEqualTo("Subscription renewal (rest of term)"));
    billMonthly("2025-03-31", "2025-12-31");
    assertThat(billedAt("2026-01-31T10:00:00Z")).isEqualTo(5_000);
  }

  @Test
  void grandfatheringCountsThePlanAsChosenAtTheBoundary() {
    create("yearly");
    clock.set("2025-03-15T00:00:00Z");
    billing.scheduleChange(ALICE, "r1", "basic");
    billing.record(Activity.create("c2", ALICE, "r2", "basic", clock.instant()));
    billing.generateInvoice(ALICE).orElseThrow();
    // Relays on basic before June keep 500; r1 joins basic at its boundary, after it: 800.
    billing.changePrice("basic", 800, Instant.parse("2025-06-01T00:00:00Z"), true);
    clock.set("2026-01-31T10:00:00Z");
    Invoice invoice = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(billing.invoiceItems(invoice.id()))
        .filteredOn(item -> item.at().equals(clock.instant()))
        .extracting(InvoiceItem::relay, InvoiceItem::amount)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("r1", 800L),
            org.assertj.core.groups.Tuple.tuple("r2", 500L));
  }

  @Test
  void aSnapshotTakenBeforeTheBoundaryCarriesTheScheduledChange() {
    create("yearly");
    clock.set("2025-03-15T00:00:00Z");
    billing.scheduleChange(ALICE, "r1", "basic");
    billMonthly("2025-03-31");
    assertThat(log().snapshot())
        .singleElement()
        .satisfies(
            relay ->
                assertThat(relay.scheduled())
                    .contains(
                        new dev.caravel.billing.spi.RelaySnapshot.ScheduledChange(
                            "basic", Instant.parse("2026-01-31T10:00:00Z"))));
    assertThat(log().activities()).as("read from the snapshot on").isEmpty();
    assertThat(billedAt("2026-01-31T10:00:00Z")).isEqualTo(500);
    assertThat(log().snapshot())
        .singleElement()
        .satisfies(
            relay -> {
              assertThat(relay.plan()).contains("basic");
              assertThat(relay.planSince()).contains(Instant.parse("2026-01-31T10:00:00Z"));
              assertThat(relay.scheduled()).isEmpty();
            });
  }

  private dev.caravel.billing.spi.TenantLedger log() {
    return repository.ledgers(List.of(ALICE)).get(0);
  }
}
