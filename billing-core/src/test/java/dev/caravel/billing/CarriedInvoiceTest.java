package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * S25 through the engine: an invoice below the card minimum of a tenant that can pay only by card
 * is closed as carried when it is claimed, and its net is billed exactly once, on the next invoice.
 */
class CarriedInvoiceTest {
  private static final Plan TINY = new Plan("tiny", "Tiny", 30);
  private static final Plan BASIC = new Plan("basic", "Basic", 500);
  private static final Instant JAN = Instant.parse("2025-01-01T00:00:00Z");
  private static final Instant FEB = Instant.parse("2025-02-01T00:00:00Z");

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.ServiceWallet wallet = new FakeRails.ServiceWallet(clock);
  private final FakeRails.Connector connector = new FakeRails.Connector(wallet);
  private final FakeRails.Gateway gateway = new FakeRails.Gateway();
  private final List<String> heard = new ArrayList<>();

  private Billing engine(BillingBuilder builder) {
    return builder
        .catalogue(PlanCatalogue.of(TINY, BASIC))
        .serviceWallet(wallet)
        .walletConnector(connector)
        .exchangeRates(FakeRails.RATES)
        .cipher(SecretCipher.aesGcm(new byte[32]))
        .paymentGateway(gateway)
        .listener(
            new BillingListener() {
              @Override
              public void invoiceCreated(Invoice invoice) {
                heard.add("created " + invoice.id());
              }

              @Override
              public void invoiceCarried(Invoice invoice, InvoiceItem carried) {
                heard.add("carried " + invoice.id() + " " + carried.amount());
              }
            })
        .build();
  }

  private final Billing billing = engine(Fixtures.engine(repository, clock).cardMinimum("usd", 50));

  private void cardOnly(Billing engine) {
    engine.saveTenant(ALICE, null, "cus_alice");
    gateway.savedMethods.put("cus_alice", "pm_alice");
  }

