package dev.caravel.billing;

import dev.caravel.billing.PaymentCascade.RailResult;
import dev.caravel.billing.PaymentGateway.CancelOutcome;
import dev.caravel.billing.PaymentGateway.ChargeLookup;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.PaymentGateway.ChargeState;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.Tenant;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.Optional;

/**
 * The saved-card rail of a round (S9): the charge under the round's idempotency key, its outcome as
 * the state machine's event, looking a charge up before sending it again, and canceling charges
 * left waiting once the invoice is paid. The order of the rails, and what an outcome does to the
 * invoice, are {@link InvoiceLifecycle}'s, carried out by {@link PaymentCascade}.
 */
final class CardRail {
  /** The cascade's logger: its warnings read as the round's, wherever the rail's code lives. */
  private static final System.Logger LOG = System.getLogger(PaymentCascade.class.getName());

  private final EngineSettings settings;
  private final Repository repository;
  private final PaymentCascade cascade;

  CardRail(EngineSettings settings, PaymentCascade cascade) {
    this.settings = settings;
    this.repository = settings.repository();
    this.cascade = cascade;
  }

  /**
   * The card's turn in a round: the round is paid, or the charge's outcome goes back to the round
   * as the machine's event ({@link InvoiceLifecycle}), which decides what it does to the invoice.
   * Only how the gateway is driven is decided here: the charge under the round's key, and looking a
   * resumed round's charge up before sending it again.
   */
  RailResult payWithCard(Invoice invoice, String customer, PaymentLease lease, Instant now) {
    PaymentGateway gateway = settings.paymentGateway();
    // A round just started has sent nothing yet; only a resumed one may have a charge out.
    Optional<CardCharge> sent =
        lease.resumed() ? repository.findCardCharge(invoice.id(), lease.round()) : Optional.empty();
    CardCharge charge;
    if (sent.isPresent()) {
      // This round's charge was sent before and its answer never recorded: look before resending.
      charge = sent.get();
      ChargeLookup found = lookUp(customer, invoice.id(), lease.round(), Optional.empty());
      if (found instanceof ChargeLookup.Found f
          && !(f.outcome() instanceof ChargeOutcome.Unknown)) {
        LOG.log(
            Level.INFO,
            "invoice {0} round {1}: the gateway has {2} in state {3}",
            invoice.id(),
            lease.round(),
            f.reference(),
            f.state());
        return afterCharge(invoice, lease, now, charge, f.outcome());
      }
      boolean pastWindow = !now.isBefore(charge.sentAt().plus(LifecycleRound.IDEMPOTENCY_WINDOW));
      if (pastWindow && !(found instanceof ChargeLookup.Absent)) {
        // The gateway forgets idempotency keys after a day and cannot tell us what happened:
        // sending again could charge twice. The machine holds it for a person (S18).
        String why =
            found instanceof ChargeLookup.Unavailable u
                ? u.reason()
                : ((ChargeLookup.Found) found).outcome().toString();
        return RailResult.answered(new LifecycleEvent.ChargeUnknown(why, charge.sentAt(), now));
      }
      // Absent: the charge never executed, so the same request under the same key charges at most
      // once. Unavailable inside the window: the gateway still holds the key and replays its
      // answer.
    } else {
      Optional<String> method;
      settings.collection().pace(Rail.STRIPE);
      try {
        method = gateway.savedPaymentMethod(customer);
      } catch (RuntimeException e) {
        // Nothing was sent: our key, our account or the gateway itself, never the tenant's card.
        return RailResult.answered(
            new LifecycleEvent.ConfigurationFault(
                Rail.STRIPE, "could not read the saved card: " + PaymentCascade.safeMessage(e)));
      }
      if (method.isEmpty()) {
        return RailResult.answered(new LifecycleEvent.NothingToCharge(Rail.STRIPE));
      }
      charge =
          repository.noteCardCharge(new CardCharge(invoice.id(), lease.round(), method.get(), now));
    }
    ChargeOutcome outcome;
    settings.collection().pace(Rail.STRIPE);
    try {
      outcome =
          gateway.charge(
              new ChargeRequest(
                  customer,
                  charge.paymentMethodId(),
                  invoice.total(),
                  invoice.currency(),
                  invoice.id(),
                  idempotencyKey(invoice.id(), lease.round())));
    } catch (InvalidInputException e) {
      // Refused before anything was sent (below the card's minimum, a request the gateway cannot
      // send as it is): nothing about it is unknown, and sending it again would be refused again.
      return RailResult.answered(
          new LifecycleEvent.RefusedBeforeSend(
              Rail.STRIPE,
              "the card charge was refused before it was sent: " + PaymentCascade.safeMessage(e)));
    } catch (RuntimeException e) {
      // A gateway that throws after sending leaves the charge's fate unknown: resume, same key.
      outcome = new ChargeOutcome.Unknown(PaymentCascade.safeMessage(e));
    }
    return afterCharge(invoice, lease, now, charge, outcome);
  }

