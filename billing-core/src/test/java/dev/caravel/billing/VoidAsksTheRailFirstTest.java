package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, defect 9 (S18): the rail is asked before a void or a write-off, never after. A card
 * charge that succeeded is the invoice's payment and the close is refused as paid; a charge that
 * may still move refuses it; a charge waiting for the customer is canceled first. The same look
 * comes before a {@code reopen}.
 */
class VoidAsksTheRailFirstTest {
  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.ServiceWallet serviceWallet = new FakeRails.ServiceWallet(clock);
  private final FakeRails.Gateway gateway = new FakeRails.Gateway();
  private final List<String> heard = Collections.synchronizedList(new ArrayList<>());
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
                public void paymentSucceeded(Invoice invoice, Payment payment) {
                  heard.add("paid " + payment.method() + " " + payment.reference());
                }

                @Override
                public void invoiceClosed(Invoice invoice) {
                  heard.add("closed " + invoice.status() + " after cancels " + gateway.cancels);
                }
              })
          .build();

  VoidAsksTheRailFirstTest() {
    gateway.canLook = true;
    gateway.savedMethods.put("cus_1", "pm_1");
  }

  /** An invoice whose first round's card charge waits for the customer to authenticate it. */
  private String invoiceWaitingForTheCustomer() {
    billing.saveTenant(ALICE, null, "cus_1");
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    String id = billing.generateInvoice(ALICE).orElseThrow().id();
    gateway.script.add(new ChargeOutcome.NeedsCustomer("pi_auth", "Authentication required."));
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.NotPaid.class);
    clock.advance(Duration.ofHours(2));
    return id;
  }

  private String roundOneKey(String id) {
    return CardRail.idempotencyKey(id, 1);
  }

  private List<BillingEvent.Type> feed() {
    return billing.events(0, 1000).stream().map(BillingEvent::type).toList();
  }

  @Test
  void aVoidWhoseLookUpShowsTheCardChargeSucceededEndsWithTheInvoicePaidAndTheCloseRefused() {
    String id = invoiceWaitingForTheCustomer();
    // The customer authenticated later; the webhook that would have said so never came.
    gateway.becomes(roundOneKey(id), new ChargeOutcome.Paid("pi_auth"));

    assertThat(billing.voidInvoice(id, "issued by mistake"))
        .isEqualTo(new CloseResult.Refused(id, CloseResult.Reason.PAID));

    Invoice after = billing.invoice(id).orElseThrow();
    assertThat(after.status()).isEqualTo(Invoice.Status.PAID);
    assertThat(after.payment()).map(Payment::reference).contains("pi_auth");
    assertThat(after.payment()).map(Payment::method).contains(PaymentMethod.STRIPE);
    assertThat(heard).containsExactly("paid STRIPE pi_auth");
    assertThat(feed())
        .contains(BillingEvent.Type.PAYMENT_SUCCEEDED)
        .doesNotContain(BillingEvent.Type.INVOICE_VOIDED, BillingEvent.Type.REFUND_NEEDED);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .as("looked up, never charged again")
        .containsExactly(roundOneKey(id));
  }

  @Test
  void aWriteOffWhoseLookUpShowsTheCardChargeSucceededEndsWithTheInvoicePaid() {
    String id = invoiceWaitingForTheCustomer();
    gateway.becomes(roundOneKey(id), new ChargeOutcome.Paid("pi_auth"));

    assertThat(billing.writeOff(id, "gone"))
        .isEqualTo(new CloseResult.Refused(id, CloseResult.Reason.PAID));
    assertThat(billing.invoice(id).orElseThrow().isPaid()).isTrue();
  }

  @Test
  void aChargeWaitingForTheCustomerIsCanceledBeforeTheVoidNotAfter() {
    String id = invoiceWaitingForTheCustomer();

    assertThat(billing.voidInvoice(id, "issued by mistake")).isInstanceOf(CloseResult.Closed.class);

    assertThat(gateway.cancels).containsExactly("pi_auth");
    assertThat(heard).containsExactly("closed VOID after cancels [pi_auth]");
  }

  @Test
  void aVoidIsRefusedWhileTheCardChargeIsProcessingAndGoesAheadOnceItFailed() {
    String id = invoiceWaitingForTheCustomer();
    gateway.becomes(roundOneKey(id), new ChargeOutcome.Pending("pi_auth"));

    assertThat(billing.voidInvoice(id, "issued by mistake"))
        .isEqualTo(new CloseResult.Refused(id, CloseResult.Reason.MONEY_MAY_BE_MOVING));
    assertThat(billing.invoice(id).orElseThrow().isOpen()).isTrue();

    gateway.becomes(
        roundOneKey(id), new ChargeOutcome.Declined("card_declined", "Your card was declined."));
    assertThat(billing.voidInvoice(id, "issued by mistake")).isInstanceOf(CloseResult.Closed.class);
  }

  @Test
  void aVoidWhoseBolt11SettledEndsWithTheInvoicePaidOutOfBand() {
    billing.saveTenant(ALICE, null, null);
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    String id = billing.generateInvoice(ALICE).orElseThrow().id();
    Bolt11Request shown = billing.bolt11(id);
    serviceWallet.settled.add(shown.bolt11());

    assertThat(billing.voidInvoice(id, "issued by mistake"))
        .isEqualTo(new CloseResult.Refused(id, CloseResult.Reason.PAID));
    assertThat(billing.invoice(id).orElseThrow().payment())
        .map(Payment::method)
        .contains(PaymentMethod.OOB);
  }

  @Test
  void reopenEndsAPendingHoldOnlyOnceTheGatewaySaysTheChargeFailed() {
    billing.saveTenant(ALICE, null, "cus_1");
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    String id = billing.generateInvoice(ALICE).orElseThrow().id();
    gateway.script.add(new ChargeOutcome.Pending("pi_slow"));
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Pending.class);

    assertThat(billing.reopen(id)).as("still processing").isFalse();
    // The charge failed on the rail and its webhook was lost: a person reopens after checking.
    gateway.becomes(
        roundOneKey(id), new ChargeOutcome.Declined("card_declined", "Your card was declined."));
    assertThat(billing.reopen(id)).isTrue();
    assertThat(billing.reopen(id)).as("once").isFalse();
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(gateway.requests)
        .extracting(ChargeRequest::idempotencyKey)
        .containsExactly(roundOneKey(id), CardRail.idempotencyKey(id, 2));
  }
}
