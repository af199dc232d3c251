package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.UpgradeRun.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.CloseResult;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * V19 (S25, issue 23) upgrades a V18 database holding a ledger in place: its open and voided
 * invoices read as before, a card-only tenant's invoice below the card minimum is then recorded as
 * carried with its carried item, and the status check still refuses a status no invoice has.
 */
class CarriedUpgradeTest {
  private static final String ALICE = Fixture.pubkey(0xa11ce);
  private static final String BOB = Fixture.pubkey(0xb0b);

  /** The schema before V19 on this branch (V16-V18 are other rules' migrations). */
  private static final int BEFORE = 18;

  @Test
  @Timeout(120)
  void aLedgerUpgradesToCarriedInvoicesInPlaceOnPostgres() throws Exception {
    UpgradeRun.onPostgres(CarriedUpgradeTest::upgradesInPlace);
  }

  @Test
  void aLedgerUpgradesToCarriedInvoicesInPlaceOnH2() throws Exception {
    UpgradeRun.onH2(CarriedUpgradeTest::upgradesInPlace);
  }

  private static void upgradesInPlace(DataSource db) throws SQLException {
    UpgradeRun.startAt(db, BEFORE);
    JdbcRepository repo = new JdbcRepository(db);
    MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
    PlanCatalogue catalogue =
        PlanCatalogue.of(new Plan("basic", "Basic", 500), new Plan("tiny", "Tiny", 30));
    Billing before = UpgradeRun.engine(repo, catalogue, clock).build();
    before.record(Activity.create("a-1", ALICE, "r1", "basic", clock.instant()));
    before.record(Activity.create("b-1", BOB, "r1", "basic", clock.instant()));
    Invoice open = before.generateInvoice(ALICE).orElseThrow();
    Invoice toVoid = before.generateInvoice(BOB).orElseThrow();
    assertThat(before.voidInvoice(toVoid.id(), "test")).isInstanceOf(CloseResult.Closed.class);
    Invoice voided = repo.findInvoice(toVoid.id()).orElseThrow();
    UpgradeRun.upgradeFrom(db, BEFORE);

    assertThat(repo.findInvoice(open.id())).contains(open);
    assertThat(repo.findInvoice(voided.id())).contains(voided);
    Billing after = UpgradeRun.engine(repo, catalogue, clock).cardMinimum("usd", 50).build();
    String carol = Fixture.pubkey(0xca401);
    after.saveTenant(carol, null, "cus_carol");
    after.record(Activity.create("c-1", carol, "r1", "tiny", clock.instant()));
    Invoice carried = after.generateInvoice(carol).orElseThrow();
    assertThat(carried.status()).isEqualTo(Invoice.Status.CARRIED);
    assertThat(repo.findInvoice(carried.id())).contains(carried);
    assertThat(repo.unclaimedItems(carol))
        .extracting(InvoiceItem::id, InvoiceItem::amount)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("carried:" + carried.id(), 30L));
    assertThat(after.events(0, 100))
        .extracting(BillingEvent::type)
        .endsWith(BillingEvent.Type.INVOICE_CARRIED);
    assertThatThrownBy(
            () ->
                execute(
                    db,
                    "UPDATE billing_invoice SET closed_status = 'LOST' WHERE id = '"
                        + voided.id()
                        + "'"))
        .isInstanceOf(SQLException.class);
  }
}
