package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.UpgradeRun.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.PlanCatalogue.Coupon;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * V17 (S21, issue 23) upgrades a database of the schema before it, holding a ledger, in place: the
 * invoices read as before, coupons are defined and redeemed, and an invoice a discount leaves at 0
 * (which V1's check refused) is stored, paid; the new checks refuse a negative total and a coupon
 * with both kinds of discount.
 */
class CouponsUpgradeTest {
  private static final String ALICE = Fixture.pubkey(0xa11ce);

  @Test
  @Timeout(120)
  void aLedgerUpgradesToCouponsInPlaceOnPostgres() throws Exception {
    UpgradeRun.onPostgres(CouponsUpgradeTest::upgradesInPlace);
  }

  @Test
  void aLedgerUpgradesToCouponsInPlaceOnH2() throws Exception {
    UpgradeRun.onH2(CouponsUpgradeTest::upgradesInPlace);
  }

  private static void upgradesInPlace(DataSource db) throws SQLException {
    // The schema before V17 (V16 where it exists), with a ledger written by today's code.
    UpgradeRun.startAt(db, 16);
    JdbcRepository repo = new JdbcRepository(db);
    MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
    Billing billing =
        UpgradeRun.engine(repo, PlanCatalogue.of(new Plan("basic", "Basic", 500)), clock).build();
    billing.record(Activity.create("a-1", ALICE, "r1", "basic", clock.instant()));
    Invoice first = billing.generateInvoice(ALICE).orElseThrow();
    UpgradeRun.upgradeFrom(db, 16);

    assertThat(repo.findInvoice(first.id())).contains(first);
    assertThat(repo.invoices(ALICE)).containsExactly(first);
    Coupon free = Coupon.percentOff("FREE", 100, Coupon.Duration.ONCE, 0, Set.of("basic"));
    assertThat(billing.defineCoupon(free)).isTrue();
    assertThat(repo.findCoupon("FREE")).contains(free);
    assertThat(billing.redeemCoupon(ALICE, "FREE", "k1")).isTrue();
    clock.set(Instant.parse("2026-02-28T10:00:00Z"));
    Invoice nothingToPay = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(nothingToPay.total()).isZero();
    assertThat(nothingToPay.isPaid()).isTrue();
    assertThat(repo.findInvoice(nothingToPay.id())).contains(nothingToPay);
    assertThat(repo.invoiceItems(nothingToPay.id()))
        .extracting(InvoiceItem::amount)
        .containsExactly(500L, -500L);

    assertThatThrownBy(() -> execute(db, "UPDATE billing_invoice SET total = -1"))
        .isInstanceOf(SQLException.class);
    assertThatThrownBy(
            () ->
                execute(
                    db,
                    "INSERT INTO billing_coupon (code, percent_off, amount_off, duration, periods) "
                        + "VALUES ('BOTH', 10, 500, 'ONCE', 0)"))
        .isInstanceOf(SQLException.class);
  }
}
