package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.UpgradeRun.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * V14 (S24, issue 23) upgrades a V13 database holding a ledger in place: every tenant and invoice
 * reads as before, untaxed; a tax set afterwards taxes the next invoice claimed and no issued one;
 * the new columns refuse what no engine writes.
 */
class TaxUpgradeTest {
  private static final String ALICE = Fixture.pubkey(0xa11ce);
  private static final String BOB = Fixture.pubkey(0xb0b);
  private static final TaxSetting VAT = new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE);

  @Test
  @Timeout(120)
  void aLedgerUpgradesToTaxInPlaceOnPostgres() throws Exception {
    UpgradeRun.onPostgres(TaxUpgradeTest::upgradesInPlace);
  }

  @Test
  void aLedgerUpgradesToTaxInPlaceOnH2() throws Exception {
    UpgradeRun.onH2(TaxUpgradeTest::upgradesInPlace);
  }

  private static void upgradesInPlace(DataSource db) throws SQLException {
    // Written by today's repository, which also touches later columns (LaterColumns).
    UpgradeRun.startAt(db, 13);
    JdbcRepository repo = new JdbcRepository(db);
    MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
    Billing billing =
        UpgradeRun.engine(repo, PlanCatalogue.of(new Plan("odd", "Odd", 999)), clock).build();
    List<Invoice> before = new ArrayList<>(); // alice's first, bob's first
    // A V13 ledger: alice's invoice paid by hand, bob's open and a credit of his unclaimed.
    billing.saveTenant(ALICE, null, "cus_1");
    billing.record(Activity.create("a-1", ALICE, "r1", "odd", clock.instant()));
    billing.record(Activity.create("b-1", BOB, "r1", "odd", clock.instant()));
    before.add(billing.generateInvoice(ALICE).orElseThrow());
    before.add(billing.generateInvoice(BOB).orElseThrow());
    billing.settle(before.get(0).id(), PaymentMethod.MANUAL, "bank-1");
    billing.credit(BOB, 100, "goodwill", "g-1");

    UpgradeRun.upgradeFrom(db, 13);

    Invoice alicesFirst = repo.findInvoice(before.get(0).id()).orElseThrow();
    assertThat(alicesFirst.tax()).isEmpty();
    assertThat(alicesFirst.total()).isEqualTo(999);
    assertThat(alicesFirst.isPaid()).isTrue();
    assertThat(repo.invoices(BOB)).containsExactly(before.get(1));
    assertThat(repo.findTenant(ALICE).orElseThrow().stripeCustomerId()).contains("cus_1");
    assertThat(repo.findTenant(ALICE).orElseThrow().tax()).isEmpty();
    assertThat(billing.unbilledBalance(BOB)).isEqualTo(-100);

    billing.setTax(ALICE, VAT);
    billing.setTax(BOB, VAT);
    clock.set(Instant.parse("2026-02-28T10:00:00Z"));
    Invoice alicesNext = billing.generateInvoice(ALICE).orElseThrow();
    Invoice bobsNext = billing.generateInvoice(BOB).orElseThrow();
    assertThat(alicesNext.tax()).contains(new Invoice.Tax(VAT, 200));
    assertThat(alicesNext.total()).isEqualTo(1_199);
    assertThat(bobsNext.net()).as("999 - 100").isEqualTo(899);
    assertThat(bobsNext.total()).as("899 + 179.8").isEqualTo(1_079);
    assertThat(repo.findInvoice(alicesNext.id())).contains(alicesNext);
    assertThat(repo.findInvoice(before.get(0).id())).as("issued: untouched").contains(alicesFirst);
    assertThat(repo.findTenant(ALICE).orElseThrow().tax()).contains(VAT);

    // The last line of defence: no rate above 100%, no half-written setting, no unknown mode.
    for (String bad :
        List.of(
            "UPDATE billing_tenant SET tax_bps = 10001 WHERE pubkey = '" + ALICE + "'",
            "UPDATE billing_tenant SET tax_label = NULL WHERE pubkey = '" + ALICE + "'",
            "UPDATE billing_tenant SET tax_mode = 'sideways' WHERE pubkey = '" + ALICE + "'",
            "UPDATE billing_invoice SET tax_amount = total WHERE id = '" + alicesNext.id() + "'",
            "UPDATE billing_invoice SET tax_mode = NULL WHERE id = '" + alicesNext.id() + "'")) {
      assertThatThrownBy(() -> execute(db, bad)).as(bad).isInstanceOf(SQLException.class);
    }
    assertThat(repo.findTenant(ALICE).orElseThrow().tax()).contains(VAT);
    assertThat(repo.findInvoice(alicesNext.id()).orElseThrow().tax())
        .isEqualTo(Optional.of(new Invoice.Tax(VAT, 200)));
  }
}
