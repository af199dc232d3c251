package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, defect 1 (S18): a BOLT11 is made only for an open invoice, and one made before its
 * invoice ended is watched until it expires, so that paying it late is reported once as needing a
 * refund (a {@code REFUND_NEEDED} event, one {@code refundNeeded}), never lost.
 */
class LateBolt11Test {
  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.ServiceWallet serviceWallet = new FakeRails.ServiceWallet(clock);
  private final FakeRails.Gateway gateway = new FakeRails.Gateway();
  private final List<String> refundsNeeded = Collections.synchronizedList(new ArrayList<>());
  private final Billing billing =
      Fixtures.engine(repository, clock)
          .serviceWallet(serviceWallet)
          .walletConnector(new FakeRails.Connector(serviceWallet))
          .cipher(SecretCipher.aesGcm(new byte[32]))
          .exchangeRates(FakeRails.RATES)
          .paymentGateway(gateway)
          .messenger(new FakeRails.Messages())
          .listener(
              new BillingListener() {
                @Override
                public void refundNeeded(Invoice invoice, Payment late) {
                  refundsNeeded.add(invoice.id() + ":" + late.method() + ":" + late.reference());
                }
              })
          .build();

  LateBolt11Test() {
    gateway.canLook = true;
    gateway.savedMethods.put("cus_1", "pm_1");
  }

  private String invoice(String stripeCustomer) {
    billing.saveTenant(ALICE, null, stripeCustomer);
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    return billing.generateInvoice(ALICE).orElseThrow().id();
  }

  private List<BillingEvent> refundNeededEvents() {
    return billing.events(0, 1000).stream()
        .filter(e -> e.type() == BillingEvent.Type.REFUND_NEEDED)
        .toList();
  }

  @Test
  void aBolt11PaidAfterItsInvoiceWasVoidedIsReportedOnceAsNeedingARefund() {
    String id = invoice(null);
    Bolt11Request shown = billing.bolt11(id);
    assertThat(billing.voidInvoice(id, "issued by mistake")).isInstanceOf(CloseResult.Closed.class);

    serviceWallet.settled.add(shown.bolt11()); // the tenant pays the QR code still on their screen
    clock.advance(Duration.ofMinutes(10));
    billing.runCycle();
    billing.runCycle();

    assertThat(refundsNeeded).containsExactly(id + ":OOB:" + shown.bolt11());
    assertThat(refundNeededEvents())
        .singleElement()
        .satisfies(e -> assertThat(e.reference()).contains(shown.bolt11()));
    Invoice after = billing.invoice(id).orElseThrow();
    assertThat(after.status()).isEqualTo(Invoice.Status.VOID);
    assertThat(after.payment()).isEmpty();
    assertThat(repository.findBolt11(id).orElseThrow().isSettled()).isTrue();
  }

  @Test
  void aBolt11PaidAfterACardPaidTheInvoiceIsReportedOnceAsNeedingARefund() {
    String id = invoice("cus_1");
    Bolt11Request shown = billing.bolt11(id);
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);

    serviceWallet.settled.add(shown.bolt11());
    clock.advance(Duration.ofMinutes(10));
    billing.runCycle();
    billing.runCycle();

    assertThat(refundsNeeded).containsExactly(id + ":OOB:" + shown.bolt11());
    assertThat(refundNeededEvents()).hasSize(1);
    assertThat(billing.invoice(id).orElseThrow().payment())
        .map(Payment::reference)
        .as("the card's payment stays the invoice's")
        .contains("pi_1");
  }

  @Test
  void noBolt11IsMadeForAPaidInvoice() {
    String id = invoice("cus_1");
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);

    assertThatThrownBy(() -> billing.bolt11(id))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("PAID")
        .hasMessageContaining("only for an open invoice");
    assertThat(serviceWallet.made).as("no payable request for a paid invoice").isEmpty();
  }

  @Test
  void aBolt11PaidJustBeforeItExpiredIsFoundByTheNextCycle() {
    String id = invoice(null);
    Bolt11Request shown = billing.bolt11(id);
    billing.writeOff(id, "gone");
    clock.advance(Duration.ofMinutes(30));
    billing.runCycle();
    assertThat(refundsNeeded).isEmpty();

    serviceWallet.settled.add(shown.bolt11()); // paid at minute 59, the request dies at 60
    clock.advance(Duration.ofMinutes(60)); // the next cycle runs after it expired
    billing.runCycle();

    assertThat(refundsNeeded).containsExactly(id + ":OOB:" + shown.bolt11());
  }

  @Test
  void theSweepAsksAboutALateBolt11UntilItExpiredAndNoLonger() {
    String id = invoice(null);
    billing.bolt11(id);
    billing.voidInvoice(id, "issued by mistake");

    clock.advance(Duration.ofMinutes(30));
    int before = serviceWallet.lookups.get();
    billing.runCycle();
    assertThat(serviceWallet.lookups.get() - before).as("unexpired: asked").isEqualTo(1);

    clock.advance(Duration.ofMinutes(91)); // expired more than a poll interval ago
    before = serviceWallet.lookups.get();
    billing.runCycle();
    assertThat(serviceWallet.lookups.get() - before).as("long expired: never asked again").isZero();
    assertThat(refundsNeeded).isEmpty();
  }
}
