package dev.caravel.billing;

import dev.caravel.billing.RailException.Rail;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What can happen to an invoice ({@link InvoiceLifecycle}): a round starts, a rail answers the
 * round, money arrives (from any rail, at any time, in any state), the rail's late answer for a
 * pending charge, and what a person asks (retry, reopen, void, write off, a BOLT11 to show, a
 * refund). Values built by the engine: a null is a programming mistake (NPE).
 */
sealed interface LifecycleEvent {

  /**
   * A round may start at {@code now} (the poll, {@link Billing#collect}, a retry): {@code rails}
   * are the payment rails the tenant has set up ({@link Rail#NWC}, {@link Rail#STRIPE}; any order,
   * the round tries them in S9's).
   */
  record StartRound(Instant now, Set<Rail> rails) implements LifecycleEvent {
    public StartRound {
      Objects.requireNonNull(now, "now");
      rails = Set.copyOf(rails);
      if (rails.contains(Rail.DM)) {
        throw new IllegalArgumentException("a DM is how a round ends, not a rail it tries");
      }
    }
  }

  /** How the rail the round is running answered. Only the round's holder sends these. */
  sealed interface RoundOutcome extends LifecycleEvent {
    /** The rail that answered. */
    Rail rail();
  }

  /** The tenant's wallet refused or failed for certain; {@code code} is its NIP-47 error code. */
  record WalletFailed(String code, String detail) implements RoundOutcome {
    public WalletFailed {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(detail, "detail");
    }

    @Override
    public Rail rail() {
      return Rail.NWC;
    }
  }

  /**
   * The tenant's wallet did not answer: the payment may still be in flight. {@code
   * requestMadeThisRound}: the BOLT11 it was asked to pay was made in this round, so its silence
   * has not been waited out yet (a wallet's silence is waited out once per BOLT11).
   */
  record WalletSilent(String detail, boolean requestMadeThisRound, Instant now)
      implements RoundOutcome {
    public WalletSilent {
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(now, "now");
    }

    @Override
    public Rail rail() {
      return Rail.NWC;
    }
  }

  /** The card's bank refused the charge. */
  record CardDeclined(String detail) implements RoundOutcome {
    public CardDeclined {
      Objects.requireNonNull(detail, "detail");
    }

    @Override
    public Rail rail() {
      return Rail.STRIPE;
    }
  }

  /** The cardholder must confirm the charge {@code reference}, which stays open until they do. */
  record NeedsCustomer(String reference, String detail) implements RoundOutcome {
    public NeedsCustomer {
      Objects.requireNonNull(reference, "reference");
      Objects.requireNonNull(detail, "detail");
    }

    @Override
    public Rail rail() {
      return Rail.STRIPE;
    }
  }

  /** The card charge {@code reference} was accepted and is not final (Stripe's processing). */
  record ChargePending(String reference) implements RoundOutcome {
    public ChargePending {
      Objects.requireNonNull(reference, "reference");
    }

    @Override
    public Rail rail() {
      return Rail.STRIPE;
    }
  }

  /**
   * The card charge may or may not have taken the money (a timeout, a 5xx), and a look-up could not
   * say. {@code sentAt}: when the round's charge was first sent, which bounds how long the gateway
   * still replays it under its idempotency key.
   */
  record ChargeUnknown(String detail, Instant sentAt, Instant now) implements RoundOutcome {
    public ChargeUnknown {
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(sentAt, "sentAt");
      Objects.requireNonNull(now, "now");
    }

    @Override
    public Rail rail() {
      return Rail.STRIPE;
    }
  }

