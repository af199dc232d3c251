package dev.caravel.billing;

import static dev.caravel.billing.LifecycleSamples.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvoiceLifecycle.Transition;
import dev.caravel.billing.LifecycleEffect.AskCustomer;
import dev.caravel.billing.LifecycleEffect.CancelOpenCharges;
import dev.caravel.billing.LifecycleEffect.CheckRailsFirst;
import dev.caravel.billing.LifecycleEffect.FinishRound;
import dev.caravel.billing.LifecycleEffect.FlagForAttention;
import dev.caravel.billing.LifecycleEffect.HoldRound;
import dev.caravel.billing.LifecycleEffect.LeaseRound;
import dev.caravel.billing.LifecycleEffect.LeaveRoundOpen;
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
import dev.caravel.billing.LifecycleEffect.TellOperator;
import dev.caravel.billing.LifecycleEffect.TryRail;
import dev.caravel.billing.LifecycleEvent.Closing;
import dev.caravel.billing.LifecycleEvent.RoundOutcome;
import dev.caravel.billing.LifecycleState.AttentionReason;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 21, "an invoice's life is one state machine": one row per (state, event) pair at least,
 * each with the next state and the exact effects, in order. {@link #everyStateMeetsEveryEvent}
 * fails when a state or an event is added to the machine without rows here. The invariants over
 * every reachable state (a way out, one payment or one refund report) are in {@link
 * InvoiceLifecyclePropertiesTest}.
 */
class InvoiceLifecycleTableTest {

  /** One expected transition; {@code then} null when the event is a programming error. */
  record Row(
      String name,
      LifecycleState given,
      LifecycleEvent event,
      LifecycleState then,
      List<LifecycleEffect> effects) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Row row(
      String name,
      LifecycleState given,
      LifecycleEvent event,
      LifecycleState then,
      LifecycleEffect... effects) {
    return new Row(name, given, event, then, List.of(effects));
  }

  static Row refused(String name, LifecycleState given, LifecycleEvent event, Refusal why) {
    return row(name, given, event, given, new Refuse(why));
  }

  static Row bug(String name, LifecycleState given, LifecycleEvent event) {
    return new Row(name, given, event, null, List.of());
  }

  /** Every round outcome and a holder giving up, where no round runs: refused, nothing changes. */
  static Stream<Row> noRound(String name, LifecycleState given) {
    return Stream.of(
            WALLET_NO_FUNDS,
            SILENT_NEW,
            DECLINED,
            NEEDS_CUSTOMER,
            CHARGE_PENDING,
            UNKNOWN_IN_WINDOW,
            CARD_FAULT,
            BELOW_MINIMUM,
            NO_SAVED_CARD,
            GIVE_UP)
        .map(e -> refused(name + ": " + e + " finds no round", given, e, Refusal.NO_ROUND));
  }

  static Row paidBy(String name, LifecycleState given, Payment payment) {
    return row(
        name,
        given,
        new LifecycleEvent.PaymentArrived(payment),
        new Paid(payment.reference(), Set.of()),
        new RecordPayment(payment),
        new CancelOpenCharges(Optional.of(payment.reference())));
  }

  static Stream<Row> rows() {
    return Stream.of(open(), inRound(), resuming(), held(), needsAttention(), paid(), closed())
        .flatMap(s -> s);
  }

  static Stream<Row> open() {
    Open round1 = new Open(1, Optional.of(NOW), Optional.of(NOW.plus(Duration.ofDays(1))));
    return Stream.concat(
        Stream.of(
            row(
                "a fresh invoice starts round 1, Lightning first (S9)",
                FRESH,
                START_ALL,
                new InRound(1, NOW, false, List.of(Rail.NWC, Rail.STRIPE), Optional.empty()),
                new LeaseRound(1, false),
                new TryRail(Rail.NWC)),
            row(
                "a card-only tenant's round starts with the card",
                FRESH,
                START_CARD,
                new InRound(1, NOW, false, List.of(Rail.STRIPE), Optional.empty()),
                new LeaseRound(1, false),
                new TryRail(Rail.STRIPE)),
            row(
                "with no rail the round is the DM, recorded before it is sent",
                FRESH,
                START_NONE,
                round1,
                new LeaseRound(1, false),
                new FinishRound(round1.dueAt()),
                new AskCustomer(CustomerNotice.PAYMENT_DUE)),
            row(
                "a due follow-up starts the next round",
                OPEN_DUE,
                START_ALL,
                new InRound(2, T0, false, List.of(Rail.NWC, Rail.STRIPE), Optional.empty()),
                new LeaseRound(2, false),
                new TryRail(Rail.NWC)),
            refused("a round never starts early", OPEN_NOT_DUE, START_ALL, Refusal.NOT_DUE),
            refused("dunning over: no round by itself", DUNNING_OVER, START_ALL, Refusal.NOT_DUE),
            paidBy("money for an open invoice is its payment", OPEN_DUE, CARD),
            paidBy("a BOLT11 paid out of band pays a fresh invoice", FRESH, LATE_BOLT11),
            refused(
                "a charge failure webhook for an open invoice changes nothing",
                OPEN_DUE,
                CHARGE_FAILED,
                Refusal.NOT_HELD_FOR_THIS_CHARGE),
            row(
                "a retry makes a not-due invoice due now",
                OPEN_NOT_DUE,
                RETRY,
                new Open(2, Optional.of(T0), Optional.of(NOW)),
                new ScheduleRound(NOW)),
            row(
                "a retry revives an invoice whose dunning is over",
                DUNNING_OVER,
                RETRY,
                new Open(4, Optional.of(T0), Optional.of(NOW)),
                new ScheduleRound(NOW)),
            refused("only a hold is reopened", OPEN_DUE, REOPEN, Refusal.NOT_HELD),
            row("a void asks the rail first", OPEN_DUE, VOID, OPEN_DUE, new CheckRailsFirst()),
            row(
                "a void the rail cleared closes the invoice",
                OPEN_DUE,
                VOID_CLEAR,
                VOIDED,
                new RecordClosure(Closing.VOID, CLOSE_REASON, NOW)),
            row(
                "a write-off the rail cleared closes the invoice",
                DUNNING_OVER,
                WRITE_OFF_CLEAR,
                WRITTEN_OFF,
                new RecordClosure(Closing.WRITE_OFF, CLOSE_REASON, NOW)),
            refused(
                "a void is refused while the rail says money may still move",
                OPEN_DUE,
                VOID_MAY_MOVE,
                Refusal.MONEY_MAY_BE_MOVING),
            row(
                "a void that finds the card charge succeeded records the payment instead",
                OPEN_DUE,
                VOID_MOVED,
                PAID,
                new RecordPayment(CARD),
                new CancelOpenCharges(Optional.of("pi_paid")),
                new Refuse(Refusal.ALREADY_PAID)),
            row(
                "an open invoice shows its BOLT11",
                OPEN_DUE,
                BOLT11,
                OPEN_DUE,
                new PresentBolt11()),
            refused("an unpaid invoice has nothing to refund", OPEN_DUE, REFUND, Refusal.NOT_PAID)),
        noRound("open", OPEN_DUE));
  }

  static Stream<Row> inRound() {
    Open endedRound2 = new Open(2, Optional.of(T0), after(2));
    return Stream.of(
        row(
            "a wallet without funds: on to the card, the tenant's notice kept",
            ROUND_BOTH,
            WALLET_NO_FUNDS,
            new InRound(
                2, T0, false, List.of(Rail.STRIPE), Optional.of(CustomerNotice.WALLET_NO_BALANCE)),
            new NoteRailFailure(Rail.NWC, WALLET_NO_FUNDS.detail()),
            new TryRail(Rail.STRIPE)),
        row(
            "the last rail failing ends the round in one DM with a fixed sentence (S9, S11)",
            ROUND_WALLET,
            WALLET_OTHER,
            endedRound2,
            new NoteRailFailure(Rail.NWC, "no route found"),
            new FinishRound(after(2)),
            new AskCustomer(CustomerNotice.WALLET_FAILED)),
        row(
            "a silent wallet on a BOLT11 made this round is waited out, the round left open",
            ROUND_BOTH,
            SILENT_NEW,
            new Resuming(2, T0, RESUME),
            new LeaveRoundOpen(RESUME)),
        row(
            "a wallet silent again on the same BOLT11 has failed",
            ROUND_BOTH,
            SILENT_AGAIN,
            new InRound(
                2, T0, false, List.of(Rail.STRIPE), Optional.of(CustomerNotice.WALLET_SILENT)),
            new NoteRailFailure(Rail.NWC, SILENT_AGAIN.detail()),
            new TryRail(Rail.STRIPE)),
        row(
            "a declined card ends the round: the tenant hears 'declined', not the bank's text",
            ROUND_CARD,
            DECLINED,
            endedRound2,
            new NoteRailFailure(Rail.STRIPE, DECLINED.detail()),
            new FinishRound(after(2)),
            new AskCustomer(CustomerNotice.CARD_DECLINED)),
        row(
            "the last round's decline ends dunning",
            LAST_ROUND_CARD,
            DECLINED,
            new Open(4, Optional.of(T0), Optional.empty()),
            new NoteRailFailure(Rail.STRIPE, DECLINED.detail()),
            new FinishRound(Optional.empty()),
            new AskCustomer(CustomerNotice.CARD_DECLINED)),
        row(
            "a card waiting for the customer ends the round asking them to confirm",
            ROUND_CARD,
            NEEDS_CUSTOMER,
            endedRound2,
            new NoteRailFailure(Rail.STRIPE, "authentication_required"),
            new FinishRound(after(2)),
            new AskCustomer(CustomerNotice.CARD_NEEDS_AUTHENTICATION)),
        row(
            "a pending charge holds the invoice",
            ROUND_CARD,
            CHARGE_PENDING,
            PENDING,
            new HoldRound(HoldReason.CHARGE_PENDING, "pi_pending")),
        row(
            "an unknown charge inside the idempotency window is resumed under the same key",
            ROUND_CARD,
            UNKNOWN_IN_WINDOW,
            new Resuming(2, T0, RESUME),
            new LeaveRoundOpen(RESUME)),
        row(
            "an unknown charge 23 hours after it was sent is held for a person (S18)",
            ROUND_CARD,
            UNKNOWN_PAST_WINDOW,
            new Held(HoldReason.OUTCOME_UNKNOWN, "read timed out", 2, T0),
            new HoldRound(HoldReason.OUTCOME_UNKNOWN, "read timed out")),
        row(
            "a Failed card outcome ends the round needing attention; the tenant hears a sentence",
            ROUND_CARD,
            CARD_FAULT,
            new NeedsAttention(AttentionReason.CONFIGURATION_FAULT, CARD_FAULT.detail(), 2, T0),
            new FlagForAttention(AttentionReason.CONFIGURATION_FAULT, CARD_FAULT.detail()),
            new AskCustomer(CustomerNotice.COULD_NOT_CHARGE)),
        row(
            "our Lightning fault on the first rail is told and the card is still tried",
            ROUND_BOTH,
            WALLET_FAULT,
            new InRound(2, T0, false, List.of(Rail.STRIPE), Optional.empty()),
            new TellOperator(Rail.NWC, WALLET_FAULT.detail()),
            new TryRail(Rail.STRIPE)),
        row(
            "a charge below the card minimum ends the round once, needing attention, not unknown",
            ROUND_CARD,
            BELOW_MINIMUM,
            new NeedsAttention(AttentionReason.REFUSED_BEFORE_SEND, BELOW_MINIMUM.detail(), 2, T0),
            new FlagForAttention(AttentionReason.REFUSED_BEFORE_SEND, BELOW_MINIMUM.detail()),
            new AskCustomer(CustomerNotice.COULD_NOT_CHARGE)),
        row(
            "a rail with nothing to charge passes the round on to the next, unreported",
            ROUND_BOTH,
            new LifecycleEvent.NothingToCharge(Rail.NWC),
            new InRound(2, T0, false, List.of(Rail.STRIPE), Optional.empty()),
            new TryRail(Rail.STRIPE)),
        row(
            "no saved card after a wallet failure: the DM carries the wallet's notice",
            ROUND_CARD,
            NO_SAVED_CARD,
            endedRound2,
            new FinishRound(after(2)),
            new AskCustomer(CustomerNotice.WALLET_NO_BALANCE)),
        row(
            "no saved card and nothing failed: the plain request to pay",
            LAST_ROUND_CARD,
            NO_SAVED_CARD,
            new Open(4, Optional.of(T0), Optional.empty()),
            new FinishRound(Optional.empty()),
            new AskCustomer(CustomerNotice.PAYMENT_DUE)),
        bug("a card answer while the wallet runs is a bug", ROUND_BOTH, DECLINED),
        bug("a rail answer to a round seen from outside is a bug", ROUND_SEEN, CHARGE_PENDING),
        row(
            "a holder that gives up leaves the round open to resume",
            ROUND_BOTH,
            GIVE_UP,
            new Resuming(2, T0, RESUME),
            new LeaveRoundOpen(RESUME)),
        paidBy("money during a round is the payment", ROUND_BOTH, CARD),
        refused(
            "a charge failure webhook during a round changes nothing",
            ROUND_CARD,
            CHARGE_FAILED,
            Refusal.NOT_HELD_FOR_THIS_CHARGE),
        refused("one round at a time", ROUND_SEEN, START_ALL, Refusal.IN_PROGRESS),
        refused("no retry during a round", ROUND_BOTH, RETRY, Refusal.IN_PROGRESS),
        refused("no reopen during a round", ROUND_BOTH, REOPEN, Refusal.IN_PROGRESS),
        refused(
            "no void while a round may be moving money",
            ROUND_SEEN,
            VOID_CLEAR,
            Refusal.MONEY_MAY_BE_MOVING),
        row(
            "a void that finds money during a round records it",
            ROUND_SEEN,
            VOID_MOVED,
            PAID,
            new RecordPayment(CARD),
            new CancelOpenCharges(Optional.of("pi_paid")),
            new Refuse(Refusal.ALREADY_PAID)),
        row(
            "a round's invoice shows its BOLT11",
            ROUND_SEEN,
            BOLT11,
            ROUND_SEEN,
            new PresentBolt11()),
        refused("nothing to refund during a round", ROUND_SEEN, REFUND, Refusal.NOT_PAID));
  }

  static Stream<Row> resuming() {
    return Stream.concat(
        Stream.of(
            row(
                "a due resume takes the same round again",
                RESUMING_DUE,
                START_ALL,
                new InRound(2, T0, true, List.of(Rail.NWC, Rail.STRIPE), Optional.empty()),
                new LeaseRound(2, true),
                new TryRail(Rail.NWC)),
            row(
                "a resumed round with no rail left ends in the DM",
                RESUMING_DUE,
                START_NONE,
                new Open(2, Optional.of(T0), after(2)),
                new LeaseRound(2, true),
                new FinishRound(after(2)),
                new AskCustomer(CustomerNotice.PAYMENT_DUE)),
            refused(
                "a resume never starts early", RESUMING_LATER, START_ALL, Refusal.OUTCOME_UNKNOWN),
            paidBy("money while a round is open is the payment", RESUMING_LATER, LATE_BOLT11),
            refused(
                "a charge failure webhook while resuming changes nothing",
                RESUMING_DUE,
                CHARGE_FAILED,
                Refusal.NOT_HELD_FOR_THIS_CHARGE),
            refused(
                "no new round under a new key while one is open",
                RESUMING_LATER,
                RETRY,
                Refusal.OUTCOME_UNKNOWN),
            refused("a resume is not a hold", RESUMING_LATER, REOPEN, Refusal.NOT_HELD),
            row(
                "a void of an open round asks the rail first",
                RESUMING_LATER,
                VOID,
                RESUMING_LATER,
                new CheckRailsFirst()),
            row(
                "a write-off the rail cleared closes the open round's invoice",
                RESUMING_LATER,
                WRITE_OFF_CLEAR,
                WRITTEN_OFF,
                new RecordClosure(Closing.WRITE_OFF, CLOSE_REASON, NOW)),
            refused(
                "a void waits while the open round's charge may move",
                RESUMING_LATER,
                VOID_MAY_MOVE,
                Refusal.MONEY_MAY_BE_MOVING),
            row(
                "a resuming invoice shows its BOLT11",
                RESUMING_LATER,
                BOLT11,
                RESUMING_LATER,
                new PresentBolt11()),
            refused("nothing to refund while resuming", RESUMING_LATER, REFUND, Refusal.NOT_PAID)),
        noRound("resuming", RESUMING_LATER));
  }

  static Stream<Row> held() {
    Held pendingFirstRound = new Held(HoldReason.CHARGE_PENDING, "pi_pending", 1, T0);
    Held pendingLastRound = new Held(HoldReason.CHARGE_PENDING, "pi_pending", 4, T0);
    return Stream.concat(
        Stream.of(
            refused(
                "no round while a charge is pending", PENDING, START_ALL, Refusal.PAYMENT_PENDING),
            refused(
                "no round while an outcome is unknown",
                UNKNOWN,
                START_ALL,
                Refusal.OUTCOME_UNKNOWN),
            paidBy("the pending charge's success settles it", PENDING, PENDING_CARD),
            paidBy("a BOLT11 paid while a charge is pending is the payment", PENDING, LATE_BOLT11),
            paidBy("money ends an unknown hold", UNKNOWN, CARD),
            row(
                "the pending charge's failure ends the round like a decline (S11)",
                PENDING,
                CHARGE_FAILED,
                new Open(2, Optional.of(T0), after(2)),
                new ReleaseHold(after(2)),
                new NoteRailFailure(Rail.STRIPE, "payment_intent.payment_failed"),
                new AskCustomer(CustomerNotice.CARD_DECLINED)),
            row(
                "a failure after the next round's time schedules it now",
                pendingFirstRound,
                CHARGE_FAILED,
                new Open(1, Optional.of(T0), Optional.of(NOW)),
                new ReleaseHold(Optional.of(NOW)),
                new NoteRailFailure(Rail.STRIPE, "payment_intent.payment_failed"),
                new AskCustomer(CustomerNotice.CARD_DECLINED)),
            row(
                "a failure in the last round ends dunning",
                pendingLastRound,
                CHARGE_FAILED,
                new Open(4, Optional.of(T0), Optional.empty()),
                new ReleaseHold(Optional.empty()),
                new NoteRailFailure(Rail.STRIPE, "payment_intent.payment_failed"),
                new AskCustomer(CustomerNotice.CARD_DECLINED)),
            refused(
                "another charge's failure leaves the hold",
                PENDING,
                OTHER_CHARGE_FAILED,
                Refusal.NOT_HELD_FOR_THIS_CHARGE),
            refused(
                "a failure webhook does not end an unknown hold",
                UNKNOWN,
                new LifecycleEvent.ChargeFailed(UNKNOWN.detail(), "failed", NOW),
                Refusal.NOT_HELD_FOR_THIS_CHARGE),
            refused("no retry while pending", PENDING, RETRY, Refusal.PAYMENT_PENDING),
            refused("no retry while unknown", UNKNOWN, RETRY, Refusal.OUTCOME_UNKNOWN),
            row("a reopen asks the rail first", UNKNOWN, REOPEN, UNKNOWN, new CheckRailsFirst()),
            row(
                "a reopen the rail cleared makes the next round due now",
                UNKNOWN,
                REOPEN_CLEAR,
                new Open(2, Optional.of(T0), Optional.of(NOW)),
                new ReleaseHold(Optional.of(NOW))),
            row(
                "a lost webhook: reopening a pending hold the rail cleared",
                PENDING,
                REOPEN_CLEAR,
                new Open(2, Optional.of(T0), Optional.of(NOW)),
                new ReleaseHold(Optional.of(NOW))),
            refused(
                "no reopen while the rail says money may move",
                UNKNOWN,
                REOPEN_MAY_MOVE,
                Refusal.MONEY_MAY_BE_MOVING),
            row(
                "a reopen that finds the charge succeeded settles the invoice",
                UNKNOWN,
                REOPEN_MOVED,
                PAID,
                new RecordPayment(CARD),
                new CancelOpenCharges(Optional.of("pi_paid")),
                new Refuse(Refusal.ALREADY_PAID)),
            row(
                "a void of a held invoice asks the rail first",
                PENDING,
                VOID,
                PENDING,
                new CheckRailsFirst()),
            row(
                "a void of a held invoice the rail cleared closes it",
                PENDING,
                VOID_CLEAR,
                VOIDED,
                new RecordClosure(Closing.VOID, CLOSE_REASON, NOW)),
            row(
                "an unknown hold can be written off once the rail is clear",
                UNKNOWN,
                WRITE_OFF_CLEAR,
                WRITTEN_OFF,
                new RecordClosure(Closing.WRITE_OFF, CLOSE_REASON, NOW)),
            refused(
                "no void while the pending charge may still move",
                PENDING,
                VOID_MAY_MOVE,
                Refusal.MONEY_MAY_BE_MOVING),
            row(
                "a held invoice still shows its BOLT11",
                PENDING,
                BOLT11,
                PENDING,
                new PresentBolt11()),
            refused("nothing to refund while held", UNKNOWN, REFUND, Refusal.NOT_PAID)),
        noRound("held", PENDING));
  }

  static Stream<Row> needsAttention() {
    Open dueNow = new Open(2, Optional.of(T0), Optional.of(NOW));
    return Stream.concat(
        Stream.of(
            refused("no round by itself", FAULT, START_ALL, Refusal.NEEDS_ATTENTION),
            paidBy("money pays an invoice that needs attention", REFUSED, LATE_BOLT11),
            refused(
                "a charge failure webhook changes nothing",
                FAULT,
                CHARGE_FAILED,
                Refusal.NOT_HELD_FOR_THIS_CHARGE),
            row(
                "a Failed outcome can be retried",
                FAULT,
                RETRY,
                dueNow,
                new ReleaseHold(dueNow.dueAt())),
            row(
                "a refused charge can be reopened without asking: nothing was sent",
                REFUSED,
                REOPEN,
                dueNow,
                new ReleaseHold(dueNow.dueAt())),
            row(
                "a Failed outcome can be reopened",
                FAULT,
                REOPEN_CLEAR,
                dueNow,
                new ReleaseHold(dueNow.dueAt())),
            refused(
                "a reopen the rail contradicts is refused",
                FAULT,
                REOPEN_MAY_MOVE,
                Refusal.MONEY_MAY_BE_MOVING),
            row(
                "a Failed outcome's void asks the rail first",
                FAULT,
                VOID,
                FAULT,
                new CheckRailsFirst()),
            row(
                "a Failed outcome can be voided",
                FAULT,
                VOID_CLEAR,
                VOIDED,
                new RecordClosure(Closing.VOID, CLOSE_REASON, NOW)),
            row(
                "a refused charge can be written off",
                REFUSED,
                WRITE_OFF_CLEAR,
                WRITTEN_OFF,
                new RecordClosure(Closing.WRITE_OFF, CLOSE_REASON, NOW)),
            row(
                "the tenant may still pay by Lightning",
                REFUSED,
                BOLT11,
                REFUSED,
                new PresentBolt11()),
            refused("nothing to refund", FAULT, REFUND, Refusal.NOT_PAID)),
        noRound("needs attention", FAULT));
  }

  static Stream<Row> paid() {
    Paid reported = new Paid("pi_paid", Set.of("lnbc_late"));
    return Stream.of(
        refused("a paid invoice starts no round", PAID, START_ALL, Refusal.ALREADY_PAID),
        row(
            "a charge left waiting for the customer after payment is canceled",
            PAID,
            NEEDS_CUSTOMER,
            PAID,
            new CancelOpenCharges(Optional.of("pi_paid"))),
        row(
            "a charge pending after payment is canceled or reported",
            PAID,
            CHARGE_PENDING,
            PAID,
            new CancelOpenCharges(Optional.of("pi_paid"))),
        refused("a wallet's answer after payment", PAID, WALLET_NO_FUNDS, Refusal.NO_ROUND),
        refused("a wallet's silence after payment", PAID, SILENT_NEW, Refusal.NO_ROUND),
        refused("a decline after payment", PAID, DECLINED, Refusal.NO_ROUND),
        refused("an unknown charge after payment", PAID, UNKNOWN_IN_WINDOW, Refusal.NO_ROUND),
        refused("a fault after payment", PAID, CARD_FAULT, Refusal.NO_ROUND),
        refused("a refusal after payment", PAID, BELOW_MINIMUM, Refusal.NO_ROUND),
        refused("no saved card after payment", PAID, NO_SAVED_CARD, Refusal.NO_ROUND),
        refused("giving up after payment", PAID, GIVE_UP, Refusal.NO_ROUND),
        row("the same payment seen again is nothing", PAID, ARRIVED_CARD, PAID),
        row(
            "a BOLT11 paid after a card paid is reported as needing a refund",
            PAID,
            ARRIVED_LATE,
            reported,
            new ReportRefundNeeded(LATE_BOLT11)),
        row("the same late payment again is not reported twice", reported, ARRIVED_LATE, reported),
        refused(
            "a charge failure after payment changes nothing",
            PAID,
            CHARGE_FAILED,
            Refusal.NOT_HELD_FOR_THIS_CHARGE),
        refused("no retry once paid", PAID, RETRY, Refusal.ALREADY_PAID),
        refused("no reopen once paid", PAID, REOPEN, Refusal.ALREADY_PAID),
        row(
            "a reopen that finds another payment reports it",
            new Paid("pi_first", Set.of()),
            REOPEN_MOVED,
            new Paid("pi_first", Set.of("pi_paid")),
            new ReportRefundNeeded(CARD),
            new Refuse(Refusal.ALREADY_PAID)),
        refused("a paid invoice is refunded, not voided", PAID, VOID, Refusal.ALREADY_PAID),
        refused("a paid invoice is not written off", PAID, WRITE_OFF_CLEAR, Refusal.ALREADY_PAID),
        refused("no BOLT11 for a paid invoice", PAID, BOLT11, Refusal.ALREADY_PAID),
        row("a paid invoice can be refunded", PAID, REFUND, PAID, new ProceedWithRefund()));
  }

  static Stream<Row> closed() {
    List<Row> rows = new ArrayList<>();
    // S25: a carried invoice ends like a voided or written-off one; any close is the other way.
    for (LifecycleState ended : List.of(VOIDED, WRITTEN_OFF, CARRIED)) {
      String name =
          ended instanceof Voided ? "voided" : ended instanceof Carried ? "carried" : "written off";
      LifecycleState lateReported = withReported(ended, "lnbc_late");
      LifecycleState cardReported = withReported(ended, "pi_paid");
      Refusal voidAnswer =
          ended instanceof Voided ? Refusal.ALREADY_CLOSED : Refusal.CLOSED_OTHERWISE;
      Refusal writeOffAnswer =
          ended instanceof WrittenOff ? Refusal.ALREADY_CLOSED : Refusal.CLOSED_OTHERWISE;
      rows.addAll(
          List.of(
              refused(name + ": no round", ended, START_ALL, Refusal.CLOSED),
              row(
                  name + ": a charge left waiting for the customer is canceled",
                  ended,
                  NEEDS_CUSTOMER,
                  ended,
                  new CancelOpenCharges(Optional.empty())),
              row(
                  name + ": a pending charge is canceled or reported",
                  ended,
                  CHARGE_PENDING,
                  ended,
                  new CancelOpenCharges(Optional.empty())),
              refused(name + ": a wallet's answer", ended, WALLET_OTHER, Refusal.NO_ROUND),
              refused(name + ": a wallet's silence", ended, SILENT_AGAIN, Refusal.NO_ROUND),
              refused(name + ": a decline", ended, DECLINED, Refusal.NO_ROUND),
              refused(name + ": an unknown charge", ended, UNKNOWN_PAST_WINDOW, Refusal.NO_ROUND),
              refused(name + ": a fault", ended, WALLET_FAULT, Refusal.NO_ROUND),
              refused(name + ": a refusal", ended, BELOW_MINIMUM, Refusal.NO_ROUND),
              refused(name + ": no saved card", ended, NO_SAVED_CARD, Refusal.NO_ROUND),
              refused(name + ": giving up", ended, GIVE_UP, Refusal.NO_ROUND),
              row(
                  name + ": a BOLT11 paid late is reported as needing a refund",
                  ended,
                  ARRIVED_LATE,
                  lateReported,
                  new ReportRefundNeeded(LATE_BOLT11)),
              row(
                  name + ": the same late BOLT11 again is not reported twice",
                  lateReported,
                  ARRIVED_LATE,
                  lateReported),
              row(
                  name + ": a card charge that succeeds afterwards is reported",
                  ended,
                  ARRIVED_CARD,
                  cardReported,
                  new ReportRefundNeeded(CARD)),
              refused(
                  name + ": a charge failure changes nothing",
                  ended,
                  CHARGE_FAILED,
                  Refusal.NOT_HELD_FOR_THIS_CHARGE),
              refused(name + ": no retry", ended, RETRY, Refusal.CLOSED),
              refused(name + ": no reopen", ended, REOPEN_CLEAR, Refusal.CLOSED),
              refused(name + ": voided again", ended, VOID, voidAnswer),
              refused(name + ": written off again", ended, WRITE_OFF_CLEAR, writeOffAnswer),
              row(
                  name + ": a void that finds money reports it",
                  ended,
                  VOID_MOVED,
                  cardReported,
                  new ReportRefundNeeded(CARD),
                  new Refuse(voidAnswer)),
              refused(name + ": no BOLT11", ended, BOLT11, Refusal.CLOSED),
              refused(name + ": nothing to refund", ended, REFUND, Refusal.NOT_PAID)));
    }
    return rows.stream();
  }

  private static LifecycleState withReported(LifecycleState ended, String reference) {
    Set<String> reported = Set.of(reference);
    if (ended instanceof Voided) {
      return new Voided(reported);
    }
    return ended instanceof Carried ? new Carried(reported) : new WrittenOff(reported);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void eachRowIsWhatTheMachineDoes(Row row) {
    if (row.then() == null) {
      assertThatThrownBy(() -> MACHINE.next(row.given(), row.event()))
          .isInstanceOf(IllegalStateException.class);
      return;
    }
    Transition t = MACHINE.next(row.given(), row.event());
    assertThat(t.state()).as("next state").isEqualTo(row.then());
    assertThat(t.effects()).as("effects, in order").isEqualTo(row.effects());
  }

  @Test
  void everyStateMeetsEveryEvent() {
    Set<List<Class<?>>> covered = new HashSet<>();
    rows().forEach(r -> covered.add(List.of(r.given().getClass(), r.event().getClass())));
    List<String> missing = new ArrayList<>();
    for (Class<?> state : leaves(LifecycleState.class)) {
      for (Class<?> event : leaves(LifecycleEvent.class)) {
        if (!covered.contains(List.of(state, event))) {
          missing.add(state.getSimpleName() + " x " + event.getSimpleName());
        }
      }
    }
    assertThat(missing).as("(state, event) pairs without a row").isEmpty();
    // The walk reaches through sealed sub-interfaces (a round's outcomes).
    assertThat(leaves(LifecycleEvent.class))
        .contains(LifecycleEvent.StartRound.class, LifecycleEvent.WalletFailed.class)
        .doesNotContain(RoundOutcome.class);
  }

  /** The concrete types a sealed type permits, through sealed sub-interfaces. */
  static List<Class<?>> leaves(Class<?> sealed) {
    List<Class<?>> found = new ArrayList<>();
    for (Class<?> sub : sealed.getPermittedSubclasses()) {
      if (sub.isSealed()) {
        found.addAll(leaves(sub));
      } else {
        found.add(sub);
      }
    }
    return found;
  }
}
