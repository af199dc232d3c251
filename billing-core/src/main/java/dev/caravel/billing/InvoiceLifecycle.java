package dev.caravel.billing;

import dev.caravel.billing.LifecycleEffect.AskCustomer;
import dev.caravel.billing.LifecycleEffect.CancelOpenCharges;
import dev.caravel.billing.LifecycleEffect.CheckRailsFirst;
import dev.caravel.billing.LifecycleEffect.NoteRailFailure;
import dev.caravel.billing.LifecycleEffect.PresentBolt11;
import dev.caravel.billing.LifecycleEffect.ProceedWithRefund;
import dev.caravel.billing.LifecycleEffect.RecordClosure;
import dev.caravel.billing.LifecycleEffect.RecordPayment;
import dev.caravel.billing.LifecycleEffect.Refusal;
import dev.caravel.billing.LifecycleEffect.Refuse;
import dev.caravel.billing.LifecycleEffect.ReleaseHold;
import dev.caravel.billing.LifecycleEffect.ReportRefundNeeded;
import dev.caravel.billing.LifecycleEffect.ScheduleRound;
import dev.caravel.billing.LifecycleEvent.Bolt11Wanted;
import dev.caravel.billing.LifecycleEvent.ChargeFailed;
import dev.caravel.billing.LifecycleEvent.ChargePending;
import dev.caravel.billing.LifecycleEvent.Close;
import dev.caravel.billing.LifecycleEvent.GiveUpRound;
import dev.caravel.billing.LifecycleEvent.NeedsCustomer;
import dev.caravel.billing.LifecycleEvent.PaymentArrived;
import dev.caravel.billing.LifecycleEvent.RailCheck;
import dev.caravel.billing.LifecycleEvent.Refund;
import dev.caravel.billing.LifecycleEvent.Reopen;
import dev.caravel.billing.LifecycleEvent.RetryNow;
import dev.caravel.billing.LifecycleEvent.RoundOutcome;
import dev.caravel.billing.LifecycleEvent.StartRound;
import dev.caravel.billing.LifecycleState.Carried;
import dev.caravel.billing.LifecycleState.Held;
import dev.caravel.billing.LifecycleState.HoldReason;
import dev.caravel.billing.LifecycleState.InRound;
import dev.caravel.billing.LifecycleState.NeedsAttention;
import dev.caravel.billing.LifecycleState.Open;
import dev.caravel.billing.LifecycleState.Paid;
import dev.caravel.billing.LifecycleState.Resuming;
import dev.caravel.billing.LifecycleState.Voided;
import dev.caravel.billing.LifecycleState.WrittenOff;
import dev.caravel.billing.RailException.Rail;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * An invoice's life as one state machine (DESIGN "Architecture (0.3)", S9-S11, S14, S18): {@link
 * LifecycleState states}, {@link LifecycleEvent events}, and one pure function, {@link #next}, that
 * gives the next state and the {@link LifecycleEffect effects} the engine carries out, in order.
 * Rounds, rail outcomes, webhooks, {@code settle}, {@code chargeFailed}, {@code reopen}, {@code
 * retryNow}, void, write-off, refund and late money all go through it. How a rail is driven
 * (idempotency keys, looking a charge up before sending it again, making the BOLT11) stays with the
 * cascade; what a rail's answer does to the invoice is decided here, once. {@link
 * LifecycleState#derive} reads the state from what the storage holds, so the engine can feed the
 * machine.
 *
 * <p>The rules it keeps:
 *
 * <ul>
 *   <li><b>Every state has a way out (S18).</b> Open: a round, a retry, a close. In a round: every
 *       outcome ends it or moves to the next rail; a holder that gives up leaves it to resume. A
 *       hold: the rail's answer, or a person who asked the rail. Needs attention: retry, reopen,
 *       close. Money ends any unpaid state.
 *   <li><b>Money is the one payment or reported once.</b> Money that reaches an unpaid invoice, in
 *       any state, is its payment ({@code RecordPayment}, then the other open charges are
 *       canceled). Money that reaches a paid (by another reference), voided or written-off invoice
 *       is {@code ReportRefundNeeded}, once per reference: the end states remember what they
 *       reported. The same reference again is the same payment, and nothing happens.
 *   <li><b>The rail is asked before a void, never after.</b> A void, a write-off or the end of a
 *       hold first answers {@code CheckRailsFirst}: the engine looks up the invoice's card charges
 *       (canceling those waiting for the customer) and its BOLT11, and sends the request again with
 *       the answer. Clear: it goes ahead. Money moved: that is the payment, and the request is
 *       refused as paid. May still move: refused. During a round a close is refused outright: the
 *       round ends within its lease, and then it can be asked.
 *   <li><b>Our fault ends the round.</b> A configuration fault (the rail refused our request) or a
 *       charge refused before it is sent (below the card minimum) on the round's last rail ends the
 *       round once, as needing attention with its reason: the operator is told, the tenant hears a
 *       fixed sentence, and nothing is "unknown" or sent again by the poll. On an earlier rail the
 *       operator is told and the round goes on.
 *   <li><b>An unknown card outcome is resumed under the same key</b> while the gateway replays it
 *       (23 hours, {@link LifecycleRound#IDEMPOTENCY_WINDOW}), and held for a person after that;
 *       never charged again under a new key. A silent wallet is waited out once per BOLT11.
 *   <li><b>A BOLT11 is made only for an unpaid invoice (S18).</b> In any unpaid state the tenant
 *       may choose to pay by hand, as today; should two payments then land, the second is reported
 *       once as needing a refund.
 * </ul>
 *
 * <p>The table (n: the round; first: the first round's start; next: {@code first + schedule[n-1]}
 * while the schedule lasts, else none; "refuse X": state unchanged, effect {@code Refuse(X)};
 * "arrive": the money rule above; "ask": {@code CheckRailsFirst} when not asked, the request's
 * effect when clear, refuse MONEY_MAY_BE_MOVING when it may still move, arrive when money moved):
 *
 * <pre>
 * state            event                       next state                 effects
 * ---------------  --------------------------  -------------------------  -----------------------------------------
 * Open(n)          StartRound, due             InRound(n+1, rails)        LeaseRound(n+1), TryRail(first rail)
 *                  StartRound, no rail         Open(n+1, next)            LeaseRound, FinishRound(next), AskCustomer(PAYMENT_DUE)
 *                  StartRound, not due         -                          refuse NOT_DUE
 *                  RetryNow                    Open(due now)              ScheduleRound(now)
 *                  Close                       ask: Voided | WrittenOff   RecordClosure
 *                  Reopen                      -                          refuse NOT_HELD
 * InRound(n)       WalletFailed, CardDeclined, NeedsCustomer, WalletSilent (BOLT11 waited on before):
 *                    rails left                InRound(rest)              NoteRailFailure, TryRail(next rail)
 *                    last rail                 Open(n, next)              NoteRailFailure, FinishRound(next), AskCustomer(the rail's notice)
 *                  NothingToCharge (no saved card):
 *                    rails left                InRound(rest)              TryRail(next rail)
 *                    last rail                 Open(n, next)              FinishRound(next), AskCustomer(the earlier
 *                                                                           rail's notice, else PAYMENT_DUE)
 *                  WalletSilent (new BOLT11)   Resuming(n, now+delay)     LeaveRoundOpen
 *                  ChargePending(ref)          Held(CHARGE_PENDING, ref)  HoldRound
 *                  ChargeUnknown, in window    Resuming(n, now+delay)     LeaveRoundOpen
 *                  ChargeUnknown, past window  Held(OUTCOME_UNKNOWN)      HoldRound
 *                  ConfigurationFault / RefusedBeforeSend:
 *                    rails left                InRound(rest)              TellOperator, TryRail(next rail)
 *                    last rail                 NeedsAttention(reason)     FlagForAttention, AskCustomer(COULD_NOT_CHARGE)
 *                  GiveUpRound                 Resuming(n, now+delay)     LeaveRoundOpen
 *                  StartRound / RetryNow / Reopen -                       refuse IN_PROGRESS
 *                  Close                       -                          refuse MONEY_MAY_BE_MOVING
 * Resuming(n, at)  StartRound, at &lt;= now       InRound(n, resumed)        LeaseRound(n, resumed), TryRail (no rail: as Open)
 *                  StartRound early / RetryNow -                          refuse OUTCOME_UNKNOWN
 *                  Close                       ask: Voided | WrittenOff   RecordClosure
 *                  Reopen                      -                          refuse NOT_HELD
 * Held(reason)     ChargeFailed(ref), held     Open(n, max(next, now))    ReleaseHold, NoteRailFailure, AskCustomer(CARD_DECLINED)
 *                    CHARGE_PENDING for ref
 *                  Reopen                      ask: Open(due now)         ReleaseHold(now)
 *                  Close                       ask: Voided | WrittenOff   RecordClosure
 *                  StartRound / RetryNow       -                          refuse PAYMENT_PENDING | OUTCOME_UNKNOWN
 * NeedsAttention   RetryNow / Reopen           Open(n, due now)           ReleaseHold(now)
 *                  Close                       ask: Voided | WrittenOff   RecordClosure
 *                  StartRound                  -                          refuse NEEDS_ATTENTION
 * any unpaid       PaymentArrived(p)           Paid(p)                    RecordPayment(p), CancelOpenCharges(keep p)
 *                  Bolt11Wanted                -                          PresentBolt11
 *                  ChargeFailed (other ref)    -                          refuse NOT_HELD_FOR_THIS_CHARGE
 *                  Refund                      -                          refuse NOT_PAID
 *                  a round outcome, GiveUpRound (no round) -              refuse NO_ROUND
 * Paid(ref)        PaymentArrived(ref)         -                          (none: the same payment)
 *                  PaymentArrived(other)       Paid(+other reported)      ReportRefundNeeded(other), once
 *                  Refund                      -                          ProceedWithRefund
 *                  NeedsCustomer / ChargePending (a round overtaken)  -   CancelOpenCharges(keep ref)
 *                  anything else               -                          refuse ALREADY_PAID (outcomes: NO_ROUND;
 *                                                                           ChargeFailed: NOT_HELD_FOR_THIS_CHARGE)
 * Voided,          PaymentArrived(p)           (+p reported)              ReportRefundNeeded(p), once
 * WrittenOff,      Close, same way / other way -                          refuse ALREADY_CLOSED / CLOSED_OTHERWISE
 * Carried (S25)      (Carried: any Close is the other way)
 *                  NeedsCustomer / ChargePending  -                       CancelOpenCharges(keep none)
 *                  anything else               -                          refuse CLOSED (Refund: NOT_PAID; outcomes:
 *                                                                           NO_ROUND; ChargeFailed: NOT_HELD_FOR_THIS_CHARGE)
 * </pre>
 *
 * <p>A {@code RailCheck.MoneyMoved} in a Close or Reopen is money arriving: it is handled as {@code
 * PaymentArrived} first, then the request is answered by the state that leaves (refused as paid, or
 * closed already). A round outcome for a rail other than the one the round is running is a bug in
 * the engine: {@link IllegalStateException}.
 */
final class InvoiceLifecycle {
  private final RetryTiming timing;
  private final LifecycleRound rounds;

  InvoiceLifecycle(RetryTiming timing) {
    this.timing = Objects.requireNonNull(timing, "timing");
    this.rounds = new LifecycleRound(timing);
  }

  /**
   * The clock of collection (S11): round {@code n} is followed by the first round's start plus
   * {@code schedule[n-1]} while there is one; a round whose outcome is unknown resumes after {@code
   * unknownRetryDelay}.
   */
  record RetryTiming(List<Duration> schedule, Duration unknownRetryDelay) {
    RetryTiming {
      schedule = List.copyOf(schedule);
      Objects.requireNonNull(unknownRetryDelay, "unknownRetryDelay");
      if (unknownRetryDelay.isNegative() || unknownRetryDelay.isZero()) {
        throw new IllegalArgumentException("the unknown-outcome delay must be positive");
      }
    }

    /** When the round after round {@code round} is due; empty once the schedule is used up. */
    Optional<Instant> nextRound(int round, Instant firstAttemptAt) {
      return round <= schedule.size()
          ? Optional.of(firstAttemptAt.plus(schedule.get(round - 1)))
          : Optional.empty();
    }

    /** When a round that stopped without an answer at {@code now} resumes. */
    Instant resumeAt(Instant now) {
      return now.plus(unknownRetryDelay);
    }
  }

  /** A transition: the state after the event, and what the engine must do, in order. */
  record Transition(LifecycleState state, List<LifecycleEffect> effects) {
    Transition {
      Objects.requireNonNull(state, "state");
      effects = List.copyOf(effects);
    }

    static Transition to(LifecycleState state, LifecycleEffect... effects) {
      return new Transition(state, List.of(effects));
    }

    static Transition refused(LifecycleState state, Refusal why) {
      return to(state, new Refuse(why));
    }

    /** Whether the event was refused: nothing changed. */
    boolean wasRefused() {
      return effects.stream().anyMatch(Refuse.class::isInstance);
    }
  }

  /** The state after {@code event} in {@code state}, and the effects to carry out, in order. */
  Transition next(LifecycleState state, LifecycleEvent event) {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(event, "event");
    if (event instanceof PaymentArrived arrived) {
      return arrive(state, arrived.payment());
    }
    if (event instanceof Close close && close.rail() instanceof RailCheck.MoneyMoved moved) {
      return arriveThenAsk(
          state,
          moved.payment(),
          new Close(close.kind(), close.reason(), close.now(), new RailCheck.NotAsked()));
    }
    if (event instanceof Reopen reopen && reopen.rail() instanceof RailCheck.MoneyMoved moved) {
      return arriveThenAsk(
          state, moved.payment(), new Reopen(reopen.now(), new RailCheck.NotAsked()));
    }
    if (state instanceof Open open) {
      return fromOpen(open, event);
    }
    if (state instanceof InRound round) {
      return fromRound(round, event);
    }
    if (state instanceof Resuming resuming) {
      return fromResuming(resuming, event);
    }
    if (state instanceof Held held) {
      return fromHeld(held, event);
    }
    if (state instanceof NeedsAttention flagged) {
      return fromNeedsAttention(flagged, event);
    }
    return fromEnded(state, event);
  }

  // ---- money ----

  private Transition arrive(LifecycleState state, Payment payment) {
    String reference = payment.reference();
    if (!state.isEnded()) {
      return Transition.to(
          new Paid(reference, Set.of()),
          new RecordPayment(payment),
          new CancelOpenCharges(Optional.of(reference)));
    }
    if (state instanceof Paid paid && paid.reference().equals(reference)) {
      return Transition.to(state);
    }
    Set<String> reported = refundsReported(state);
    if (reported.contains(reference)) {
      return Transition.to(state);
    }
    Set<String> more = new HashSet<>(reported);
    more.add(reference);
    LifecycleState after =
        state instanceof Paid paid
            ? new Paid(paid.reference(), more)
            : state instanceof Voided
                ? new Voided(more)
                : state instanceof Carried ? new Carried(more) : new WrittenOff(more);
    return Transition.to(after, new ReportRefundNeeded(payment));
  }

  private Transition arriveThenAsk(LifecycleState state, Payment payment, LifecycleEvent request) {
    Transition arrived = arrive(state, payment);
    Transition answered = next(arrived.state(), request);
    List<LifecycleEffect> effects = new ArrayList<>(arrived.effects());
    effects.addAll(answered.effects());
    return new Transition(answered.state(), effects);
  }

  private static Set<String> refundsReported(LifecycleState ended) {
    if (ended instanceof Paid paid) {
      return paid.refundsReported();
    }
    if (ended instanceof Voided voided) {
      return voided.refundsReported();
    }
    if (ended instanceof Carried carried) {
      return carried.refundsReported();
    }
    return ((WrittenOff) ended).refundsReported();
  }

  // ---- unpaid states ----

  private Transition fromOpen(Open open, LifecycleEvent event) {
    if (event instanceof StartRound start) {
      boolean due = open.dueAt().isPresent() && !open.dueAt().get().isAfter(start.now());
      if (!due) {
        return Transition.refused(open, Refusal.NOT_DUE);
      }
      return rounds.start(
          open.rounds() + 1, open.firstAttemptAt().orElse(start.now()), false, start.rails());
    }
    if (event instanceof RetryNow retry) {
      return Transition.to(
          new Open(open.rounds(), open.firstAttemptAt(), Optional.of(retry.now())),
          new ScheduleRound(retry.now()));
    }
    if (event instanceof Reopen) {
      return Transition.refused(open, Refusal.NOT_HELD);
    }
    return commonUnpaid(open, event);
  }

  private Transition fromResuming(Resuming resuming, LifecycleEvent event) {
    if (event instanceof StartRound start) {
      if (resuming.at().isAfter(start.now())) {
        return Transition.refused(resuming, Refusal.OUTCOME_UNKNOWN);
      }
      return rounds.start(resuming.round(), resuming.firstAttemptAt(), true, start.rails());
    }
    if (event instanceof RetryNow) {
      return Transition.refused(resuming, Refusal.OUTCOME_UNKNOWN);
    }
    if (event instanceof Reopen) {
      return Transition.refused(resuming, Refusal.NOT_HELD);
    }
    return commonUnpaid(resuming, event);
  }

  private Transition fromHeld(Held held, LifecycleEvent event) {
    Refusal why =
        held.reason() == HoldReason.CHARGE_PENDING
            ? Refusal.PAYMENT_PENDING
            : Refusal.OUTCOME_UNKNOWN;
    if (event instanceof StartRound || event instanceof RetryNow) {
      return Transition.refused(held, why);
    }
    if (event instanceof ChargeFailed failed
        && held.reason() == HoldReason.CHARGE_PENDING
        && held.detail().equals(failed.reference())) {
      // The pending charge failed: the round ends as a decline would have (S11).
      Optional<Instant> next =
          timing
              .nextRound(held.round(), held.firstAttemptAt())
              .map(at -> at.isBefore(failed.now()) ? failed.now() : at);
      return Transition.to(
          new Open(held.round(), Optional.of(held.firstAttemptAt()), next),
          new ReleaseHold(next),
          new NoteRailFailure(Rail.STRIPE, failed.detail()),
          new AskCustomer(CustomerNotice.CARD_DECLINED));
    }
    if (event instanceof Reopen reopen) {
      return afterAsking(
          held,
          reopen.rail(),
          () ->
              Transition.to(
                  new Open(
                      held.round(), Optional.of(held.firstAttemptAt()), Optional.of(reopen.now())),
                  new ReleaseHold(Optional.of(reopen.now()))));
    }
    return commonUnpaid(held, event);
  }

  private Transition fromNeedsAttention(NeedsAttention flagged, LifecycleEvent event) {
    if (event instanceof StartRound) {
      return Transition.refused(flagged, Refusal.NEEDS_ATTENTION);
    }
    if (event instanceof RetryNow retry) {
      return collectAgain(flagged, retry.now());
    }
    if (event instanceof Reopen reopen) {
      // Nothing was moving when it was flagged: a person's word is enough, unless the rail was
      // asked anyway and said otherwise.
      return reopen.rail() instanceof RailCheck.MayStillMove
          ? Transition.refused(flagged, Refusal.MONEY_MAY_BE_MOVING)
          : collectAgain(flagged, reopen.now());
    }
    return commonUnpaid(flagged, event);
  }

  private static Transition collectAgain(NeedsAttention flagged, Instant now) {
    Optional<Instant> due = Optional.of(now);
    return Transition.to(
        new Open(flagged.round(), Optional.of(flagged.firstAttemptAt()), due),
        new ReleaseHold(due));
  }

  /** What every unpaid state not in a round answers alike. */
  private Transition commonUnpaid(LifecycleState state, LifecycleEvent event) {
    if (event instanceof Close close) {
      return afterAsking(
          state,
          close.rail(),
          () ->
              Transition.to(
                  close.kind() == LifecycleEvent.Closing.VOID
                      ? new Voided(Set.of())
                      : new WrittenOff(Set.of()),
                  new RecordClosure(close.kind(), close.reason(), close.now())));
    }
    if (event instanceof Bolt11Wanted) {
      return Transition.to(state, new PresentBolt11());
    }
    if (event instanceof ChargeFailed) {
      return Transition.refused(state, Refusal.NOT_HELD_FOR_THIS_CHARGE);
    }
    if (event instanceof Refund) {
      return Transition.refused(state, Refusal.NOT_PAID);
    }
    if (event instanceof RoundOutcome || event instanceof GiveUpRound) {
      return Transition.refused(state, Refusal.NO_ROUND);
    }
    throw new IllegalStateException("no rule for " + event + " in " + state);
  }

  /** A request that must hear the rail first; money that moved was handled before this. */
  private Transition afterAsking(
      LifecycleState state, RailCheck rail, Supplier<Transition> whenClear) {
    if (rail instanceof RailCheck.NotAsked) {
      return Transition.to(state, new CheckRailsFirst());
    }
    if (rail instanceof RailCheck.MayStillMove) {
      return Transition.refused(state, Refusal.MONEY_MAY_BE_MOVING);
    }
    return whenClear.get();
  }

  // ---- a round ----

  private Transition fromRound(InRound round, LifecycleEvent event) {
    if (event instanceof RoundOutcome outcome) {
      return rounds.answered(round, outcome);
    }
    if (event instanceof GiveUpRound gaveUp) {
      return rounds.resumeLater(round, gaveUp.now());
    }
    if (event instanceof StartRound || event instanceof RetryNow || event instanceof Reopen) {
      return Transition.refused(round, Refusal.IN_PROGRESS);
    }
    if (event instanceof Close) {
      // The round ends within its lease; then the rail can be asked.
      return Transition.refused(round, Refusal.MONEY_MAY_BE_MOVING);
    }
    return commonUnpaid(round, event);
  }

  // ---- end states ----

  private Transition fromEnded(LifecycleState ended, LifecycleEvent event) {
    Optional<String> keep =
        ended instanceof Paid paid ? Optional.of(paid.reference()) : Optional.empty();
    if (event instanceof NeedsCustomer || event instanceof ChargePending) {
      // A round the payment or closure overtook left a charge that could still take money.
      return Transition.to(ended, new CancelOpenCharges(keep));
    }
    if (event instanceof RoundOutcome || event instanceof GiveUpRound) {
      return Transition.refused(ended, Refusal.NO_ROUND);
    }
    if (event instanceof ChargeFailed) {
      return Transition.refused(ended, Refusal.NOT_HELD_FOR_THIS_CHARGE);
    }
    if (ended instanceof Paid) {
      return event instanceof Refund
          ? Transition.to(ended, new ProceedWithRefund())
          : Transition.refused(ended, Refusal.ALREADY_PAID);
    }
    if (event instanceof Refund) {
      return Transition.refused(ended, Refusal.NOT_PAID);
    }
    if (event instanceof Close close) {
      boolean sameWay =
          !(ended instanceof Carried)
              && (close.kind() == LifecycleEvent.Closing.VOID) == (ended instanceof Voided);
      return Transition.refused(ended, sameWay ? Refusal.ALREADY_CLOSED : Refusal.CLOSED_OTHERWISE);
    }
    return Transition.refused(ended, Refusal.CLOSED);
  }
}
