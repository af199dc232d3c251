package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.Tenant;
import java.lang.System.Logger.Level;
import java.time.Instant;
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

  RailCallbacks(EngineSettings settings, PaymentCascade cascade, Standings standings) {
    this.settings = settings;
    this.repository = settings.repository();
    this.cascade = cascade;
    this.standings = standings;
  }

  /** {@link Billing#settle}. */
  boolean settle(String invoiceId, PaymentMethod method, String reference) {
    Invoice invoice =
        repository
            .findInvoice(Checks.id(invoiceId, "invoice id"))
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    Payment payment = new Payment(method, reference, settings.now());
    boolean mine = repository.markPaid(invoiceId, payment);
    if (mine) {
      settings.notify(l -> l.paymentSucceeded(invoice, payment));
      // Paid by another rail (or a webhook): a card charge left waiting for the customer must not
      // take the money a second time.
      cascade.cancelOpenCharges(invoice, reference, 0);
      standings.refreshStanding(invoice.tenant());
    } else {
      cascade.secondPayment(invoiceId, payment);
    }
    return mine;
  }

  /** {@link Billing#chargeFailed}. */
  boolean chargeFailed(String invoiceId, String reference, String message) {
    Invoice invoice =
        repository
            .findInvoice(Checks.id(invoiceId, "invoice id"))
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    Checks.text(reference, "reference");
    Checks.text(message, "message");
    Instant now = settings.now();
    CollectionState state = repository.collectionState(invoiceId).orElseThrow();
    if (state.firstAttemptAt().isEmpty()) {
      return false;
    }
    Optional<Instant> next =
        cascade
            .nextRound(state.rounds(), state.firstAttemptAt().get())
            .map(at -> at.isBefore(now) ? now : at);
    if (!repository.releaseHold(
        invoiceId, new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, reference), next)) {
      return false;
    }
    settings.notify(l -> l.paymentFailed(invoice, Rail.STRIPE, message));
    cascade.askToPay(invoice, CustomerNotice.CARD_DECLINED);
    standings.refreshStanding(invoice.tenant());
    return true;
  }

  /** {@link Billing#reopen}. */
  boolean reopen(String invoiceId) {
    Invoice invoice =
        repository
            .findInvoice(Checks.id(invoiceId, "invoice id"))
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    Optional<Boolean> flagged = cascade.reopenIfFlagged(invoiceId);
    if (flagged.isPresent()) {
      if (flagged.get()) {
        standings.refreshStanding(invoice.tenant());
      }
      return flagged.get();
    }
    CollectionState state = repository.collectionState(invoiceId).orElseThrow();
    Optional<CollectionHold> hold =
        state.hold().filter(h -> h.reason() == CollectionHold.Reason.OUTCOME_UNKNOWN);
    if (hold.isEmpty() || invoice.isPaid()) {
      return false;
    }
    Optional<String> customer =
        repository.findTenant(invoice.tenant()).flatMap(Tenant::stripeCustomerId);
    if (customer.isPresent() && settings.paymentGateway() != null) {
      PaymentGateway.ChargeLookup found;
      settings.collection().pace(Rail.STRIPE);
      try {
        found =
            settings
                .paymentGateway()
                .findCharge(customer.get(), invoiceId, state.rounds(), Optional.empty());
      } catch (RuntimeException e) {
        found = new PaymentGateway.ChargeLookup.Unavailable(PaymentCascade.safeMessage(e));
      }
      if (found instanceof PaymentGateway.ChargeLookup.Found f) {
        if (f.state() == PaymentGateway.ChargeState.SUCCEEDED) {
          settle(invoiceId, PaymentMethod.STRIPE, f.reference());
          return false;
        }
        if (f.state() == PaymentGateway.ChargeState.PROCESSING
            || f.state() == PaymentGateway.ChargeState.REQUIRES_ACTION) {
          return false;
        }
      }
    }
    boolean reopened = repository.releaseHold(invoiceId, hold.get(), Optional.of(settings.now()));
    if (reopened) {
      standings.refreshStanding(invoice.tenant());
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

  private void recordRailRefund(Invoice invoice, String reference, long amountRefunded) {
    if (!invoice.isPaid() || !invoice.payment().get().reference().equals(reference)) {
      return;
    }
    long known = 0;
    for (Payment.Refund r : repository.refunds(invoice.id())) {
      if (r.via() == Payment.Refund.Via.CARD && r.takesFromPayment()) {
        known += r.amount();
      }
    }
    long extra = Math.min(amountRefunded, invoice.total()) - known;
    if (extra <= 0) {
      return;
    }
    String key = "rail:" + reference + ":" + amountRefunded;
    if (key.length() > Checks.MAX_ID_LENGTH) {
      key = "rail:" + Integer.toHexString(key.hashCode()) + ":" + amountRefunded;
    }
    try {
      Payment.Refund recorded =
          repository.recordRefund(
              new Payment.Refund(
                  key,
                  invoice.id(),
                  invoice.tenant(),
                  extra,
                  "refunded on the rail",
                  Payment.Refund.Via.CARD,
                  Payment.Refund.Status.DONE,
                  Optional.of(reference),
                  settings.now()));
      settings.notify(l -> l.refundRecorded(invoice, recorded));
    } catch (InvalidInputException e) {
      LOG.log(
          Level.WARNING,
          "invoice {0}: could not record the rail''s refund: {1}",
          invoice.id(),
          e.getMessage());
    }
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