  /**
   * A charge's outcome, whether the charge just answered or was looked up: paid ends the round;
   * anything else is the machine's event. Details are the operator's, never the tenant's.
   */
  private RailResult afterCharge(
      Invoice invoice, PaymentLease lease, Instant now, CardCharge charge, ChargeOutcome outcome) {
    if (outcome instanceof ChargeOutcome.Paid p) {
      return RailResult.done(
          cascade.paid(lease, invoice, PaymentMethod.STRIPE, p.reference(), now));
    }
    if (outcome instanceof ChargeOutcome.Pending p) {
      return RailResult.answered(new LifecycleEvent.ChargePending(p.reference()));
    }
    if (outcome instanceof ChargeOutcome.Declined d) {
      return RailResult.answered(new LifecycleEvent.CardDeclined(text(d.message(), d.code())));
    }
    if (outcome instanceof ChargeOutcome.NeedsCustomer n) {
      return RailResult.answered(
          new LifecycleEvent.NeedsCustomer(
              text(n.reference(), "unknown"), text(n.message(), "authentication required")));
    }
    if (outcome instanceof ChargeOutcome.Failed f) {
      // Our request, key or account: not the tenant's card.
      return RailResult.answered(
          new LifecycleEvent.ConfigurationFault(
              Rail.STRIPE,
              "the card gateway refused our request (" + f.kind() + "): " + f.message()));
    }
    ChargeOutcome.Unknown u = (ChargeOutcome.Unknown) outcome;
    return RailResult.answered(
        new LifecycleEvent.ChargeUnknown(
            text(u.message(), "no answer from the gateway"), charge.sentAt(), now));
  }

  /** A gateway's text, or {@code otherwise} when it gave none. */
  private static String text(String given, String otherwise) {
    return given == null || given.isBlank() ? String.valueOf(otherwise) : given;
  }

  /** The gateway's answer for a round's charge; a gateway that throws could not say. */
  private ChargeLookup lookUp(
      String customer, String invoiceId, int round, Optional<String> reference) {
    settings.collection().pace(Rail.STRIPE);
    try {
      return settings.paymentGateway().findCharge(customer, invoiceId, round, reference);
    } catch (RuntimeException e) {
      return new ChargeLookup.Unavailable(PaymentCascade.safeMessage(e));
    }
  }

  /**
   * Cancels the invoice's card charges still waiting for the customer ({@code requires_action}),
   * once the invoice is paid some other way, so a late authentication cannot take the money a
   * second time. Best effort: what cannot be canceled is reported to the operator.
   */
  void cancelOpenCharges(Invoice invoice, String paidBy, int skipRound) {
    PaymentGateway gateway = settings.paymentGateway();
    if (gateway == null) {
      return;
    }
    try {
      Optional<String> customer =
          repository.findTenant(invoice.tenant()).flatMap(Tenant::stripeCustomerId);
      int rounds = repository.collectionState(invoice.id()).map(CollectionState::rounds).orElse(0);
      for (int r = 1; r <= rounds && customer.isPresent(); r++) {
        if (r == skipRound || repository.findCardCharge(invoice.id(), r).isEmpty()) {
          continue;
        }
        ChargeLookup found = lookUp(customer.get(), invoice.id(), r, Optional.empty());
        if (!(found instanceof ChargeLookup.Found f) || f.reference().equals(paidBy)) {
          continue;
        }
        if (f.state() == ChargeState.REQUIRES_ACTION) {
          settings.collection().pace(Rail.STRIPE);
          CancelOutcome canceled = gateway.cancelCharge(f.reference());
          if (!(canceled instanceof CancelOutcome.Canceled)) {
            String error =
                "invoice is paid, but its open card charge "
                    + f.reference()
                    + " could not be canceled: "
                    + canceled;
            LOG.log(Level.WARNING, "invoice {0}: {1}", invoice.id(), error);
            settings.notify(l -> l.needsAttention(invoice, Rail.STRIPE, error));
          }
        } else if (f.state() == ChargeState.SUCCEEDED || f.state() == ChargeState.PROCESSING) {
          String error =
              "invoice is paid by "
                  + paidBy
                  + ", but card charge "
                  + f.reference()
                  + " is "
                  + f.state()
                  + ": it needs a refund";
          LOG.log(Level.WARNING, "invoice {0}: {1}", invoice.id(), error);
          settings.notify(l -> l.needsAttention(invoice, Rail.STRIPE, error));
        }
      }
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "invoice {0} is paid; could not check its open card charges: {1}",
          invoice.id(),
          PaymentCascade.safeMessage(e));
    }
  }

  /** The key for a round's card charge: the same for a resumed round, new for the next. */
  static String idempotencyKey(String invoiceId, int round) {
    return "caravel-" + invoiceId + "-round-" + round;
  }
}
