package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.UpgradeRun.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
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
 * V16 (S20, issue 23) upgrades a V15 database holding a ledger in place: an existing tenant is
 * billed on as before (no trial), a tenant saved before the upgrade can be given a trial whose
 * marks (-2, -1) and period-0 first-term items the relaxed checks admit, and the checks still
 * refuse a trial out of range and a mark below -2.
 */
class TrialsUpgradeTest {
  private static final String ALICE = Fixture.pubkey(0xa11ce);
  private static final String BOB = Fixture.pubkey(0xb0b);

  @Test
  @Timeout(120)
  void aLedgerUpgradesToTrialsInPlaceOnPostgres() throws Exception {
    UpgradeRun.onPostgres(TrialsUpgradeTest::upgradesInPlace);
  }

  @Test
  void aLedgerUpgradesToTrialsInPlaceOnH2() throws Exception {
    UpgradeRun.onH2(TrialsUpgradeTest::upgradesInPlace);
  }

  private static void upgradesInPlace(DataSource db) throws SQLException {
    UpgradeRun.startAt(db, 15);
    JdbcRepository repo = new JdbcRepository(db);
    MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
    Billing billing =
        UpgradeRun.engine(repo, PlanCatalogue.of(new Plan("basic", "Basic", 500)), clock).build();
    billing.record(Activity.create("a-1", ALICE, "r1", "basic", clock.instant()));
    Invoice first = billing.generateInvoice(ALICE).orElseThrow();
    billing.saveTenant(BOB, null, "cus_bob");
    UpgradeRun.upgradeFrom(db, 15);

    assertThat(repo.findInvoice(first.id())).contains(first);
    assertThat(repo.findTenant(ALICE).orElseThrow().trialDays()).isEmpty();
    billing.startTrial(BOB, 14);
    Instant bobFirst = Instant.parse("2026-02-01T10:00:00Z");
    clock.set(bobFirst);
    billing.record(Activity.create("b-1", BOB, "r1", "basic", bobFirst));
    assertThat(billing.generateInvoice(BOB)).isEmpty();
    clock.set(Instant.parse("2026-02-12T10:00:00Z"));
    assertThat(billing.runCycle().tenantsVisited()).as("Bob's trial ends in 3 days").isEqualTo(1);
    clock.set(Instant.parse("2026-02-15T10:00:00Z"));
    Invoice bobs = billing.generateInvoice(BOB).orElseThrow();
    assertThat(billing.invoiceItems(bobs.id()))
        .extracting(InvoiceItem::description, InvoiceItem::amount)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("First period after trial", 500L));
    assertThat(billing.events(0, 100))
        .extracting(BillingEvent::type)
        .contains(BillingEvent.Type.TRIAL_ENDING, BillingEvent.Type.TRIAL_ENDED);
    clock.set(Instant.parse("2026-02-28T10:00:00Z"));
    assertThat(billing.generateInvoice(ALICE).orElseThrow().total())
        .as("Alice renewed as before")
        .isEqualTo(500);

    assertThatThrownBy(() -> execute(db, "UPDATE billing_tenant SET trial_days = 366"))
        .isInstanceOf(SQLException.class);
    assertThatThrownBy(() -> execute(db, "UPDATE billing_tenant SET renewed_through = -3"))
        .isInstanceOf(SQLException.class);
    assertThatThrownBy(
            () ->
                execute(
                    db,
                    "UPDATE billing_tenant SET renewed_through = -1, trial_days = NULL "
                        + "WHERE renewed_through = 0"))
        .as("a trial's mark needs a trial")
        .isInstanceOf(SQLException.class);
  }
}
