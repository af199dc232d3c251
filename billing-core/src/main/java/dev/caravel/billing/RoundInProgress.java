package dev.caravel.billing;

import dev.caravel.billing.InvoiceLifecycle.Transition;
import dev.caravel.billing.LifecycleEffect.AskCustomer;
import dev.caravel.billing.LifecycleEffect.FinishRound;
import dev.caravel.billing.LifecycleEffect.FlagForAttention;
import dev.caravel.billing.LifecycleEffect.HoldRound;
import dev.caravel.billing.LifecycleEffect.LeaseRound;
import dev.caravel.billing.LifecycleEffect.LeaveRoundOpen;
import dev.caravel.billing.LifecycleEffect.NoteRailFailure;
import dev.caravel.billing.LifecycleEffect.TellOperator;
import dev.caravel.billing.LifecycleEffect.TryRail;
import dev.caravel.billing.LifecycleEvent.RoundOutcome;
import dev.caravel.billing.LifecycleState.HoldReason;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.RoundEnded;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.Optional;

/**
 * One round under its lease, carrying out what {@link InvoiceLifecycle} decided for it (S9-S11,
 * S18): tell the operator, end the round or leave it open, hold it, flag it for a person, DM the
 * tenant. The machine decides; this only does, and remembers what to answer the caller.
 *
 * <p>Recording comes before the DM: a round whose lease was lost meanwhile (another instance took
 * over) sends no DM, so each round sends at most one.
 */
final class RoundInProgress {
  /** The cascade's logger: its warnings read as the round's. */
  private static final System.Logger LOG = System.getLogger(PaymentCascade.class.getName());

  private final EngineSettings settings;
  private final Repository repository;
  private final PaymentCascade cascade;
  private final PaymentLease lease;
  private final Invoice invoice;
  private final Instant now;

  /** The rail that answered last: the one an attention flag names. */
  private Rail answeredBy;

  /** Why the outcome is not known, when a rail could not say: the caller's answer. */
  private String unknownBecause;

  /** What the caller is answered: the operator's text of the last failure, and so on. */
  private String lastError;

  private boolean recorded = true;
  private boolean messaged;
  private Optional<Instant> nextRound = Optional.empty();
  private String pendingCharge;
  private Instant resumesAt;

  RoundInProgress(
      EngineSettings settings,
      PaymentCascade cascade,
      PaymentLease lease,
      Invoice invoice,
      Instant now) {
    this.settings = settings;
    this.repository = settings.repository();
    this.cascade = cascade;
    this.lease = lease;
    this.invoice = invoice;
    this.now = now;
  }

  /** The rail the round is running answered {@code outcome}; the machine is told next. */
  void heard(RoundOutcome outcome) {
    answeredBy = outcome.rail();
    if (outcome instanceof LifecycleEvent.ChargeUnknown unknown) {
      unknownBecause = unknown.detail();
    } else if (outcome instanceof LifecycleEvent.WalletSilent silent) {
      unknownBecause = "wallet did not answer: " + silent.detail();
    }
  }

  /**
   * Carries out {@code transition}'s effects in order; the rail to run next, if the machine asks
   * for one (always its last effect).
   */
  Optional<Rail> carryOut(Transition transition) {
    for (LifecycleEffect effect : transition.effects()) {
      if (effect instanceof LeaseRound leased) {
        if (leased.round() != lease.round() || leased.resumed() != lease.resumed()) {
          throw new IllegalStateException(
              "the machine started " + leased + " under the lease of " + lease);
        }
      } else if (effect instanceof TryRail tried) {
        return Optional.of(tried.rail());
      } else if (effect instanceof NoteRailFailure failed) {
        lastError = failed.detail();
        settings.notify(l -> l.paymentFailed(invoice, failed.rail(), failed.detail()));
      } else if (effect instanceof TellOperator told) {
        lastError = told.detail();
        LOG.log(Level.ERROR, "invoice {0}: {1}", invoice.id(), told.detail());
        settings.notify(l -> l.needsAttention(invoice, told.rail(), told.detail()));
      } else if (effect instanceof FinishRound finished) {
        nextRound = finished.nextRoundAt();
        recorded = ended(new RoundEnd.Finished(nextRound));
      } else if (effect instanceof AskCustomer ask) {
        if (recorded) {
          messaged = cascade.askToPay(invoice, ask.notice());
        }
      } else if (effect instanceof LeaveRoundOpen open) {
        resumesAt = open.at();
        recorded = ended(new RoundEnd.LeftOpen(open.at()));
      } else if (effect instanceof HoldRound hold) {
        hold(hold);
      } else if (effect instanceof FlagForAttention flag) {
        flag(flag);
      } else {
        throw new IllegalStateException("a round cannot carry out " + effect);
      }
    }
    return Optional.empty();
  }

  /** Money may be moving: held for the rail's answer, or for a person past the key's window. */
  private void hold(HoldRound hold) {
    if (hold.reason() == HoldReason.CHARGE_PENDING) {
      pendingCharge = hold.detail();
      recorded = holdWith(new CollectionHold(hold.reason().stored(), hold.detail()));
      settings.notify(l -> l.paymentPending(invoice, hold.detail()));
      return;
    }
    String error =
        "the card charge has had no definite outcome for a day and the gateway could not say what"
            + " became of it ("
            + hold.detail()
            + "); collection of this invoice is held until someone checks";
    LOG.log(Level.ERROR, "invoice {0}: {1}", invoice.id(), error);
    lastError = error;
    recorded = holdWith(new CollectionHold(hold.reason().stored(), error));
    settings.notify(l -> l.needsAttention(invoice, Rail.STRIPE, error));
  }

  /**
   * Our side failed on the round's last rail: the round ends once, held for a person with its
   * reason; nothing is unknown and the poll sends nothing again (S18).
   */
  private void flag(FlagForAttention flag) {
    Rail rail = answeredBy == null ? Rail.STRIPE : answeredBy;
    LOG.log(
        Level.ERROR,
        "invoice {0} needs attention ({1}): {2}",
        invoice.id(),
        flag.reason(),
        flag.detail());
    lastError = flag.detail();
    recorded = holdWith(new CollectionHold(flag.reason().stored(), flag.detail()));
    settings.notify(l -> l.needsAttention(invoice, rail, flag.detail()));
  }

  /**
   * Ends the round held, with the event the engine built for the hold (the storage builds none).
   */
  private boolean holdWith(CollectionHold hold) {
    return ended(new RoundEnd.Held(hold, BillingEvent.held(invoice, hold, now)));
  }

  /** Ends the round as {@code end} says; true if the lease still held, so the end was written. */
  private boolean ended(RoundEnd end) {
    return repository.endRound(lease, end) instanceof RoundEnded.Recorded;
  }

  /** What the round came to, once the machine asks for no other rail. */
  PaymentResult result() {
    if (pendingCharge != null) {
      return new PaymentResult.Pending(invoice.id(), pendingCharge);
    }
    if (resumesAt != null) {
      return new PaymentResult.Unknown(
          invoice.id(), unknownBecause != null ? unknownBecause : "no answer", resumesAt);
    }
    return new PaymentResult.NotPaid(
        invoice.id(), Optional.ofNullable(lastError), messaged, nextRound);
  }
}
