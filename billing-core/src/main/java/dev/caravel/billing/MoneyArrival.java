package dev.caravel.billing;

import dev.caravel.billing.InvoiceStates.Found;
import dev.caravel.billing.LifecycleEffect.CancelOpenCharges;
import dev.caravel.billing.LifecycleEffect.RecordPayment;
import dev.caravel.billing.LifecycleEffect.ReportRefundNeeded;
import dev.caravel.billing.LifecycleEvent.PaymentArrived;
import dev.caravel.billing.spi.PaymentEvents;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Repository;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * Money reaching an invoice from any rail, at any time (S9, S14, S18), as {@link InvoiceLifecycle}
 * decides: on an unpaid invoice it is the one payment, and the card charges still waiting for the
 * customer are canceled; on an invoice paid with another reference, voided or written off, it is a
 * second payment, reported once as needing a refund; the invoice's own payment seen again is
 * nothing.
 *
 * <p>The machine decides on a read, which may be stale by the time the money is written: another
 * instance may pay or close the invoice in between. So the write ({@link Repository#markPaid}) is
 * conditional, and this class gives it both events the machine may call for; the storage sets the
 * payment only if the invoice is still open, and otherwise inserts the (invoice, reference) second
 * payment, appending the event given for the write it made. What that write means, the machine's
 * classification applied to the invoice as it was at the write, is said here ({@link #heard}): a
 * payment decided on a stale read is never recorded as the payment. The listener hears only what
 * was written, so a payment delivered three times is told once, as its event is written once.
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

  /**
   * The events of money reaching {@code invoice}, one for each write {@link Repository#markPaid}
   * may make: {@code PAYMENT_SUCCEEDED} if it becomes the invoice's payment, {@code REFUND_NEEDED}
   * if it is a second payment. Only the invoice's id, tenant and total go into them, which never
   * change, so an earlier read builds the same events as one at the write.
   */
  static PaymentEvents eventsFor(Invoice invoice, Payment payment) {
    return new PaymentEvents(
        BillingEvent.paid(invoice, payment), BillingEvent.refundNeeded(invoice, payment));
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
   * closure) are the caller's. Returns which write the storage made for the payment the machine had
   * written ({@code NOTHING} when it wrote none). A payment the machine decided on an open invoice
   * that was paid or closed before the write is written as a second payment, and reported as one.
   */
  PaymentRecord carryOut(Invoice invoice, List<LifecycleEffect> effects) {
    PaymentRecord recorded = PaymentRecord.NOTHING;
    for (LifecycleEffect effect : effects) {
      if (effect instanceof RecordPayment record) {
        recorded = write(invoice, record.payment());
        if (recorded != PaymentRecord.PAID) {
          return recorded; // not this payment's invoice after all: nothing of its to cancel
        }
      } else if (effect instanceof CancelOpenCharges cancel) {
        // Paid: a card charge left waiting for the customer must not take the money again.
        cascade.cancelOpenCharges(invoice, cancel.keep().orElse(""), 0);
      } else if (effect instanceof ReportRefundNeeded report) {
        recorded = write(invoice, report.late());
      }
    }
    return recorded;
  }

  /** The conditional write of money reaching {@code invoice}, and what it means carried out. */
  private PaymentRecord write(Invoice invoice, Payment payment) {
    PaymentRecord written = repository.markPaid(invoice.id(), payment, eventsFor(invoice, payment));
    heard(invoice, payment, written);
    return written;
  }

  /**
   * A round's payment was written with its lease ({@link Repository#endRound} with {@link
   * dev.caravel.billing.spi.RoundEnd.Paid}, one write with the round's end, so a crash cannot lose
   * it) and did not become the payment: what the write made of it is carried out here as for any
   * other money.
   */
  void afterRoundPayment(Invoice invoice, Payment late, PaymentRecord recorded) {
    heard(invoice, late, recorded);
  }

  /**
   * What each write means (the machine's classification, {@link InvoiceLifecycle}'s {@code
   * PaymentArrived}, applied to the invoice as stored at the write): set as the payment, it is the
   * invoice's one payment, told to the host, and the tenant's standing is judged again; inserted as
   * a second payment, the invoice had ended (paid another way, voided or written off) and the money
   * needs a refund, told once; nothing written, the same money was seen before and told then.
   */
  private void heard(Invoice invoice, Payment payment, PaymentRecord written) {
    switch (written) {
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
