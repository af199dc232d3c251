package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.UpgradeRun.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.sql.SQLException;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * V15 (S19, issue 23) upgrades a V14 database holding a ledger in place: every stored plan version
 * reads as monthly, billing goes on as before, and the column refuses an interval no plan has.
 */
class PlanIntervalsUpgradeTest {
  private static final String ALICE = Fixture.pubkey(0xa11ce);

  @Test
  @Timeout(120)
  void aLedgerUpgradesToPlanIntervalsInPlaceOnPostgres() throws Exception {
    UpgradeRun.onPostgres(PlanIntervalsUpgradeTest::upgradesInPlace);
  }

  @Test
  void aLedgerUpgradesToPlanIntervalsInPlaceOnH2() throws Exception {
    UpgradeRun.onH2(PlanIntervalsUpgradeTest::upgradesInPlace);
  }

  private static void upgradesInPlace(DataSource db) throws SQLException {
    UpgradeRun.startAt(db, 14);
    JdbcRepository repo = new JdbcRepository(db);
    MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
    PlanCatalogue catalogue = PlanCatalogue.of(new Plan("basic", "Basic", 500));
    Billing billing = UpgradeRun.engine(repo, catalogue, clock).build();
    billing.record(Activity.create("a-1", ALICE, "r1", "basic", clock.instant()));
    Invoice first = billing.generateInvoice(ALICE).orElseThrow();
    UpgradeRun.upgradeFrom(db, 14);

    assertThat(repo.catalogue()).contains(catalogue);
    assertThat(repo.catalogue().orElseThrow().find("basic").orElseThrow().intervalMonths())
        .isEqualTo(1);
    assertThat(repo.findInvoice(first.id())).contains(first);
    clock.set(Instant.parse("2026-02-28T10:00:00Z"));
    assertThat(billing.generateInvoice(ALICE).orElseThrow().total())
        .as("still renewed monthly")
        .isEqualTo(500);
    assertThatThrownBy(() -> execute(db, "UPDATE billing_plan_version SET interval_months = 2"))
        .isInstanceOf(SQLException.class);
  }
}
