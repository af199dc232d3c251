package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * S20 through the engine: a 14-day trial anchors the tenant at its first activity + 14 days;
 * activity before then bills nothing; the anchor charges each relay active then its first term; the
 * poll writes the trial-ending event 3 days before, once, and the trial-ended event with period 0.
 */
class TrialTest {
  private static final Instant FIRST = Instant.parse("2025-01-10T09:00:00Z");
  private static final Instant NOTICE = Instant.parse("2025-01-21T09:00:00Z");
  private static final Instant ANCHOR = Instant.parse("2025-01-24T09:00:00Z");

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = new MutableClock(FIRST);
  private final List<String> heard = new ArrayList<>();
  private final Billing billing =
      Fixtures.engine(repository, clock)
          .listener(
              new BillingListener() {
                @Override
                public void trialEnding(String tenant, Instant anchor) {
                  heard.add("ending " + anchor);
                }

                @Override
                public void trialEnded(String tenant, Instant anchor) {
                  heard.add("ended " + anchor);
                }
              })
          .build();

  private List<BillingEvent.Type> trialEvents() {
    return billing.events(0, 1_000).stream()
        .map(BillingEvent::type)
        .filter(t -> t.name().startsWith("TRIAL_"))
        .toList();
  }

  @Test
  void activityDuringTheTrialBillsNothingAndTheAnchorChargesEachActiveRelaysFirstTerm() {
    billing.startTrial(ALICE, 14);
    billing.record(Activity.create("c1", ALICE, "r1", "basic", FIRST));
    clock.set(FIRST.plusSeconds(3_600));
    billing.record(Activity.create("c2", ALICE, "r2", "pro", clock.instant()));
    billing.record(Activity.deactivate("d2", ALICE, "r2", clock.instant().plusSeconds(60)));
    billing.record(Activity.create("c3", ALICE, "r3", "free", clock.instant().plusSeconds(120)));
    clock.set(FIRST.plusSeconds(86_400));
    assertThat(billing.generateInvoice(ALICE)).isEmpty();
    assertThat(repository.items(ALICE)).as("nothing billed in the trial").isEmpty();
    assertThat(billing.unbilledBalance(ALICE)).isZero();

    clock.set(ANCHOR);
    Invoice first = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(first.periodStart()).isEqualTo(ANCHOR);
    assertThat(first.periodEnd()).isEqualTo(Instant.parse("2025-02-24T09:00:00Z"));
    assertThat(first.total()).isEqualTo(500);
    assertThat(billing.invoiceItems(first.id()))
        .singleElement()
        .satisfies(
            item -> {
              assertThat(item.relay()).isEqualTo("r1");
              assertThat(item.amount()).isEqualTo(500);
              assertThat(item.description()).isEqualTo("First period after trial");
              assertThat(item.at()).isEqualTo(ANCHOR);
              assertThat(item.renewalPeriod()).isEqualTo(OptionalInt.of(0));
            });

    // From then on, S2-S8: the next period renews at the full price.
    clock.set(Instant.parse("2025-02-24T09:00:00Z"));
    assertThat(billing.generateInvoice(ALICE).orElseThrow().total()).isEqualTo(500);
    assertThat(trialEvents())
        .containsExactly(BillingEvent.Type.TRIAL_ENDING, BillingEvent.Type.TRIAL_ENDED);
    assertThat(heard).containsExactly("ending " + ANCHOR, "ended " + ANCHOR);
  }

  @Test
  void thePollFindsTheTrialEndingThreeDaysBeforeTheAnchorAndWritesItOnce() {
    billing.startTrial(ALICE, 14);
    billing.record(Activity.create("c1", ALICE, "r1", "basic", FIRST));
    assertThat(billing.runCycle().tenantsVisited()).isEqualTo(1);
    clock.set(NOTICE.minusSeconds(1));
    assertThat(billing.runCycle().tenantsVisited()).as("not due before the notice").isZero();
    assertThat(trialEvents()).isEmpty();

    clock.set(NOTICE);
    assertThat(billing.runCycle().tenantsVisited()).isEqualTo(1);
    Billing second = Fixtures.engine(repository, clock).instanceId("second").build();
    billing.generateInvoice(ALICE);
    second.generateInvoice(ALICE);
    assertThat(second.runCycle().tenantsVisited()).as("due next at the anchor").isZero();
    List<BillingEvent> ending =
        billing.events(0, 100).stream()
            .filter(e -> e.type() == BillingEvent.Type.TRIAL_ENDING)
            .toList();
    assertThat(ending).singleElement().satisfies(e -> assertThat(e.at()).isEqualTo(NOTICE));
    assertThat(ending.get(0).detail()).isEqualTo(ANCHOR.toString());

    clock.set(ANCHOR);
    CycleReport atAnchor = billing.runCycle();
    assertThat(atAnchor.invoicesCreated())
        .singleElement()
        .extracting(Invoice::total)
        .isEqualTo(500L);
    BillingEvent ended =
        billing.events(0, 100).stream()
            .filter(e -> e.type() == BillingEvent.Type.TRIAL_ENDED)
            .findFirst()
            .orElseThrow();
    assertThat(ended.amount()).isEqualTo(500);
    assertThat(ended.at()).isEqualTo(ANCHOR);
  }

