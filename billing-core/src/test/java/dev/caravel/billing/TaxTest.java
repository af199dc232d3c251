package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.UnclaimedTotal;
import dev.caravel.billing.testkit.MutableClock;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * S24 through the engine: a tenant's tax applies to the invoices claimed after it is set, one line
 * per invoice, and the rails charge the total.
 */
class TaxTest {
  private static final TaxSetting VAT_20 = new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE);
  private static final TaxSetting VAT_20_INCLUDED =
      new TaxSetting(2_000, "VAT", TaxSetting.Mode.INCLUSIVE);

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.ServiceWallet wallet = new FakeRails.ServiceWallet(clock);
  private final FakeRails.Gateway gateway = new FakeRails.Gateway();
  private final Billing billing =
      Fixtures.engine(repository, clock)
          .serviceWallet(wallet)
          .walletConnector(new FakeRails.Connector(wallet))
          .exchangeRates(FakeRails.RATES)
          .cipher(SecretCipher.aesGcm(new byte[32]))
          .paymentGateway(gateway)
          .build();

  /** Alice on the 999 plan from now; her first invoice, claimed at once. */
  private Invoice oddInvoice() {
    billing.record(Activity.create("a1", ALICE, "r1", "odd", clock.instant()));
    return billing.generateInvoice(ALICE).orElseThrow();
  }

  @Test
  void exclusiveTaxIsAddedToTheNetRoundedHalfUpOnce() {
    billing.setTax(ALICE, VAT_20);
    Invoice invoice = oddInvoice();
    assertThat(invoice.net()).isEqualTo(999);
    assertThat(invoice.tax()).contains(new Invoice.Tax(VAT_20, 200)); // 199.8
    assertThat(invoice.total()).isEqualTo(1199);
    assertThat(billing.invoiceItems(invoice.id()))
        .as("the tax is a line of the invoice, not an item: the items sum to the net")
        .extracting(InvoiceItem::amount)
        .containsExactly(999L);
    assertThat(billing.invoice(invoice.id())).contains(invoice);
  }

  @Test
  void inclusiveTaxIsStatedAndTheTotalIsTheNet() {
    billing.setTax(ALICE, VAT_20_INCLUDED);
    Invoice invoice = oddInvoice();
    assertThat(invoice.total()).isEqualTo(999);
    assertThat(invoice.net()).isEqualTo(999);
    assertThat(invoice.tax().orElseThrow().included()).as("999 / 6 = 166.5").isEqualTo(167);
    assertThat(invoice.tax().orElseThrow().added()).isZero();
  }

  @Test
  void theTaxAppliesToInvoicesClaimedAfterItIsSetAndIssuedOnesKeepTheirs() {
    Invoice before = oddInvoice();
    assertThat(before.tax()).isEmpty();
    assertThat(before.total()).isEqualTo(999);

    billing.setTax(ALICE, VAT_20);
    clock.set(Instant.parse("2025-02-01T00:00:00Z"));
    Invoice after = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(after.total()).isEqualTo(1199);

    billing.setTax(ALICE, new TaxSetting(500, "GST", TaxSetting.Mode.EXCLUSIVE));
    assertThat(billing.invoice(before.id()).orElseThrow().tax()).isEmpty();
    assertThat(billing.invoice(after.id()).orElseThrow().tax())
        .as("an issued invoice keeps the setting it was taxed with")
        .contains(new Invoice.Tax(VAT_20, 200));

    billing.clearTax(ALICE);
    clock.set(Instant.parse("2025-03-01T00:00:00Z"));
    assertThat(billing.generateInvoice(ALICE).orElseThrow().tax()).isEmpty();
  }

  @Test
  void savingHowATenantPaysKeepsItsTaxAndSettingTheTaxKeepsHowItPays() {
    billing.saveTenant(ALICE, null, "cus_1");
    billing.setTax(ALICE, VAT_20);
    assertThat(repository.findTenant(ALICE))
        .contains(new Tenant(ALICE, Optional.empty(), Optional.of("cus_1"), Optional.of(VAT_20)));
    billing.saveTenant(ALICE, null, "cus_2");
    assertThat(repository.findTenant(ALICE).orElseThrow().tax()).contains(VAT_20);
    assertThat(repository.findTenant(ALICE).orElseThrow().stripeCustomerId()).contains("cus_2");
  }

  @Test
  void aTaxForATenantNotSeenYetIsKeptForItsFirstInvoice() {
    billing.setTax(BOB, VAT_20);
    billing.record(Activity.create("b1", BOB, "r1", "basic", clock.instant()));
    assertThat(billing.generateInvoice(BOB).orElseThrow().total()).isEqualTo(600);
  }

  @Test
  void aNetCreditIsNeverTaxedAndCarriesAsANetAmount() {
    billing.setTax(ALICE, VAT_20);
    oddInvoice();
    billing.credit(ALICE, 1_000, "goodwill", "g1");
    clock.set(Instant.parse("2025-02-01T00:00:00Z"));
    assertThat(billing.generateInvoice(ALICE)).as("999 - 1000 stays a credit").isEmpty();
    assertThat(billing.unbilledBalance(ALICE)).as("untaxed").isEqualTo(-1);
    clock.set(Instant.parse("2025-03-01T00:00:00Z"));
    Invoice next = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(next.net()).as("-1 + 999").isEqualTo(998);
    assertThat(next.total()).as("998 + 199.6").isEqualTo(1198);
  }

  @Test
  void theCardIsChargedTheTotalWithTax() {
    billing.saveTenant(ALICE, null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    billing.setTax(ALICE, VAT_20);
    Invoice invoice = oddInvoice();
    assertThat(billing.collect(invoice.id())).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests).extracting(ChargeRequest::amount).containsExactly(1199L);
    assertThat(billing.balance(invoice.id()).paid()).isEqualTo(1199);
  }

  @Test
  void theLightningRequestIsForTheTotalWithTax() {
    billing.setTax(ALICE, VAT_20);
    Invoice invoice = oddInvoice();
    assertThat(billing.bolt11(invoice.id()).msats())
        .isEqualTo(FakeRails.RATES.toMsats(1199, "usd"));
  }

  @Test
  void aTotalWithTaxBeyondALongIsThatTenantsFailureNotAWrappedTotal() {
    UnclaimedTotal huge = new UnclaimedTotal(ALICE, BigInteger.valueOf(Long.MAX_VALUE), 1);
    Instant now = clock.instant();
    assertThatThrownBy(
            () ->
                new Claim(
                    ALICE,
                    now,
                    now.plus(Duration.ofDays(30)),
                    "usd",
                    now,
                    huge,
                    true,
                    Optional.of(VAT_20.on(Long.MAX_VALUE)),
                    Optional.empty(),
                    java.util.OptionalLong.empty()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("with tax");
  }
}
