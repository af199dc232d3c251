package dev.caravel.billing;

import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.InvoiceStates.Found;
import dev.caravel.billing.LifecycleEvent.RailCheck;
import dev.caravel.billing.LifecycleState.Held;
import dev.caravel.billing.LifecycleState.HoldReason;
import dev.caravel.billing.LifecycleState.Resuming;
import dev.caravel.billing.PaymentGateway.CancelOutcome;
import dev.caravel.billing.PaymentGateway.ChargeLookup;
import dev.caravel.billing.PaymentGateway.ChargeState;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.Tenant;
import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the rails say about an invoice before a void, a write-off or the end of a hold: the
 * machine's {@link LifecycleEffect.CheckRailsFirst} (S18, "the rail is asked before a void, never
 * after"). Every round's card charge is looked up, and those still waiting for the customer are
 * canceled; then the invoice's BOLT11 is asked about.
 *
 * <ul>
 *   <li>A charge that succeeded, or a settled BOLT11: {@link RailCheck.MoneyMoved}, the invoice's
 *       payment.
 *   <li>A charge processing, or waiting for the customer and not canceled: {@link
 *       RailCheck.MayStillMove}.
 *   <li>A look-up the gateway cannot answer learns nothing: the round's own recorded answer stands,
 *       except for the round the invoice is held or resuming for, whose charge may be moving (a
 *       pending hold, an unknown outcome being resumed). An {@code OUTCOME_UNKNOWN} hold exists
 *       because the gateway could not say: there, the person asking has checked, and their word
 *       stands (as it always did for {@code reopen}).
 *   <li>An unsettled BOLT11 blocks nothing: it stays payable until it expires, and the poll watches
 *       it ({@link LateBolt11Sweep}), so money paid on it later is reported as needing a refund.
 * </ul>
 */
final class RailCheckup {
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  private final EngineSettings settings;
  private final Repository repository;
  private final LightningRail lightning;

  RailCheckup(EngineSettings settings, PaymentCascade cascade) {
    this.settings = settings;
    this.repository = settings.repository();
    this.lightning = new LightningRail(settings, cascade);
  }

  /** Asks the rails about the invoice {@code found} as it was read. */
  RailCheck ask(Found found) {
    Invoice invoice = found.invoice();
    OptionalInt inDoubt = roundInDoubt(found.state());
    Optional<String> customer =
        repository.findTenant(invoice.tenant()).flatMap(Tenant::stripeCustomerId);
    PaymentGateway gateway = settings.paymentGateway();
    RailCheck cards = new RailCheck.Clear();
    if (gateway == null || customer.isEmpty()) {
      if (inDoubt.isPresent()) {
        cards = new RailCheck.MayStillMove("no card gateway to ask about the held charge");
      }
    } else {
      for (int round = 1; round <= found.collection().rounds(); round++) {
        if (repository.findCardCharge(invoice.id(), round).isEmpty()) {
          continue; // no card charge was sent in that round
        }
        boolean doubt = inDoubt.isPresent() && inDoubt.getAsInt() == round;
        RailCheck charge = askCard(gateway, customer.get(), invoice, round, doubt);
        if (charge instanceof RailCheck.MoneyMoved) {
          return charge;
        }
        if (charge instanceof RailCheck.MayStillMove && cards instanceof RailCheck.Clear) {
          cards = charge;
        }
      }
    }
    Optional<Bolt11Request> bolt11 =
        settings.serviceWallet() == null ? Optional.empty() : repository.findBolt11(invoice.id());
    if (bolt11.isPresent() && lightning.settledOnServiceWallet(bolt11.get())) {
      return new RailCheck.MoneyMoved(
          new Payment(PaymentMethod.OOB, bolt11.get().bolt11(), settings.now()));
    }
    if (cards instanceof RailCheck.MayStillMove may) {
      LOG.log(Level.INFO, "invoice {0}: money may still move: {1}", invoice.id(), may.detail());
    }
    return cards;
  }

  /**
   * The round whose charge the state itself says may be moving: a pending charge's, or the round
   * being resumed. None for an {@code OUTCOME_UNKNOWN} hold (a person checked) or a finished round.
   */
  private static OptionalInt roundInDoubt(LifecycleState state) {
    if (state instanceof Held held && held.reason() == HoldReason.CHARGE_PENDING) {
      return OptionalInt.of(held.round());
    }
    if (state instanceof Resuming resuming) {
      return OptionalInt.of(resuming.round());
    }
    return OptionalInt.empty();
  }

  private RailCheck askCard(
      PaymentGateway gateway, String customer, Invoice invoice, int round, boolean inDoubt) {
    ChargeLookup found;
    settings.collection().pace(Rail.STRIPE);
    try {
      found = gateway.findCharge(customer, invoice.id(), round, Optional.empty());
    } catch (RuntimeException e) {
      found = new ChargeLookup.Unavailable(PaymentCascade.safeMessage(e));
    }
    if (found instanceof ChargeLookup.Unavailable unavailable) {
      if (inDoubt) {
        return new RailCheck.MayStillMove(
            "the gateway could not say what became of round "
                + round
                + "'s charge: "
                + unavailable.reason());
      }
      LOG.log(
          Level.INFO,
          "invoice {0}: round {1}''s card charge could not be looked up ({2}); its round''s answer"
              + " stands",
          invoice.id(),
          round,
          unavailable.reason());
      return new RailCheck.Clear();
    }
    if (!(found instanceof ChargeLookup.Found charge)) {
      return new RailCheck.Clear(); // absent: the charge never executed
    }
    return switch (charge.state()) {
      case SUCCEEDED -> moved(charge.reference());
      case PROCESSING ->
          new RailCheck.MayStillMove("card charge " + charge.reference() + " is processing");
      case REQUIRES_ACTION -> cancel(gateway, charge.reference());
      case FAILED, CANCELED -> new RailCheck.Clear();
    };
  }

  /** Cancels a charge waiting for the customer, so that it cannot take the money afterwards. */
  private RailCheck cancel(PaymentGateway gateway, String reference) {
    CancelOutcome canceled;
    settings.collection().pace(Rail.STRIPE);
    try {
      canceled = gateway.cancelCharge(reference);
    } catch (RuntimeException e) {
      canceled = new CancelOutcome.Unavailable(PaymentCascade.safeMessage(e));
    }
    if (canceled instanceof CancelOutcome.Canceled) {
      return new RailCheck.Clear();
    }
    if (canceled instanceof CancelOutcome.NotCancelable too) {
      if (too.state() == ChargeState.SUCCEEDED) {
        return moved(reference); // the customer confirmed it meanwhile
      }
      if (too.state() == ChargeState.FAILED || too.state() == ChargeState.CANCELED) {
        return new RailCheck.Clear();
      }
      return new RailCheck.MayStillMove("card charge " + reference + " is " + too.state());
    }
    return new RailCheck.MayStillMove(
        "card charge "
            + reference
            + " waits for the customer and could not be canceled: "
            + ((CancelOutcome.Unavailable) canceled).reason());
  }

  private RailCheck moved(String reference) {
    return new RailCheck.MoneyMoved(new Payment(PaymentMethod.STRIPE, reference, settings.now()));
  }
}
