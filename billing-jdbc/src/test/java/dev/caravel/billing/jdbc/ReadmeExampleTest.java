package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

// spotless:off: the README shows this code as it is written here
/** The README's snippet, line for line. If this fails, the README is wrong. */
class ReadmeExampleTest {
  @Test
  void quickStart() {
    JdbcDataSource dataSource = new JdbcDataSource(); // any DataSource: HikariCP, PGSimpleDataSource, ...
    dataSource.setURL("jdbc:h2:mem:billing;DB_CLOSE_DELAY=-1");
    JdbcRepository.migrate(dataSource); // or Flyway, from classpath:db/caravel-billing/h2

    Billing billing = Billing.builder()
        .repository(new JdbcRepository(dataSource))
        .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
        .appUrl("https://relays.example")
        .build();

    String tenant = "a".repeat(64); // the tenant's Nostr pubkey, hex
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    billing.record(Activity.create("evt-1", tenant, "relay-1", "basic", now));
    Invoice invoice = billing.generateInvoice(tenant).orElseThrow();

    assertThat(invoice.total()).isEqualTo(500); // a whole period: the relay was created at its start
    assertThat(billing.invoiceItems(invoice.id())).hasSize(1);
    Databases.shutdownH2(dataSource);
  }
}
// spotless:on
