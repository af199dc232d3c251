package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * V10 (issue 21, defect 6) upgrades a V9 database in place: hand charges an older version stored on
 * tenants without activity, never invoiced, get the anchor today's engine would have given them
 * (the first charge's instant) and are invoiced by the next poll; a tenant with only a credit stays
 * without anchor and is no longer visited by every poll; a tenant with activity is untouched.
 */
class ChargesAnchorUpgradeTest {
  private static final String CHARGED = Fixture.pubkey(0xc1);
  private static final String CREDITED = Fixture.pubkey(0xc2);
  private static final String BOTH = Fixture.pubkey(0xc3);
  private static final String ACTIVE = Fixture.pubkey(0xc4);
  private static final Instant T0 = Fixture.T0;

  @Test
  @Timeout(120)
  void chargesStoredOnTenantsWithoutActivityAreAnchoredAndInvoicedOnPostgres() throws Exception {
    UpgradeRun.onPostgres(ChargesAnchorUpgradeTest::upgradesInPlace);
  }

  @Test
  void chargesStoredOnTenantsWithoutActivityAreAnchoredAndInvoicedOnH2() throws Exception {
    UpgradeRun.onH2(ChargesAnchorUpgradeTest::upgradesInPlace);
  }

  private static void upgradesInPlace(DataSource db) throws SQLException {
    // Written by today's repository, which also touches later columns (LaterColumns).
    UpgradeRun.startAt(db, 9);
    JdbcRepository repo = new JdbcRepository(db);
    MutableClock clock = new MutableClock(T0);
    Billing billing =
        UpgradeRun.engine(repo, PlanCatalogue.of(new Plan("basic", "Basic", 500)), clock).build();
    billing.record(Activity.create("a1", ACTIVE, "r1", "basic", T0));
    billing.runCycle();
    // As V9's engine stored them: adjustments that set no anchor and made the tenant due.
    storedByAnOlderVersion(db, repo, CHARGED, 700, "setup", Fixture.seconds(10));
    storedByAnOlderVersion(db, repo, CHARGED, 300, "extra", Fixture.seconds(20));
    storedByAnOlderVersion(db, repo, CREDITED, -200, "welcome", Fixture.seconds(10));
    storedByAnOlderVersion(db, repo, BOTH, -200, "welcome-2", Fixture.seconds(5));
    storedByAnOlderVersion(db, repo, BOTH, 900, "setup-2", Fixture.seconds(30));
    Instant activeDue = dueAt(db, ACTIVE);

    UpgradeRun.upgradeFrom(db, 9);

    assertThat(anchorOf(repo, CHARGED)).contains(Fixture.seconds(10));
    assertThat(anchorOf(repo, BOTH))
        .as("the first charge, not the credit")
        .contains(Fixture.seconds(30));
    assertThat(anchorOf(repo, CREDITED)).isEmpty();
    assertThat(dueAt(db, CREDITED)).isNull();
    assertThat(anchorOf(repo, ACTIVE)).contains(T0);
    assertThat(dueAt(db, ACTIVE)).as("untouched").isEqualTo(activeDue);

    clock.set(Fixture.days(1));
    CycleReport poll = billing.runCycle();
    assertThat(poll.tenantsVisited()).isEqualTo(2);
    assertThat(poll.invoicesCreated())
        .extracting(Invoice::tenant, Invoice::total, Invoice::periodStart)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(CHARGED, 1000L, Fixture.seconds(10)),
            org.assertj.core.groups.Tuple.tuple(BOTH, 700L, Fixture.seconds(30)));
    assertThat(billing.runCycle().tenantsVisited()).as("nobody is due any more").isZero();
  }

  private static void storedByAnOlderVersion(
      DataSource db, JdbcRepository repo, String tenant, long amount, String key, Instant at)
      throws SQLException {
    repo.saveTenant(Tenant.of(tenant));
    InvoiceItem adjustment = InvoiceItem.forAdjustment(tenant, amount, key, key, at);
    repo.recordAdjustment(adjustment, BillingEvent.adjusted(adjustment), false);
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE billing_tenant SET due_at = ? WHERE pubkey = ? AND anchor IS NULL")) {
      Rows.setInstant(ps, 1, DueIndex.DUE_NOW);
      ps.setString(2, tenant);
      ps.executeUpdate();
    }
  }

  private static Optional<Instant> anchorOf(JdbcRepository repo, String tenant) {
    return repo.ledgers(List.of(tenant)).get(0).anchor();
  }

  private static Instant dueAt(DataSource db, String tenant) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT due_at FROM billing_tenant WHERE pubkey = ?")) {
      ps.setString(1, tenant);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return Rows.instant(rs, 1);
      }
    }
  }
}
