package dev.caravel.billing.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.micrometer.BillingMetrics;
import dev.caravel.billing.spi.Repository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * The poll runs the counting cycle: each cycle's counts reach the status, the health details and
 * the cycle timer, per cycle, with nothing of its invoices kept. Cycles are run by hand, nothing is
 * scheduled.
 */
class BillingPollTest {
  private static final String CARD = "a".repeat(64);
  private static final String NO_RAIL = "b".repeat(64);
  private static final Instant NOW = Instant.parse("2025-01-31T10:00:00Z");

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final InMemoryRepository ledger = new InMemoryRepository();
  private final AtomicBoolean storageDown = new AtomicBoolean();
  private final Repository repository = failingWhenDown(ledger, storageDown);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final BillingMetrics metrics = BillingMetrics.builder().registry(registry).build();
  private final BillingStatus status =
      new BillingStatus(repository, clock, Duration.ofDays(7), 100);
  private final BillingHealthIndicator health = new BillingHealthIndicator(status);
  private final List<CycleReport.Counts> timed = new ArrayList<>();

  private final Billing billing =
      Billing.builder()
          .repository(repository)
          .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
          .clock(clock)
          .appUrl("https://relays.example")
          .paymentGateway(new PayingGateway())
          .listener(metrics)
          .build();

  /** Timed as the starter's metrics time it, keeping what each timed cycle returned. */
  private final BillingPoll poll =
      new BillingPoll(
          billing,
          Duration.ofHours(1),
          status,
          cycle ->
              () -> {
                CycleReport.Counts counts = metrics.timeCountCycle(cycle);
                timed.add(counts);
                return counts;
              },
          clock);

  private void twoTenants() {
    billing.saveTenant(CARD, null, "cus_card");
    billing.record(Activity.create("evt-a", CARD, "relay-a", "basic", NOW));
    billing.record(Activity.create("evt-b", NO_RAIL, "relay-b", "basic", NOW));
  }

  @Test
  void eachCycleReportsItsCountsToTheStatusTheHealthAndTheTimer() {
    twoTenants();

    poll.runCycle();

    // Two tenants billed, two results, the card's paid; read back from the ledger too.
    CycleReport.Counts first = new CycleReport.Counts(2, 2, 2, 1, 0);
    assertThat(ledger.invoices(CARD))
        .singleElement()
        .satisfies(i -> assertThat(i.isPaid()).isTrue());
    assertThat(ledger.invoices(NO_RAIL))
        .singleElement()
        .satisfies(i -> assertThat(i.isPaid()).isFalse());
    assertThat(timed).containsExactly(first);
    assertThat(status.lastCycleCounts()).contains(first);
    assertThat(status.lastCycleFailures()).isZero();
    assertThat(status.cycles()).isEqualTo(1);
    assertThat(status.lastCycleAt()).contains(NOW);
    Health up = health.health();
    assertThat(up.getStatus()).isEqualTo(Status.UP);
    assertThat(up.getDetails())
        .containsEntry("lastCycleTenants", 2)
        .containsEntry("lastCycleInvoices", 2)
        .containsEntry("lastCyclePayments", 2)
        .containsEntry("lastCyclePaid", 1)
        .containsEntry("lastCycleFailures", 0)
        .containsEntry("cycles", 1L);
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "ok").timer().count())
        .isEqualTo(1);
    assertThat(registry.get(BillingMetrics.INVOICES_CREATED).counter().count()).isEqualTo(2);

    // Nothing is due any more: the next cycle's counts are its own, not a running total.
    poll.runCycle();

    CycleReport.Counts idle = new CycleReport.Counts(0, 0, 0, 0, 0);
    assertThat(timed).containsExactly(first, idle);
    assertThat(status.lastCycleCounts()).contains(idle);
    assertThat(status.cycles()).isEqualTo(2);
    assertThat(health.health().getDetails())
        .containsEntry("lastCycleTenants", 0)
        .containsEntry("lastCycleInvoices", 0)
        .containsEntry("lastCyclePayments", 0)
        .containsEntry("lastCyclePaid", 0);
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "ok").timer().count())
        .isEqualTo(2);
  }

  @Test
  void failuresCountedInACycleTurnTheHealthDownAndReachTheMetrics() {
    twoTenants();
    storageDown.set(true);

    poll.runCycle();

    // Finding the tenants due failed: the cycle counts it and visits no one.
    assertThat(status.lastCycleCounts()).contains(new CycleReport.Counts(0, 0, 0, 0, 1));
    assertThat(status.lastCycleFailures()).isEqualTo(1);
    assertThat(status.failures()).isEqualTo(1);
    assertThat(status.lastError()).isEmpty();
    assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "failures").timer().count())
        .isEqualTo(1);
    assertThat(registry.get(BillingMetrics.CYCLE_FAILURES).counter().count()).isEqualTo(1);

    // The tenants stayed due: the next cycle bills them, and the health is up again.
    storageDown.set(false);
    poll.runCycle();

    assertThat(status.lastCycleCounts()).contains(new CycleReport.Counts(2, 2, 2, 1, 0));
    assertThat(status.lastCycleFailures()).isZero();
    assertThat(status.failures()).isEqualTo(1);
    assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "ok").timer().count())
        .isEqualTo(1);
    assertThat(registry.get(BillingMetrics.CYCLE_FAILURES).counter().count()).isEqualTo(1);
  }

  @Test
  void aCycleThatThrowsIsRecordedWithoutCounts() {
    twoTenants();
    poll.runCycle();
    BillingPoll throwing =
        new BillingPoll(
            billing,
            Duration.ofHours(1),
            status,
            cycle ->
                () -> {
                  throw new IllegalStateException("timer broken");
                },
            clock);

    throwing.runCycle();

    assertThat(status.lastCycleCounts()).isEmpty();
    assertThat(status.lastError()).contains("IllegalStateException: timer broken");
    assertThat(status.lastCycleFailures()).isEqualTo(1);
    assertThat(status.cycles()).isEqualTo(2);
    Health down = health.health();
    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
    assertThat(down.getDetails())
        .doesNotContainKeys(
            "lastCycleTenants", "lastCycleInvoices", "lastCyclePayments", "lastCyclePaid")
        .containsEntry("lastError", "IllegalStateException: timer broken");
  }

  @Test
  void aReportingCycleAHostRanIsRecordedAsItsCounts() {
    twoTenants();

    status.cycleFinished(NOW, Duration.ofMillis(5), billing.runCycle());

    assertThat(status.lastCycleCounts()).contains(new CycleReport.Counts(2, 2, 2, 1, 0));
    assertThat(status.lastCycleDuration()).contains(Duration.ofMillis(5));
    assertThat(status.cycles()).isEqualTo(1);
  }

  /** A card that pays every charge. */
  private static final class PayingGateway implements PaymentGateway {
    @Override
    public Optional<String> savedPaymentMethod(String customerId) {
      return Optional.of("pm_card");
    }

    @Override
    public ChargeOutcome charge(ChargeRequest request) {
      return new ChargeOutcome.Paid("pi_" + request.idempotencyKey());
    }
  }

  /** {@code ledger}, except that finding the tenants due fails while {@code down} is set. */
  private static Repository failingWhenDown(Repository ledger, AtomicBoolean down) {
    return (Repository)
        Proxy.newProxyInstance(
            Repository.class.getClassLoader(),
            new Class<?>[] {Repository.class},
            (proxy, method, args) -> {
              if (down.get() && method.getName().equals("takeDueTenants")) {
                throw new IllegalStateException("database down");
              }
              try {
                return method.invoke(ledger, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
