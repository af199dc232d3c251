package dev.caravel.billing;

import dev.caravel.billing.InvoiceLifecycle.Transition;
import dev.caravel.billing.InvoiceStates.Found;
import dev.caravel.billing.LifecycleEffect.AskCustomer;
import dev.caravel.billing.LifecycleEffect.CheckRailsFirst;
import dev.caravel.billing.LifecycleEffect.NoteRailFailure;
import dev.caravel.billing.LifecycleEffect.ReleaseHold;
import dev.caravel.billing.LifecycleEvent.ChargeFailed;
import dev.caravel.billing.LifecycleEvent.RailCheck;
import dev.caravel.billing.LifecycleEvent.Reopen;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.CollectionChange;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.RefundWrite;
import dev.caravel.billing.spi.Repository;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the host tells the engine a rail did outside a round (S9, S18): a payment it learned of, a
 * pending charge's late "no", a held round a person checked, a refund or dispute on the rail.
 */
final class RailCallbacks {
  /** The facade's logger: hosts configure logging by the engine's name. */
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  private final EngineSettings settings;
  private final Repository repository;
  private final PaymentCascade cascade;
  private final Standings standings;
  private final InvoiceStates states;
  private final MoneyArrival arrivals;
  private final RailCheckup checkup;

  RailCallbacks(EngineSettings settings, PaymentCascade cascade, Standings standings) {
    this.settings = settings;
    this.repository = settings.repository();
    this.cascade = cascade;
    this.standings = standings;
    this.states = new InvoiceStates(settings);
    this.arrivals = new MoneyArrival(settings, states, cascade, standings);
    this.checkup = new RailCheckup(settings, cascade);
  }

  /**
   * {@link Billing#settle}: money arrived, and the machine says whether it is the payment or a
   * second one to report ({@link MoneyArrival}). True only if this call made it the payment.
   */
  boolean settle(String invoiceId, PaymentMethod method, String reference) {
    Checks.id(invoiceId, "invoice id");
    Payment payment = new Payment(method, reference, settings.now());
    return arrivals.arrive(invoiceId, payment) == PaymentRecord.PAID;
  }

  /**
   * {@link Billing#chargeFailed}, as the machine decides: the rail's late "no" for the pending
   * charge the invoice is held for ends the hold, and the round ends as a decline would have (the
   * next round scheduled, the operator told, the tenant asked to pay). Any other charge, or an
   * invoice not held for it, changes nothing (false). True only for the call that ended the hold: a
   * webhook delivered twice, or to two instances, acts once.
   */
  boolean chargeFailed(String invoiceId, String reference, String message) {
    Checks.id(invoiceId, "invoice id");
    Instant now = settings.now();
    Found found =
        states
            .find(invoiceId, now)
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    Checks.text(reference, "reference");
    Checks.text(message, "message");
    Transition t = states.next(found.state(), new ChargeFailed(reference, message, now));
    if (t.wasRefused()) {
      return false;
    }
    for (LifecycleEffect effect : t.effects()) {
      if (effect instanceof ReleaseHold release) {
        // Only a release, a payment or a close moves a held invoice (no round starts while held),
        // so a lost write means one of them landed first: decided again, the answer is no.
        if (!states.record(found, new CollectionChange.Reschedule(release.nextRoundAt(), now))) {
          return false;
        }
      } else if (effect instanceof NoteRailFailure failed) {
        settings.notify(l -> l.paymentFailed(found.invoice(), failed.rail(), failed.detail()));
      } else if (effect instanceof AskCustomer ask) {
        cascade.askToPay(found.invoice(), ask.notice());
      } else {
        throw new IllegalStateException("a charge's failure cannot carry out " + effect);
      }
    }
    standings.refreshStanding(found.invoice().tenant());
    return true;
  }

  /**
   * {@link Billing#reopen}, as the machine decides: a hold or an attention flag ends only after the
   * rails were asked ({@link RailCheckup}). A charge that went through is settled instead (false);
   * money that may still move refuses (false); otherwise the next round is due now, under a new
   * key.
   */
  boolean reopen(String invoiceId) {
    Found found = states.require(Checks.id(invoiceId, "invoice id"));
    Instant now = settings.now();
    Transition asked = states.next(found.state(), new Reopen(now, new RailCheck.NotAsked()));
    Transition t =
        asked.effects().contains(new CheckRailsFirst())
            ? states.next(found.state(), new Reopen(now, checkup.ask(found)))
            : asked;
    arrivals.carryOut(found.invoice(), t.effects());
    Optional<ReleaseHold> release =
        t.effects().stream()
            .filter(ReleaseHold.class::isInstance)
            .map(ReleaseHold.class::cast)
            .findFirst();
    if (t.wasRefused() || release.isEmpty()) {
      return false;
    }
    // Guarded by the very state read: a webhook or another reopen that ended the hold first wins,
    // and decided again on what it left (no hold), this reopen would be refused.
    boolean reopened =
        states.record(found, new CollectionChange.Reschedule(release.get().nextRoundAt(), now));
    if (reopened) {
      standings.refreshStanding(found.invoice().tenant());
    }
    return reopened;
  }

