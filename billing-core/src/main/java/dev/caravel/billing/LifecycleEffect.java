package dev.caravel.billing;

import dev.caravel.billing.RailException.Rail;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the engine must do for a transition of {@link InvoiceLifecycle}, in the order listed. An
 * effect that records (a lease, a round's end, a hold, a payment, a closure) may find that the
 * storage moved meanwhile (a race lost: the storage's unique constraints and row guards are the
 * last line of defence): the engine then stops, derives the state again and feeds the same event to
 * it. Listener calls and events of the feed follow from the recording effects.
 */
sealed interface LifecycleEffect {

  /**
   * Take the invoice's lease for round {@code round} ({@code resumed}: the open round again, same
   * card idempotency key).
   */
  record LeaseRound(int round, boolean resumed) implements LifecycleEffect {}

  /** Run this rail for the round (S9); its answer comes back as a round outcome event. */
  record TryRail(Rail rail) implements LifecycleEffect {
    public TryRail {
      Objects.requireNonNull(rail, "rail");
    }
  }

  /** Tell the operator a rail failed this round; the round goes on (listener, log). */
  record NoteRailFailure(Rail rail, String detail) implements LifecycleEffect {
    public NoteRailFailure {
      Objects.requireNonNull(rail, "rail");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** Tell the operator something only they can fix; the round goes on (listener, log). */
  record TellOperator(Rail rail, String detail) implements LifecycleEffect {
    public TellOperator {
      Objects.requireNonNull(rail, "rail");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** DM the tenant the notice's fixed sentence and the invoice's payment link, nothing else. */
  record AskCustomer(CustomerNotice notice) implements LifecycleEffect {
    public AskCustomer {
      Objects.requireNonNull(notice, "notice");
    }
  }

  /** End the leased round and schedule the next at {@code nextRoundAt} (empty: dunning is over). */
  record FinishRound(Optional<Instant> nextRoundAt) implements LifecycleEffect {
    public FinishRound {
      Objects.requireNonNull(nextRoundAt, "nextRoundAt");
    }
  }

  /** Give the lease up leaving the round open, to resume at {@code at} with the same keys. */
  record LeaveRoundOpen(Instant at) implements LifecycleEffect {
    public LeaveRoundOpen {
      Objects.requireNonNull(at, "at");
    }
  }

  /** End the leased round holding the invoice for the rail's answer (pending, or unknown). */
  record HoldRound(LifecycleState.HoldReason reason, String detail) implements LifecycleEffect {
    public HoldRound {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** End the leased round with no next one; the operator is told {@code detail} (S18). */
  record FlagForAttention(LifecycleState.AttentionReason reason, String detail)
      implements LifecycleEffect {
    public FlagForAttention {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** End the hold or attention flag, scheduling the next round at {@code nextRoundAt}. */
  record ReleaseHold(Optional<Instant> nextRoundAt) implements LifecycleEffect {
    public ReleaseHold {
      Objects.requireNonNull(nextRoundAt, "nextRoundAt");
    }
  }

  /** Make the invoice due at {@code at} (a person's retry). */
  record ScheduleRound(Instant at) implements LifecycleEffect {
    public ScheduleRound {
      Objects.requireNonNull(at, "at");
    }
  }

  /** Record {@code payment} as the invoice's one payment (ending a round, hold or flag). */
  record RecordPayment(Payment payment) implements LifecycleEffect {
    public RecordPayment {
      Objects.requireNonNull(payment, "payment");
    }
  }

  /**
   * The invoice has ended: cancel its card charges still waiting for the customer, so that a late
   * authentication cannot take money a second time, except {@code keep} (the paying charge). What
   * cannot be canceled is told to the operator.
   */
  record CancelOpenCharges(Optional<String> keep) implements LifecycleEffect {
    public CancelOpenCharges {
      Objects.requireNonNull(keep, "keep");
    }
  }

  /**
   * Money reached an invoice that is paid another way, voided or written off: record it and tell
   * the host it needs a refund. Keyed by the invoice and {@code late.reference()}: the machine
   * emits it once per reference, and the storage records it once (its last line of defence), so the
   * listener hears it once.
   */
  record ReportRefundNeeded(Payment late) implements LifecycleEffect {
    public ReportRefundNeeded {
      Objects.requireNonNull(late, "late");
    }
  }

  /**
   * Before a void, a write-off or ending a hold: look up the invoice's card charges (cancel those
   * waiting for the customer) and ask the service wallet about its BOLT11, then send the same
   * request again with what was found ({@link LifecycleEvent.RailCheck}).
   */
  record CheckRailsFirst() implements LifecycleEffect {}

  /** Record the closure (S14): never collected again, its items never billed again. */
  record RecordClosure(LifecycleEvent.Closing kind, String reason, Instant at)
      implements LifecycleEffect {
    public RecordClosure {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(at, "at");
    }
  }

  /** Make (or reuse, S10) the invoice's Lightning request and show it. */
  record PresentBolt11() implements LifecycleEffect {}

  /** Go on with the refund; its amount and bounds are the ledger's to check. */
  record ProceedWithRefund() implements LifecycleEffect {}

  /** Nothing changed, because of {@code reason}: the caller's answer. */
  record Refuse(Refusal reason) implements LifecycleEffect {
    public Refuse {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Why a request changed nothing. */
  enum Refusal {
    /** The next round is not due yet (S11). */
    NOT_DUE,
    /** A round is running under another lease. */
    IN_PROGRESS,
    /** A card charge is pending: only the rail's answer, or a person who asked it, moves on. */
    PAYMENT_PENDING,
    /** A rail may have taken the money and has not said: resumed, or held for a person. */
    OUTCOME_UNKNOWN,
    /** Flagged for a person: reopen or retry it. */
    NEEDS_ATTENTION,
    /** A round is running, a charge is pending or unknown, or the rail said it may still move. */
    MONEY_MAY_BE_MOVING,
    /** Paid already (for a close: refund it instead). */
    ALREADY_PAID,
    /** Voided or written off. */
    CLOSED,
    /** Closed this same way before: nothing to do. */
    ALREADY_CLOSED,
    /** Closed the other way (voided vs written off). */
    CLOSED_OTHERWISE,
    /** Reopen: neither held nor flagged. */
    NOT_HELD,
    /** A charge's failure that is not the one the invoice is held for. */
    NOT_HELD_FOR_THIS_CHARGE,
    /** A refund of an invoice that is not paid. */
    NOT_PAID,
    /** A round outcome, but no round of this invoice is running (its lease was lost). */
    NO_ROUND
  }
}
