package dev.caravel.billing.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The snippet of billing-spring-boot-starter/README.md: its properties and its code. */
class ReadmeExampleTest {
  @Test
  void readmeSnippetRuns() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                DataSourceAutoConfiguration.class,
                FlywayAutoConfiguration.class,
                CaravelBillingAutoConfiguration.class))
        .withPropertyValues(
            // --- README properties ---
            "spring.datasource.url=jdbc:h2:mem:readme;DB_CLOSE_DELAY=-1",
            "caravel.billing.app-url=https://relays.example",
            "caravel.billing.plans[0].id=basic",
            "caravel.billing.plans[0].name=Basic",
            "caravel.billing.plans[0].price=500",
            "caravel.billing.poll.interval=1h"
            // --- README properties ---
            )
        .run(
            context -> {
              Billing billing = context.getBean(Billing.class);
              // --- README code ---
              String tenant = "a".repeat(64); // the tenant's Nostr pubkey, hex
              Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
              billing.record(Activity.create("evt-1", tenant, "relay-1", "basic", now));
              billing.generateInvoice(tenant); // empty if the running poll invoiced it first
              Invoice invoice = billing.invoices(tenant).get(0); // 500: a period
              // --- README code ---
              assertThat(invoice.total()).isEqualTo(500);
              assertThat(billing.invoices(tenant))
                  .as("one invoice, by the poll or by hand")
                  .hasSize(1);
              assertThat(context.getBean(BillingSchema.class).migratedBy())
                  .isEqualTo(BillingSchema.FLYWAY);
              assertThat(context.getBean(BillingPoll.class).isRunning()).isTrue();
            });
  }
}