  /** {@link Billing#chargeRefunded}. */
  void chargeRefunded(String invoiceId, String reference, long amountRefunded) {
    Invoice invoice =
        repository
            .findInvoice(Checks.id(invoiceId, "invoice id"))
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    Checks.text(reference, "reference");
    if (amountRefunded < 0) {
      throw new InvalidInputException(
          "a refunded amount cannot be negative, got " + amountRefunded);
    }
    LOG.log(
        Level.WARNING,
        "invoice {0}: charge {1} refunded {2} so far",
        invoiceId,
        reference,
        amountRefunded);
    recordRailRefund(invoice, reference, amountRefunded);
    settings.notify(l -> l.paymentRefunded(invoice, reference, amountRefunded));
  }

  /**
   * Records what the rail refunded beyond the card refunds known, as a done card refund: decided on
   * a read of the invoice's refunds, recorded only if none got in since, decided again otherwise (a
   * refund made meanwhile may be the very one the rail tells of).
   */
  private void recordRailRefund(Invoice invoice, String reference, long amountRefunded) {
    if (!invoice.isPaid() || !invoice.payment().get().reference().equals(reference)) {
      return;
    }
    for (int attempt = 0; attempt < RefundRecords.MAX_ATTEMPTS; attempt++) {
      List<Payment.Refund> read = repository.refunds(invoice.id());
      long known = 0;
      for (Payment.Refund r : read) {
        if (r.via() == Payment.Refund.Via.CARD && r.takesFromPayment()) {
          known += r.amount();
        }
      }
      long extra = Math.min(amountRefunded, invoice.total()) - known;
      if (extra <= 0) {
        return;
      }
      long left = RefundRecords.left(invoice, read);
      if (extra > left) {
        LOG.log(
            Level.WARNING,
            "invoice {0}: could not record the rail''s refund: {1}",
            invoice.id(),
            RefundRecords.exceeds(invoice, left, extra));
        return;
      }
      Payment.Refund refund = railRefund(invoice, reference, amountRefunded, extra);
      RefundWrite write = RefundRecords.record(repository, refund, read);
      if (write instanceof RefundWrite.Recorded) {
        settings.notify(l -> l.refundRecorded(invoice, refund));
        return;
      }
      if (write instanceof RefundWrite.KeyTaken) {
        return; // this very refund, recorded by a delivery of the same news
      }
    }
    throw new IllegalStateException(
        "the storage found the refunds of invoice " + invoice.id() + " moved on every attempt");
  }

  /** The done card refund that stands for {@code extra} the rail refunded on its own. */
  private Payment.Refund railRefund(
      Invoice invoice, String reference, long amountRefunded, long extra) {
    String key = "rail:" + reference + ":" + amountRefunded;
    if (key.length() > Checks.MAX_ID_LENGTH) {
      key = "rail:" + Integer.toHexString(key.hashCode()) + ":" + amountRefunded;
    }
    return new Payment.Refund(
        key,
        invoice.id(),
        invoice.tenant(),
        extra,
        "refunded on the rail",
        Payment.Refund.Via.CARD,
        Payment.Refund.Status.DONE,
        Optional.of(reference),
        settings.now());
  }

  /** {@link Billing#chargeDisputed}. */
  void chargeDisputed(
      Optional<String> invoiceId, String reference, String disputeId, long amount, String reason) {
    Checks.notNull(invoiceId, "invoiceId");
    Checks.text(reference, "reference");
    Checks.text(disputeId, "disputeId");
    Optional<Invoice> invoice = invoiceId.flatMap(repository::findInvoice);
    LOG.log(
        Level.WARNING, "charge {0} disputed ({1}, {2}): {3}", reference, disputeId, reason, amount);
    settings.notify(l -> l.paymentDisputed(invoice, reference, disputeId, amount, reason));
  }
}