  @Test
  void aTrialOfLessThanThreeDaysIsToldEndingAtOnce() {
    billing.startTrial(ALICE, 2);
    billing.record(Activity.create("c1", ALICE, "r1", "basic", FIRST));
    billing.runCycle();
    assertThat(billing.events(0, 100))
        .filteredOn(e -> e.type() == BillingEvent.Type.TRIAL_ENDING)
        .singleElement()
        .satisfies(e -> assertThat(e.at()).isEqualTo(FIRST));
    clock.set(FIRST.plusSeconds(2 * 86_400));
    assertThat(billing.runCycle().invoicesCreated()).hasSize(1);
  }

  @Test
  void aTrialIsRefusedOnceTheTenantHasActivityOrAnAnchorAndNothingIsStored() {
    billing.record(Activity.create("c1", ALICE, "r1", "basic", FIRST));
    assertThatThrownBy(() -> billing.startTrial(ALICE, 14))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("before its first activity");
    assertThat(repository.findTenant(ALICE).orElseThrow().trialDays()).isEmpty();

    billing.saveTenant(BOB, null, null);
    billing.charge(BOB, 300, "setup", "k1");
    assertThatThrownBy(() -> billing.startTrial(BOB, 14)).isInstanceOf(InvalidInputException.class);
    assertThat(repository.findTenant(BOB).orElseThrow().trialDays()).isEmpty();
  }

  @Test
  void aTrialIsOneToThreeHundredSixtyFiveDays() {
    assertThatThrownBy(() -> billing.startTrial(ALICE, 0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("1 to 365 days");
    assertThatThrownBy(() -> billing.startTrial(ALICE, 366))
        .isInstanceOf(InvalidInputException.class);
    assertThat(repository.findTenant(ALICE)).isEmpty();
    billing.startTrial(ALICE, 365);
    assertThat(repository.findTenant(ALICE).map(Tenant::trialDays)).contains(OptionalInt.of(365));
  }

  @Test
  void savingHowTheTenantPaysKeepsItsTrialAndAChargeBeforeTheTrialWaitsForTheAnchor() {
    billing.startTrial(ALICE, 14);
    billing.saveTenant(ALICE, null, "cus_1");
    billing.charge(ALICE, 300, "setup", "k1");
    billing.record(Activity.create("c1", ALICE, "r1", "basic", FIRST));
    assertThat(repository.findTenant(ALICE).orElseThrow().trialDays()).hasValue(14);
    clock.set(ANCHOR.minusSeconds(1));
    assertThat(billing.generateInvoice(ALICE)).isEmpty();
    clock.set(ANCHOR);
    assertThat(billing.generateInvoice(ALICE).orElseThrow().total()).isEqualTo(800);
  }

  @Test
  void upcomingDuringTheTrialIsTheFirstTermInvoiceAtTheAnchor() {
    billing.startTrial(ALICE, 14);
    billing.record(Activity.create("c1", ALICE, "r1", "pro", FIRST));
    assertThat(billing.preview(ALICE)).isEmpty();
    Invoice.Preview upcoming = billing.upcoming(ALICE).orElseThrow();
    assertThat(upcoming.at()).isEqualTo(ANCHOR);
    assertThat(upcoming.total()).isEqualTo(2000);
    clock.set(ANCHOR);
    Invoice made = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(billing.invoiceItems(made.id()))
        .extracting(InvoiceItem::id, InvoiceItem::amount, InvoiceItem::description)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "ren:" + ALICE + ":0:r1", 2000L, "First period after trial"));
    assertThat(upcoming.items())
        .extracting(InvoiceItem::id)
        .containsExactly("ren:" + ALICE + ":0:r1");
    assertThat(upcoming.periodStart()).isEqualTo(made.periodStart());
    assertThat(upcoming.total()).isEqualTo(made.total());
  }

  @Test
  void activityAtTheAnchorIsProratedAsForAnyTenant() {
    billing.startTrial(ALICE, 14);
    billing.record(Activity.create("c1", ALICE, "r1", "basic", FIRST));
    clock.set(ANCHOR);
    billing.record(Activity.create("c2", ALICE, "r2", "basic", ANCHOR));
    Invoice first = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(billing.invoiceItems(first.id()))
        .extracting(InvoiceItem::description, InvoiceItem::amount)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("First period after trial", 500L),
            org.assertj.core.groups.Tuple.tuple("New relay created", 500L));
  }
}
