package dev.caravel.billing;

import dev.caravel.billing.InvoiceStates.Found;
import dev.caravel.billing.LifecycleEffect.CancelOpenCharges;
import dev.caravel.billing.LifecycleEffect.RecordPayment;
import dev.caravel.billing.LifecycleEffect.ReportRefundNeeded;
import dev.caravel.billing.LifecycleEvent.PaymentArrived;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Repository;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * Money reaching an invoice from any rail, at any time (S9, S14, S18), as {@link InvoiceLifecycle}
 * decides: on an unpaid invoice it is the one payment, and the card charges still waiting for the
 * customer are canceled; on an invoice paid with another reference, voided or written off, it is
 * recorded as a second payment and reported once as needing a refund. The listener hears what the
 * storage says this call recorded ({@link PaymentRecord}), so a payment delivered three times is
 * told once, as its event is written once.
 */
final class MoneyArrival {
  /** The cascade's logger: a refund needed read as the round's warning, as it always did. */
  private static final System.Logger LOG = System.getLogger(PaymentCascade.class.getName());

  private final EngineSettings settings;
  private final Repository repository;
  private final InvoiceStates states;
  private final PaymentCascade cascade;
  private final Standings standings;

  MoneyArrival(
      EngineSettings settings, InvoiceStates states, PaymentCascade cascade, Standings standings) {
    this.settings = settings;
    this.repository = settings.repository();
    this.states = states;
    this.cascade = cascade;
    this.standings = standings;
  }

  /** {@code payment} reached the invoice: what the storage recorded for it. */
  PaymentRecord arrive(String invoiceId, Payment payment) {
    Found found = states.require(invoiceId);
    return carryOut(
        found.invoice(), states.next(found.state(), new PaymentArrived(payment)).effects());
  }

  /**
   * Carries out the money effects of a transition, in order: the payment recorded (then the open
   * charges canceled), or a second payment recorded and reported. The other effects (a refusal, a
   * closure) are the caller's. Returns the storage's answer for the payment the machine had written
   * ({@code NOTHING} when it wrote none). A payment that lost a race to another (the invoice was
   * paid or closed meanwhile) is recorded by the same write as a second payment, and reported.
   */
  PaymentRecord carryOut(Invoice invoice, List<LifecycleEffect> effects) {
    PaymentRecord recorded = PaymentRecord.NOTHING;
    for (LifecycleEffect effect : effects) {
      if (effect instanceof RecordPayment record) {
        recorded = repository.markPaid(invoice.id(), record.payment());
        tell(invoice, record.payment(), recorded);
        if (recorded != PaymentRecord.PAID) {
          return recorded; // not this payment's invoice after all: nothing of its to cancel
        }
      } else if (effect instanceof CancelOpenCharges cancel) {
        // Paid: a card charge left waiting for the customer must not take the money again.
        cascade.cancelOpenCharges(invoice, cancel.keep().orElse(""), 0);
      } else if (effect instanceof ReportRefundNeeded report) {
        recorded = repository.markPaid(invoice.id(), report.late());
        tell(invoice, report.late(), recorded);
      }
    }
    return recorded;
  }

  /**
   * A round's payment was written with its lease ({@link Repository#markPaidFinishingRound}, one
   * write with the round's end, so a crash cannot lose it) and found the invoice paid or closed:
   * the machine says whether it is a second payment, and the write's answer whether this call
   * recorded it, so it is reported once.
   */
  void afterRoundPayment(String invoiceId, Payment late, PaymentRecord recorded) {
    if (recorded != PaymentRecord.SECOND_PAYMENT) {
      return; // the same charge seen again, or recorded by an earlier call: told then
    }
    Found found = states.require(invoiceId);
    boolean secondPayment =
        states.next(found.state(), new PaymentArrived(late)).effects().stream()
            .anyMatch(ReportRefundNeeded.class::isInstance);
    if (secondPayment) {
      reportRefundNeeded(found.invoice(), late);
    }
  }

  /** Tells the host what the storage recorded for {@code payment}, and only that. */
  private void tell(Invoice invoice, Payment payment, PaymentRecord recorded) {
    switch (recorded) {
      case PAID -> {
        settings.notify(l -> l.paymentSucceeded(invoice, payment));
        standings.refreshStanding(invoice.tenant());
      }
      case SECOND_PAYMENT ->
          reportRefundNeeded(repository.findInvoice(invoice.id()).orElse(invoice), payment);
      case NOTHING -> {}
    }
  }

  private void reportRefundNeeded(Invoice ended, Payment late) {
    LOG.log(
        Level.WARNING,
        "invoice {0} was already {1}; this {2} payment ({3}) needs a refund",
        ended.id(),
        ended
            .payment()
            .map(p -> "paid by " + p.method().wireName() + " (" + p.reference() + ")")
            .orElse("closed (" + ended.status() + ")"),
        late.method().wireName(),
        late.reference());
    settings.notify(l -> l.refundNeeded(ended, late));
  }
}
