package dev.caravel.billing.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.memory.InMemoryRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/** The snippet of billing-micrometer/README.md, as it stands there. */
class ReadmeExampleTest {
  @Test
  void readmeSnippetRuns() {
    var messages = new ArrayList<String>();
    // --- README ---
    MeterRegistry registry = new SimpleMeterRegistry(); // your Prometheus, OTLP, ... registry
    var repository = new InMemoryRepository(); // JdbcRepository in production

    BillingMetrics metrics =
        BillingMetrics.builder()
            .registry(registry)
            .dueInvoices(() -> repository.dueInvoices(Instant.now(), 10_000).size()) // optional
            .build();

    Billing billing =
        Billing.builder()
            .repository(repository)
            .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
            .appUrl("https://relays.example")
            .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
            .messenger(metrics.timed((pubkey, text) -> messages.add(text))) // times each DM
            // .paymentGateway(metrics.timed(stripe)), .walletConnector(metrics.timed(connector))
            .listener(metrics) // counts invoices, amounts, payments, DMs
            .build();

    String tenant = "a".repeat(64);
    billing.record(
        Activity.create(
            "evt-1", tenant, "relay-1", "basic", Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    CycleReport.Counts counts =
        metrics.timeCountCycle(billing::countCycle); // not billing.countCycle()

    // caravel.billing.invoices.created = 1, caravel.billing.amount.billed{currency=usd} = 500,
    // caravel.billing.dms{outcome=sent} = 1, caravel.billing.cycles{outcome=ok} timed once
    // --- README ---
    assertThat(counts.invoicesCreated()).isEqualTo(1);
    assertThat(counts.failures()).isZero();
    assertThat(messages).hasSize(1);
    assertThat(registry.get(BillingMetrics.INVOICES_CREATED).counter().count()).isEqualTo(1);
    assertThat(registry.get(BillingMetrics.AMOUNT_BILLED).tag("currency", "usd").counter().count())
        .isEqualTo(500);
    assertThat(registry.get(BillingMetrics.DMS).tag("outcome", "sent").counter().count())
        .isEqualTo(1);
    assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "ok").timer().count())
        .isEqualTo(1);
    assertThat(registry.get(BillingMetrics.DUE_INVOICES).gauge().value()).isZero();
  }
}