  @Test
  void aCardOnlyInvoiceBelowTheMinimumIsCarriedAndBilledOnceOnTheNext() {
    cardOnly(billing);
    billing.record(Activity.create("a1", ALICE, "r1", "tiny", JAN));
    Invoice carried = billing.generateInvoice(ALICE).orElseThrow();

    assertThat(carried.status()).isEqualTo(Invoice.Status.CARRIED);
    assertThat(carried.total()).isEqualTo(30);
    assertThat(billing.unbilledBalance(ALICE))
        .as("its net waits for the next invoice")
        .isEqualTo(30);
    assertThat(repository.unclaimedItems(ALICE))
        .singleElement()
        .satisfies(
            item -> {
              assertThat(item.description()).isEqualTo("Carried from " + carried.id());
              assertThat(item.relay()).isEqualTo("carried");
              assertThat(item.amount()).isEqualTo(30);
            });
    assertThat(billing.collect(carried.id())).isNotInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests).as("a carried invoice is never charged").isEmpty();
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.GOOD);
    assertThat(billing.events(0, 100))
        .extracting(BillingEvent::type)
        .containsExactly(BillingEvent.Type.INVOICE_CARRIED);
    assertThat(heard).containsExactly("carried " + carried.id() + " 30");

    clock.set(FEB);
    Invoice next = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(next.status()).isEqualTo(Invoice.Status.OPEN);
    assertThat(next.total()).as("the renewal and the carried 30, once").isEqualTo(60);
    assertThat(billing.invoiceItems(next.id()))
        .extracting(InvoiceItem::description)
        .containsExactly("Carried from " + carried.id(), "Subscription renewal");
    assertThat(billing.unbilledBalance(ALICE)).isZero();
  }

  @Test
  void aCarriedInvoiceIsEndedNeitherVoidedNorWrittenOffNorRefunded() {
    cardOnly(billing);
    billing.record(Activity.create("a1", ALICE, "r1", "tiny", JAN));
    Invoice carried = billing.generateInvoice(ALICE).orElseThrow();

    assertThat(billing.voidInvoice(carried.id(), "no"))
        .isEqualTo(new CloseResult.Refused(carried.id(), CloseResult.Reason.CLOSED_OTHERWISE));
    assertThat(billing.writeOff(carried.id(), "no"))
        .isEqualTo(new CloseResult.Refused(carried.id(), CloseResult.Reason.CLOSED_OTHERWISE));
    assertThat(billing.invoice(carried.id())).contains(carried);
    assertThat(billing.balance(carried.id()).paid()).isZero();
  }

  @Test
  void itemsThatAreAllCarriedAndStillBelowTheMinimumWaitRatherThanBeCarriedAgain() {
    cardOnly(billing);
    billing.record(Activity.create("a1", ALICE, "r1", "tiny", JAN));
    billing.generateInvoice(ALICE).orElseThrow();

    assertThat(billing.preview(ALICE)).isEmpty();
    assertThat(billing.generateInvoice(ALICE)).isEmpty();
    assertThat(billing.invoices(ALICE)).hasSize(1);
    assertThat(billing.unbilledBalance(ALICE)).isEqualTo(30);
  }

  @Test
  void aTenantWithAWalletOrNoCardIsNeverCarried() {
    billing.record(Activity.create("a1", ALICE, "r1", "tiny", JAN));
    assertThat(billing.generateInvoice(ALICE).orElseThrow().status())
        .as("no card on file: paid by hand, no minimum")
        .isEqualTo(Invoice.Status.OPEN);

    String bob = Fixtures.BOB;
    billing.saveTenant(bob, connector.uri("bob", FakeRails.TenantWalletBehaviour.PAYS), "cus_bob");
    billing.record(Activity.create("b1", bob, "r1", "tiny", JAN));
    assertThat(billing.generateInvoice(bob).orElseThrow().status())
        .as("a wallet: Lightning has no minimum")
        .isEqualTo(Invoice.Status.OPEN);
  }

  @Test
  void theMinimumComesFromTheGatewayUnlessTheBuilderSetsOne() {
    gateway.minimum = OptionalLong.of(20);
    Billing byGateway = engine(Fixtures.engine(new InMemoryRepository(), clock));
    cardOnly(byGateway);
    byGateway.record(Activity.create("a1", ALICE, "r1", "tiny", JAN));
    assertThat(byGateway.generateInvoice(ALICE).orElseThrow().status())
        .as("30 is above the gateway's 20")
        .isEqualTo(Invoice.Status.OPEN);

    gateway.minimum = OptionalLong.of(50);
    Billing carrying = engine(Fixtures.engine(new InMemoryRepository(), clock));
    cardOnly(carrying);
    carrying.record(Activity.create("a1", ALICE, "r1", "tiny", JAN));
    assertThat(carrying.generateInvoice(ALICE).orElseThrow().status())
        .isEqualTo(Invoice.Status.CARRIED);

    Billing overridden =
        engine(Fixtures.engine(new InMemoryRepository(), clock).cardMinimum("USD", 25));
    cardOnly(overridden);
    overridden.record(Activity.create("a1", ALICE, "r1", "tiny", JAN));
    assertThat(overridden.generateInvoice(ALICE).orElseThrow().status())
        .as("the builder's 25 wins over the gateway's 50")
        .isEqualTo(Invoice.Status.OPEN);
  }

  @Test
  void theTotalWithTaxIsComparedAndTheNetBeforeTaxIsCarriedThenTaxedOnce() {
    cardOnly(billing);
    billing.setTax(ALICE, new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE));
    billing.record(Activity.create("a1", ALICE, "r1", "tiny", JAN));
    Invoice carried = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(carried.total()).as("30 + 6 tax, below 50").isEqualTo(36);
    assertThat(carried.isCarried()).isTrue();
    assertThat(billing.unbilledBalance(ALICE)).as("the net, before tax").isEqualTo(30);

    clock.set(FEB);
    Invoice next = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(next.net()).isEqualTo(60);
    assertThat(next.tax().orElseThrow().amount()).as("20% of 60, once").isEqualTo(12);
    assertThat(next.total()).isEqualTo(72);
  }

  @Test
  void aPreviewOfAnInvoiceThatWouldBeCarriedSaysSoAndMatchesGenerate() {
    cardOnly(billing);
    billing.record(Activity.create("a1", ALICE, "r1", "tiny", JAN));
    Invoice.Preview preview = billing.preview(ALICE).orElseThrow();
    assertThat(preview.carried()).isTrue();
    assertThat(preview.carriedBelow()).hasValue(50);
    assertThat(preview.total()).isEqualTo(30);
    Invoice made = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(made.isCarried()).isTrue();
    assertThat(made.total()).isEqualTo(preview.total());

    Invoice.Preview upcoming = billing.upcoming(ALICE).orElseThrow();
    assertThat(upcoming.carried()).as("30 carried + 30 renewal reach the minimum").isFalse();
    assertThat(upcoming.total()).isEqualTo(60);
  }

  @Test
  void aPlanAboveTheMinimumIsNeverCarried() {
    cardOnly(billing);
    billing.record(Activity.create("a1", ALICE, "r1", "basic", JAN));
    assertThat(billing.generateInvoice(ALICE).orElseThrow().status())
        .isEqualTo(Invoice.Status.OPEN);
  }
}
