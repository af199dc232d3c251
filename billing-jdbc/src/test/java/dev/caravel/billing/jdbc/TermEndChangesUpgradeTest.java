package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.UpgradeRun.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.spi.RelaySnapshot;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * V18 (S22, issue 23) upgrades the schema before it, holding a ledger with a snapshot, in place:
 * every activity keeps its type, the snapshot reads with no change scheduled, a change scheduled
 * after the upgrade is kept in the next snapshot and bills at its boundary, and the checks refuse
 * an unknown activity type and half a scheduled change.
 */
class TermEndChangesUpgradeTest {
  private static final String ALICE = Fixture.pubkey(0xa11ce);

  /** The schema before V18: V16 and V17 (trials, coupons) once merged, V15 until then. */
  private static final int BEFORE = 17;

  @Test
  @Timeout(120)
  void aLedgerUpgradesToTermEndChangesInPlaceOnPostgres() throws Exception {
    UpgradeRun.onPostgres(TermEndChangesUpgradeTest::upgradesInPlace);
  }

  @Test
  void aLedgerUpgradesToTermEndChangesInPlaceOnH2() throws Exception {
    UpgradeRun.onH2(TermEndChangesUpgradeTest::upgradesInPlace);
  }

  private static void upgradesInPlace(DataSource db) throws SQLException {
    UpgradeRun.startAt(db, BEFORE);
    JdbcRepository repo = new JdbcRepository(db);
    MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
    PlanCatalogue catalogue =
        PlanCatalogue.of(new Plan("basic", "Basic", 500), new Plan("pro", "Pro", 2_000));
    Billing billing = UpgradeRun.engine(repo, catalogue, clock).build();
    billing.record(Activity.create("a-1", ALICE, "r1", "basic", clock.instant()));
    billing.record(Activity.update("a-2", ALICE, "r1", "pro", clock.instant()));
    billing.record(Activity.deactivate("a-3", ALICE, "r1", clock.instant()));
    billing.record(Activity.activate("a-4", ALICE, "r1", clock.instant()));
    Invoice first = billing.generateInvoice(ALICE).orElseThrow();
    clock.set(Instant.parse("2026-02-28T10:00:00Z"));
    billing.generateInvoice(ALICE).orElseThrow();
    UpgradeRun.upgradeFrom(db, BEFORE);

    assertThat(repo.findInvoice(first.id())).contains(first);
    assertThat(repo.findActivity("a-3").orElseThrow().type().wireName())
        .isEqualTo("deactivate_relay");
    assertThat(repo.ledgers(List.of(ALICE)).get(0).snapshot())
        .containsExactly(
            new RelaySnapshot(
                "r1",
                true,
                Optional.of("pro"),
                Optional.of(Instant.parse("2026-01-31T10:00:00Z"))));

    clock.set(Instant.parse("2026-03-10T00:00:00Z"));
    assertThat(billing.scheduleChange(ALICE, "r1", "basic"))
        .isEqualTo(Instant.parse("2026-03-31T10:00:00Z"));
    clock.set(Instant.parse("2026-03-31T10:00:00Z"));
    assertThat(billing.generateInvoice(ALICE).orElseThrow().total())
        .as("the scheduled plan renews")
        .isEqualTo(500);
    assertThat(repo.ledgers(List.of(ALICE)).get(0).snapshot())
        .singleElement()
        .satisfies(relay -> assertThat(relay.plan()).contains("basic"));

    assertThatThrownBy(() -> execute(db, "UPDATE billing_activity SET type = 'delete_relay'"))
        .isInstanceOf(SQLException.class);
    assertThatThrownBy(
            () ->
                execute(
                    db, "UPDATE billing_relay SET snap_change_plan = 'pro', snap_change_at = NULL"))
        .isInstanceOf(SQLException.class);
  }
}