  /**
   * The rail refused <b>our</b> request, key or account (Stripe's {@code resource_missing}, a
   * rejected API key; the service wallet or the exchange rates failing): nothing was charged.
   */
  record ConfigurationFault(Rail rail, String detail) implements RoundOutcome {
    public ConfigurationFault {
      Objects.requireNonNull(rail, "rail");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /**
   * The charge was refused before anything was sent (below the card's minimum charge, a currency
   * the gateway cannot charge): nothing is unknown about it.
   */
  record RefusedBeforeSend(Rail rail, String detail) implements RoundOutcome {
    public RefusedBeforeSend {
      Objects.requireNonNull(rail, "rail");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /**
   * The rail had nothing to charge for this tenant (a card customer with no saved card): nothing
   * was sent and nothing failed, so the round goes on as though the rail were not set up.
   */
  record NothingToCharge(Rail rail) implements RoundOutcome {
    public NothingToCharge {
      Objects.requireNonNull(rail, "rail");
    }
  }

  /**
   * The round's holder stops without an answer (a bug, a storage failure): whatever a rail may have
   * done is resumed with the same keys, never repeated with new ones. (A holder that dies says
   * nothing: its lease runs out and the stored state reads as {@link LifecycleState.Resuming}.)
   */
  record GiveUpRound(String detail, Instant now) implements LifecycleEvent {
    public GiveUpRound {
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(now, "now");
    }
  }

  /**
   * Money reached the invoice: a round's rail took it, the host settled it ({@link Billing#settle},
   * a webhook), the service wallet found its BOLT11 settled, or a card charge was found to have
   * succeeded. Whether it is late is not the event's to say but the state's it finds.
   */
  record PaymentArrived(Payment payment) implements LifecycleEvent {
    public PaymentArrived {
      Objects.requireNonNull(payment, "payment");
    }
  }

  /** The rail's late "no" for the pending card charge {@code reference} (a webhook). */
  record ChargeFailed(String reference, String detail, Instant now) implements LifecycleEvent {
    public ChargeFailed {
      Objects.requireNonNull(reference, "reference");
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(now, "now");
    }
  }

  /** A person asks for a round now ("the tenant fixed their card"). */
  record RetryNow(Instant now) implements LifecycleEvent {
    public RetryNow {
      Objects.requireNonNull(now, "now");
    }
  }

  /**
   * A person ends a hold or an attention flag, having checked: collection starts again now. Ending
   * a hold first asks the rail ({@code rail}: what it said, {@link RailCheck.NotAsked} at first).
   */
  record Reopen(Instant now, RailCheck rail) implements LifecycleEvent {
    public Reopen {
      Objects.requireNonNull(now, "now");
      Objects.requireNonNull(rail, "rail");
    }
  }

  /**
   * A person voids or writes off the invoice (S14). The rail is asked first, never after ({@code
   * rail}: what it said, {@link RailCheck.NotAsked} at first).
   */
  record Close(Closing kind, String reason, Instant now, RailCheck rail) implements LifecycleEvent {
    public Close {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(now, "now");
      Objects.requireNonNull(rail, "rail");
    }
  }

  /** How an unpaid invoice is closed. */
  enum Closing {
    /** It should not have been issued. */
    VOID,
    /** Owed, but given up on. */
    WRITE_OFF;

    Invoice.Status status() {
      return this == VOID ? Invoice.Status.VOID : Invoice.Status.UNCOLLECTIBLE;
    }
  }

  /** A page asks for the invoice's Lightning request to show the tenant (S10). */
  record Bolt11Wanted() implements LifecycleEvent {}

  /** A person asks to refund (part of) the invoice's payment (S14; amounts are the ledger's). */
  record Refund() implements LifecycleEvent {}

  /**
   * What the rail said when asked before a void, a write-off or a reopen: the engine looked up the
   * invoice's card charges (canceling those still waiting for the customer) and its BOLT11.
   */
  sealed interface RailCheck {
    /** Not asked yet: the machine answers {@link LifecycleEffect.CheckRailsFirst}. */
    record NotAsked() implements RailCheck {}

    /** No charge of the invoice can take money any more, and its BOLT11 has not settled. */
    record Clear() implements RailCheck {}

    /** A charge succeeded or the BOLT11 settled: this is the invoice's payment. */
    record MoneyMoved(Payment payment) implements RailCheck {
      public MoneyMoved {
        Objects.requireNonNull(payment, "payment");
      }
    }

    /** A charge is processing, could not be canceled, or the rail could not say. */
    record MayStillMove(String detail) implements RailCheck {
      public MayStillMove {
        Objects.requireNonNull(detail, "detail");
      }
    }
  }
}
