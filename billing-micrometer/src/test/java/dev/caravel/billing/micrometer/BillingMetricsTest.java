package dev.caravel.billing.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.SecretCipher;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BillingMetricsTest {
  private static final String LIGHTNING = "a".repeat(64);
  private static final String CARD = "b".repeat(64);
  private static final String UNREACHABLE = "c".repeat(64);

  private final MutableClock clock = MutableClock.at("2025-01-31T10:00:00Z");
  private final InMemoryRepository repository = new InMemoryRepository();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Rails.Inbox inbox = new Rails.Inbox();
  private final Rails.DecliningGateway cards = new Rails.DecliningGateway();
  private BillingMetrics metrics;
  private Billing billing;

  @BeforeEach
  void wire() {
    metrics =
        BillingMetrics.builder()
            .registry(registry)
            .dueInvoices(() -> repository.dueInvoices(clock.instant(), 10_000).size())
            .build();
    billing =
        Billing.builder()
            .repository(repository)
            .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
            .clock(clock)
            .appUrl("https://relays.example")
            .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
            .cipher(SecretCipher.aesGcm(Base64.getEncoder().encodeToString(new byte[32])))
            .serviceWallet(new Rails.ServiceWallet(clock))
            .walletConnector(metrics.timed(new Rails.Connector()))
            .exchangeRates(Rails.RATES)
            .paymentGateway(metrics.timed(cards))
            .messenger(metrics.timed(inbox))
            .listener(metrics)
            .build();
  }

  private void threeTenants() {
    billing.saveTenant(LIGHTNING, Rails.PAYING_WALLET, null);
    billing.saveTenant(CARD, null, "cus_card");
    billing.saveTenant(UNREACHABLE, null, null);
    inbox.unreachable.add(UNREACHABLE);
    Instant now = clock.instant();
    billing.record(Activity.create("evt-a", LIGHTNING, "relay-a", "basic", now));
    billing.record(Activity.create("evt-b", CARD, "relay-b", "basic", now));
    billing.record(Activity.create("evt-c", UNREACHABLE, "relay-c", "basic", now));
  }

  @Test
  void aCountCycleIsCountedByRailAndOutcomeAndTimed() {
    threeTenants();

    CycleReport.Counts counts = metrics.timeCountCycle(billing::countCycle);

    // What the engine did, read back from the counts and the ledger, not from the metrics:
    // three tenants, three invoices, three results of which Lightning's is paid, no failure.
    assertThat(counts).isEqualTo(new CycleReport.Counts(3, 3, 3, 1, 0));
    assertThat(billing.invoices(LIGHTNING).get(0).payment().orElseThrow().method())
        .isEqualTo(PaymentMethod.NWC);
    assertThat(billing.invoices(CARD).get(0).isPaid()).isFalse();
    assertThat(cards.charges).hasValue(1);
    assertThat(inbox.sent).containsExactly(CARD);

    // Counters.
    assertThat(registry.get(BillingMetrics.INVOICES_CREATED).counter().count()).isEqualTo(3);
    assertThat(registry.get(BillingMetrics.AMOUNT_BILLED).tag("currency", "usd").counter().count())
        .isEqualTo(1500);
    assertThat(payments("nwc", "succeeded")).isEqualTo(1);
    assertThat(payments("stripe", "failed")).isEqualTo(1);
    assertThat(registry.get(BillingMetrics.DMS).tag("outcome", "sent").counter().count())
        .isEqualTo(1);
    assertThat(registry.get(BillingMetrics.DMS).tag("outcome", "failed").counter().count())
        .isEqualTo(1);

    // Timers: one cycle, ok, no failure counted; and each rail's payment call with its outcome.
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "ok").timer().count())
        .isEqualTo(1);
    assertThat(registry.find(BillingMetrics.CYCLES).tag("outcome", "failures").timer()).isNull();
    assertThat(registry.find(BillingMetrics.CYCLES).tag("outcome", "error").timer()).isNull();
    assertThat(registry.get(BillingMetrics.CYCLE_FAILURES).counter().count()).isZero();
    assertThat(railCalls("nwc", "paid")).isEqualTo(1);
    assertThat(railCalls("stripe", "declined")).isEqualTo(1);
    assertThat(railCalls("dm", "sent")).isEqualTo(1);
    assertThat(railCalls("dm", "error")).isEqualTo(1);
  }

  @Test
  void theReportingCycleIsStillTimed() {
    threeTenants();

    CycleReport report = metrics.timeCycle(billing::runCycle);

    assertThat(report.invoicesCreated()).hasSize(3);
    assertThat(report.payments()).hasSize(3);
    assertThat(registry.get(BillingMetrics.INVOICES_CREATED).counter().count()).isEqualTo(3);
    assertThat(payments("nwc", "succeeded")).isEqualTo(1);
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "ok").timer().count())
        .isEqualTo(1);
    assertThat(registry.get(BillingMetrics.CYCLE_FAILURES).counter().count()).isZero();
  }

  @Test
  void theDueGaugeFollowsTheLedger() {
    threeTenants();
    metrics.timeCountCycle(billing::countCycle);
    assertThat(registry.get(BillingMetrics.DUE_INVOICES).gauge().value()).isZero();

    // A day later the card and the unreachable tenant's invoices are due for their second round.
    clock.advance(Duration.ofDays(1));
    assertThat(registry.get(BillingMetrics.DUE_INVOICES).gauge().value()).isEqualTo(2);

    CycleReport.Counts second = metrics.timeCountCycle(billing::countCycle);
    assertThat(second).isEqualTo(new CycleReport.Counts(0, 0, 2, 0, 0));
    assertThat(registry.get(BillingMetrics.DUE_INVOICES).gauge().value()).isZero();
    assertThat(payments("stripe", "failed")).isEqualTo(2);
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "ok").timer().count())
        .isEqualTo(2);
  }

  @Test
  void noMeterIsTaggedWithATenantOrAnInvoice() {
    threeTenants();
    metrics.timeCountCycle(billing::countCycle);
    List<String> ids =
        billing.invoices(LIGHTNING).stream()
            .map(Invoice::id)
            .collect(java.util.stream.Collectors.toList());
    for (Meter meter : registry.getMeters()) {
      assertThat(meter.getId().getTags())
          .allSatisfy(
              tag -> {
                assertThat(tag.getKey()).isIn("rail", "outcome", "currency");
                assertThat(tag.getValue()).doesNotContain("aaaa", "bbbb", "cccc");
                assertThat(ids).doesNotContain(tag.getValue());
              });
    }
  }

  @Test
  void aCycleThatThrowsIsTimedAsAnErrorAndRethrown() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                metrics.timeCountCycle(
                    () -> {
                      calls.incrementAndGet();
                      throw new IllegalStateException("database down");
                    }))
        .hasMessage("database down");
    assertThatThrownBy(
            () ->
                metrics.timeCycle(
                    () -> {
                      calls.incrementAndGet();
                      throw new IllegalStateException("still down");
                    }))
        .hasMessage("still down");
    assertThat(calls).hasValue(2);
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "error").timer().count())
        .isEqualTo(2);
    assertThat(registry.get(BillingMetrics.CYCLE_FAILURES).counter().count()).isZero();
  }

  @Test
  void failuresInsideACycleAreCountedFromItsCounts() {
    CycleReport.Counts counts =
        metrics.timeCountCycle(() -> new CycleReport.Counts(10, 4, 4, 1, 3));
    assertThat(counts).isEqualTo(new CycleReport.Counts(10, 4, 4, 1, 3));
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "failures").timer().count())
        .isEqualTo(1);
    assertThat(registry.find(BillingMetrics.CYCLES).tag("outcome", "ok").timer()).isNull();
    assertThat(registry.get(BillingMetrics.CYCLE_FAILURES).counter().count()).isEqualTo(3);

    // A clean count cycle is ok and adds nothing; a report's failures add to the same counter.
    metrics.timeCountCycle(() -> new CycleReport.Counts(10, 4, 4, 4, 0));
    CycleReport report = metrics.timeCycle(() -> new CycleReport(10, List.of(), List.of(), 2));
    assertThat(report.failures()).isEqualTo(2);
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "ok").timer().count())
        .isEqualTo(1);
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "failures").timer().count())
        .isEqualTo(2);
    assertThat(registry.get(BillingMetrics.CYCLE_FAILURES).counter().count()).isEqualTo(5);
  }

  @Test
  void aManualSettlementIsCountedOnItsMethod() {
    billing.saveTenant(UNREACHABLE, null, null);
    billing.record(Activity.create("evt-c", UNREACHABLE, "relay-c", "basic", clock.instant()));
    Invoice invoice = billing.generateInvoice(UNREACHABLE).orElseThrow();

    assertThat(billing.settle(invoice.id(), PaymentMethod.MANUAL, "cash-1")).isTrue();
    assertThat(payments("manual", "succeeded")).isEqualTo(1);
  }

  @Test
  void theBuilderChecksItsArguments() {
    assertThatThrownBy(() -> BillingMetrics.builder().registry(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> BillingMetrics.builder().dueInvoices(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> BillingMetrics.builder().overdueInvoices(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> BillingMetrics.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("registry");
    assertThatThrownBy(() -> metrics.timed((dev.caravel.billing.PaymentGateway) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> metrics.timeCycle(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> metrics.timeCountCycle(null)).isInstanceOf(NullPointerException.class);
    // A cycle that returns nothing is a programming mistake, timed as an error.
    assertThatThrownBy(() -> metrics.timeCountCycle(() -> null))
        .isInstanceOf(NullPointerException.class);
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "error").timer().count())
        .isEqualTo(1);
  }

  private double payments(String rail, String outcome) {
    return registry
        .get(BillingMetrics.PAYMENTS)
        .tag("rail", rail)
        .tag("outcome", outcome)
        .counter()
        .count();
  }

  private long railCalls(String rail, String outcome) {
    return registry
        .get(BillingMetrics.RAIL_CALLS)
        .tag("rail", rail)
        .tag("outcome", outcome)
        .timer()
        .count();
  }
}
