package dev.caravel.billing;

import dev.caravel.billing.InvoiceLifecycle.RetryTiming;
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
import dev.caravel.billing.LifecycleEvent.CardDeclined;
import dev.caravel.billing.LifecycleEvent.ChargePending;
import dev.caravel.billing.LifecycleEvent.ChargeUnknown;
import dev.caravel.billing.LifecycleEvent.ConfigurationFault;
import dev.caravel.billing.LifecycleEvent.NeedsCustomer;
import dev.caravel.billing.LifecycleEvent.NothingToCharge;
import dev.caravel.billing.LifecycleEvent.RefusedBeforeSend;
import dev.caravel.billing.LifecycleEvent.RoundOutcome;
import dev.caravel.billing.LifecycleEvent.WalletFailed;
import dev.caravel.billing.LifecycleEvent.WalletSilent;
import dev.caravel.billing.LifecycleState.AttentionReason;
import dev.caravel.billing.LifecycleState.Held;
import dev.caravel.billing.LifecycleState.HoldReason;
import dev.caravel.billing.LifecycleState.InRound;
import dev.caravel.billing.LifecycleState.NeedsAttention;
import dev.caravel.billing.LifecycleState.Open;
import dev.caravel.billing.LifecycleState.Resuming;
import dev.caravel.billing.RailException.Rail;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The part of {@link InvoiceLifecycle} that decides what a round's rails' answers do to the invoice
 * (S9, S11, S18): which rail comes next, when the round ends in a DM, when it waits, holds or needs
 * a person. Pure, like the rest of the machine.
 */
final class LifecycleRound {
  /**
   * How long a resumed round may send its card charge again: Stripe keeps idempotency keys for 24
   * hours, so 23 leaves a margin. Past it an unknown outcome is held for a person (S18).
   */
  static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(23);

  /** S9: Lightning first, then the card; a DM is how a round ends when neither paid. */
  static final List<Rail> CASCADE_ORDER = List.of(Rail.NWC, Rail.STRIPE);

  private final RetryTiming timing;

  LifecycleRound(RetryTiming timing) {
    this.timing = timing;
  }

  /**
   * Round {@code round} starts under a new lease ({@code resumed}: the open round again): the first
   * rail the tenant has, or, with none, the DM that ends it at once.
   */
  Transition start(int round, Instant first, boolean resumed, Set<Rail> rails) {
    List<Rail> ahead = CASCADE_ORDER.stream().filter(rails::contains).toList();
    if (ahead.isEmpty()) {
      Optional<Instant> next = timing.nextRound(round, first);
      return Transition.to(
          new Open(round, Optional.of(first), next),
          new LeaseRound(round, resumed),
          new FinishRound(next),
          new AskCustomer(CustomerNotice.PAYMENT_DUE));
    }
    return Transition.to(
        new InRound(round, first, resumed, ahead, Optional.empty()),
        new LeaseRound(round, resumed),
        new TryRail(ahead.get(0)));
  }

  /** The running rail answered. */
  Transition answered(InRound round, RoundOutcome outcome) {
    if (round.ahead().isEmpty() || round.ahead().get(0) != outcome.rail()) {
      throw new IllegalStateException(
          "round "
              + round.round()
              + " is running "
              + round.ahead()
              + ", not "
              + outcome.rail()
              + ": only the round's holder reports its rails' answers");
    }
    if (outcome instanceof WalletFailed failed) {
      return railFailed(round, CustomerNotice.forWalletCode(failed.code()), failed.detail());
    }
    if (outcome instanceof WalletSilent silent) {
      // The payment may still be in flight: charging the card now could take the money twice.
      // Waited out once per BOLT11: silent again on the same request, the wallet has failed.
      return silent.requestMadeThisRound()
          ? resumeLater(round, silent.now())
          : railFailed(round, CustomerNotice.WALLET_SILENT, silent.detail());
    }
    if (outcome instanceof CardDeclined declined) {
      return railFailed(round, CustomerNotice.CARD_DECLINED, declined.detail());
    }
    if (outcome instanceof NeedsCustomer needs) {
      // The charge stays open for the customer; it is canceled if the invoice ends another way.
      return railFailed(round, CustomerNotice.CARD_NEEDS_AUTHENTICATION, needs.detail());
    }
    if (outcome instanceof ChargePending pending) {
      return hold(round, HoldReason.CHARGE_PENDING, pending.reference());
    }
    if (outcome instanceof ChargeUnknown unknown) {
      boolean replayable = unknown.now().isBefore(unknown.sentAt().plus(IDEMPOTENCY_WINDOW));
      return replayable
          ? resumeLater(round, unknown.now())
          : hold(round, HoldReason.OUTCOME_UNKNOWN, unknown.detail());
    }
    if (outcome instanceof NothingToCharge) {
      return nothingCharged(round);
    }
    if (outcome instanceof ConfigurationFault fault) {
      return ourFault(round, AttentionReason.CONFIGURATION_FAULT, fault.detail());
    }
    RefusedBeforeSend refused = (RefusedBeforeSend) outcome;
    return ourFault(round, AttentionReason.REFUSED_BEFORE_SEND, refused.detail());
  }

