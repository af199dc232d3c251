package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.BillingListener;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Defect 4 of issue 21 on the JDBC storage: a tenant whose stored items sum beyond a long, beside
 * healthy tenants on one poll page. The databases sum in NUMERIC, so the overflow surfaces as the
 * claim's InvalidInputException naming the tenant (never as a storage failure, which would leave
 * the tenant's page to the next cycle forever): the healthy tenants are invoiced, the bad one is
 * reported and deferred.
 */
class TenantBillingFailureJdbcTest {
  private static final Instant T0 = Fixture.T0;
  private static final String OVERFLOWING = Fixture.pubkey(0xbad);

  @Test
  @Timeout(120)
  void anOverflowingTenantIsReportedAndSkippedAndItsPageInvoicedOnPostgres() {
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 4)) {
      isolatesTheOverflowingTenant(pool);
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  @Test
  void anOverflowingTenantIsReportedAndSkippedAndItsPageInvoicedOnH2() {
    DataSource h2 = Databases.newH2();
    isolatesTheOverflowingTenant(h2);
    Databases.shutdownH2(h2);
  }

  private static void isolatesTheOverflowingTenant(DataSource db) {
    JdbcRepository.migrate(db);
    JdbcRepository repository = new JdbcRepository(db);
    MutableClock clock = new MutableClock(T0);
    List<String> reported = Collections.synchronizedList(new ArrayList<>());
    Billing billing =
        Billing.builder()
            .repository(repository)
            .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
            .clock(clock)
            .appUrl("https://relays.example")
            .listener(
                new BillingListener() {
                  @Override
                  public void billingFailed(String tenant, String reason) {
                    reported.add(tenant + " " + reason);
                  }
                })
            .build();
    List<String> healthy = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      healthy.add(Fixture.pubkey(i));
      billing.record(Activity.create("c" + i, Fixture.pubkey(i), "r1", "basic", T0));
    }
    billing.record(Activity.create("o1", OVERFLOWING, "r1", "basic", T0));
    // Written straight through the repository, as an older version could have: it records what it
    // is given, and only the engine's entry checks bound amounts.
    InvoiceItem huge =
        new InvoiceItem(
            "adj:huge",
            OVERFLOWING,
            InvoiceItem.ADJUSTMENT,
            InvoiceItem.ADJUSTMENT,
            Long.MAX_VALUE,
            "written by an older version",
            T0,
            Optional.empty(),
            OptionalInt.empty(),
            Optional.empty(),
            Optional.of("huge"));
    repository.recordAdjustment(huge, BillingEvent.adjusted(huge), false);

    Logger engineLog = Logger.getLogger(Billing.class.getName());
    boolean console = engineLog.getUseParentHandlers();
    engineLog.setUseParentHandlers(false); // the failure is expected
    CycleReport cycle;
    try {
      cycle = billing.runCycle();
    } finally {
      engineLog.setUseParentHandlers(console);
    }

    assertThat(cycle.tenantsVisited()).isEqualTo(9);
    assertThat(cycle.invoicesCreated())
        .extracting(Invoice::tenant)
        .containsExactlyInAnyOrderElementsOf(healthy);
    assertThat(cycle.failures()).isZero();
    assertThat(repository.invoices(OVERFLOWING)).isEmpty();
    assertThat(reported)
        .singleElement()
        .asString()
        .startsWith(OVERFLOWING)
        .contains("owes more than a long holds");
    assertThat(billing.events(0, 100))
        .filteredOn(e -> e.type() == BillingEvent.Type.TENANT_BILLING_FAILED)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.tenant()).isEqualTo(OVERFLOWING);
              assertThat(e.detail()).contains("owes more than a long holds");
            });
    // Deferred: the next cycles within the hour leave it alone; an hour on, it is tried again.
    clock.set(T0.plus(Duration.ofMinutes(30)));
    assertThat(billing.runCycle().tenantsVisited()).isZero();
    clock.set(T0.plus(Duration.ofHours(1)));
    engineLog.setUseParentHandlers(false);
    try {
      assertThat(billing.runCycle().tenantsVisited()).isEqualTo(1);
    } finally {
      engineLog.setUseParentHandlers(console);
    }
    assertThat(reported).hasSize(2);
  }
}