  /** The round stops without an answer: resumed later under the same round number and keys. */
  Transition resumeLater(InRound round, Instant now) {
    Instant at = timing.resumeAt(now);
    return Transition.to(
        new Resuming(round.round(), round.firstAttemptAt(), at), new LeaveRoundOpen(at));
  }

  /** The tenant's rail failed: the next rail, or the DM that ends the round (S9 step 3). */
  private Transition railFailed(InRound round, CustomerNotice notice, String detail) {
    Rail rail = round.ahead().get(0);
    List<Rail> rest = round.ahead().subList(1, round.ahead().size());
    if (!rest.isEmpty()) {
      return Transition.to(
          new InRound(
              round.round(), round.firstAttemptAt(), round.resumed(), rest, Optional.of(notice)),
          new NoteRailFailure(rail, detail),
          new TryRail(rest.get(0)));
    }
    // Recorded before the DM: a round whose lease was lost meanwhile sends no second DM.
    Optional<Instant> next = timing.nextRound(round.round(), round.firstAttemptAt());
    return Transition.to(
        new Open(round.round(), Optional.of(round.firstAttemptAt()), next),
        new NoteRailFailure(rail, detail),
        new FinishRound(next),
        new AskCustomer(notice));
  }

  /**
   * The rail had nothing to charge: the next rail, or the DM that ends the round with what the
   * tenant heard of an earlier rail, if any (S9 step 3). Nothing failed, so the operator hears
   * nothing.
   */
  private Transition nothingCharged(InRound round) {
    List<Rail> rest = round.ahead().subList(1, round.ahead().size());
    if (!rest.isEmpty()) {
      return Transition.to(
          new InRound(
              round.round(), round.firstAttemptAt(), round.resumed(), rest, round.lastFailure()),
          new TryRail(rest.get(0)));
    }
    Optional<Instant> next = timing.nextRound(round.round(), round.firstAttemptAt());
    return Transition.to(
        new Open(round.round(), Optional.of(round.firstAttemptAt()), next),
        new FinishRound(next),
        new AskCustomer(round.lastFailure().orElse(CustomerNotice.PAYMENT_DUE)));
  }

  /**
   * Our side failed (our configuration, or a charge refused before it was sent): the next rail if
   * there is one, else the round ends once, needing attention. Never "unknown", never sent again by
   * the poll.
   */
  private Transition ourFault(InRound round, AttentionReason reason, String detail) {
    Rail rail = round.ahead().get(0);
    List<Rail> rest = round.ahead().subList(1, round.ahead().size());
    if (!rest.isEmpty()) {
      return Transition.to(
          new InRound(
              round.round(), round.firstAttemptAt(), round.resumed(), rest, round.lastFailure()),
          new TellOperator(rail, detail),
          new TryRail(rest.get(0)));
    }
    return Transition.to(
        new NeedsAttention(reason, detail, round.round(), round.firstAttemptAt()),
        new FlagForAttention(reason, detail),
        new AskCustomer(CustomerNotice.COULD_NOT_CHARGE));
  }

  /** Money may be moving: only the rail's answer, or a person who asked it, ends this. */
  private static Transition hold(InRound round, HoldReason reason, String detail) {
    return Transition.to(
        new Held(reason, detail, round.round(), round.firstAttemptAt()),
        new HoldRound(reason, detail));
  }
}
