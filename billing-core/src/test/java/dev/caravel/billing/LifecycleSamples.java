package dev.caravel.billing;

import static java.time.Duration.ofDays;
import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;

import dev.caravel.billing.InvoiceLifecycle.RetryTiming;
import dev.caravel.billing.LifecycleEvent.Bolt11Wanted;
import dev.caravel.billing.LifecycleEvent.CardDeclined;
import dev.caravel.billing.LifecycleEvent.ChargeFailed;
import dev.caravel.billing.LifecycleEvent.ChargePending;
import dev.caravel.billing.LifecycleEvent.ChargeUnknown;
import dev.caravel.billing.LifecycleEvent.Close;
import dev.caravel.billing.LifecycleEvent.Closing;
import dev.caravel.billing.LifecycleEvent.ConfigurationFault;
import dev.caravel.billing.LifecycleEvent.GiveUpRound;
import dev.caravel.billing.LifecycleEvent.NeedsCustomer;
import dev.caravel.billing.LifecycleEvent.NothingToCharge;
import dev.caravel.billing.LifecycleEvent.PaymentArrived;
import dev.caravel.billing.LifecycleEvent.RailCheck;
import dev.caravel.billing.LifecycleEvent.Refund;
import dev.caravel.billing.LifecycleEvent.RefusedBeforeSend;
import dev.caravel.billing.LifecycleEvent.Reopen;
import dev.caravel.billing.LifecycleEvent.RetryNow;
import dev.caravel.billing.LifecycleEvent.StartRound;
import dev.caravel.billing.LifecycleEvent.WalletFailed;
import dev.caravel.billing.LifecycleEvent.WalletSilent;
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
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * States and events of an invoice's life, on one timeline, shared by the lifecycle's tests. The
 * first round began at {@link #T0}; it is now {@link #NOW}, a day and a half later: round 1's
 * follow-up (T0 + 1 day) is past, round 2's (T0 + 3 days) is ahead.
 */
final class LifecycleSamples {
  static final Instant T0 = Instant.parse("2025-03-01T00:00:00Z");
  static final Instant NOW = Instant.parse("2025-03-02T12:00:00Z");
  static final RetryTiming TIMING =
      new RetryTiming(List.of(ofDays(1), ofDays(3), ofDays(7)), ofMinutes(5));
  static final InvoiceLifecycle MACHINE = new InvoiceLifecycle(TIMING);

  /** When round {@code n}'s follow-up is due on this timeline (n = 1..3). */
  static Optional<Instant> after(int round) {
    return Optional.of(T0.plus(List.of(ofDays(1), ofDays(3), ofDays(7)).get(round - 1)));
  }

  static final Instant RESUME = NOW.plus(ofMinutes(5));

  // ---- payments ----

  static final Payment CARD = new Payment(PaymentMethod.STRIPE, "pi_paid", NOW);
  static final Payment PENDING_CARD = new Payment(PaymentMethod.STRIPE, "pi_pending", NOW);
  static final Payment LATE_BOLT11 = new Payment(PaymentMethod.OOB, "lnbc_late", NOW);

  // ---- states ----

  static final Open FRESH = new Open(0, Optional.empty(), Optional.of(NOW));
  static final Open OPEN_DUE = new Open(1, Optional.of(T0), after(1));
  static final Open OPEN_NOT_DUE = new Open(2, Optional.of(T0), after(2));
  static final Open DUNNING_OVER = new Open(4, Optional.of(T0), Optional.empty());

  static final InRound ROUND_BOTH =
      new InRound(2, T0, false, List.of(Rail.NWC, Rail.STRIPE), Optional.empty());
  static final InRound ROUND_WALLET =
      new InRound(2, T0, false, List.of(Rail.NWC), Optional.empty());
  static final InRound ROUND_CARD =
      new InRound(
          2, T0, false, List.of(Rail.STRIPE), Optional.of(CustomerNotice.WALLET_NO_BALANCE));
  static final InRound LAST_ROUND_CARD =
      new InRound(4, T0, false, List.of(Rail.STRIPE), Optional.empty());

  /** A round seen from outside: read from storage, its rails unknown. */
  static final InRound ROUND_SEEN = new InRound(2, T0, true, List.of(), Optional.empty());

  static final Resuming RESUMING_DUE = new Resuming(2, T0, NOW);
  static final Resuming RESUMING_LATER = new Resuming(2, T0, RESUME);

  static final Held PENDING = new Held(HoldReason.CHARGE_PENDING, "pi_pending", 2, T0);
  static final Held UNKNOWN =
      new Held(HoldReason.OUTCOME_UNKNOWN, "charge sent a day ago, gateway silent", 2, T0);

  static final NeedsAttention FAULT =
      new NeedsAttention(
          AttentionReason.CONFIGURATION_FAULT, "resource_missing: No such customer", 2, T0);
  static final NeedsAttention REFUSED =
      new NeedsAttention(AttentionReason.REFUSED_BEFORE_SEND, "below the card minimum", 2, T0);

  static final Paid PAID = new Paid("pi_paid", Set.of());
  static final Voided VOIDED = new Voided(Set.of());
  static final WrittenOff WRITTEN_OFF = new WrittenOff(Set.of());
  static final Carried CARRIED = new Carried(Set.of());

  static final List<LifecycleState> STATES =
      List.of(
          FRESH,
          OPEN_DUE,
          OPEN_NOT_DUE,
          DUNNING_OVER,
          ROUND_BOTH,
          ROUND_WALLET,
          ROUND_CARD,
          LAST_ROUND_CARD,
          ROUND_SEEN,
          RESUMING_DUE,
          RESUMING_LATER,
          PENDING,
          UNKNOWN,
          FAULT,
          REFUSED,
          PAID,
          VOIDED,
          WRITTEN_OFF,
          CARRIED);

  // ---- events ----

  static final StartRound START_ALL = new StartRound(NOW, Set.of(Rail.NWC, Rail.STRIPE));
  static final StartRound START_CARD = new StartRound(NOW, Set.of(Rail.STRIPE));
  static final StartRound START_NONE = new StartRound(NOW, Set.of());

  static final WalletFailed WALLET_NO_FUNDS =
      new WalletFailed("INSUFFICIENT_BALANCE", "insufficient balance: 12 sats");
  static final WalletFailed WALLET_OTHER = new WalletFailed("OTHER", "no route found");
  static final WalletSilent SILENT_NEW = new WalletSilent("no reply in 30s", true, NOW);
  static final WalletSilent SILENT_AGAIN = new WalletSilent("no reply in 30s", false, NOW);
  static final CardDeclined DECLINED = new CardDeclined("card_declined: insufficient_funds");
  static final NeedsCustomer NEEDS_CUSTOMER =
      new NeedsCustomer("pi_3ds", "authentication_required");
  static final ChargePending CHARGE_PENDING = new ChargePending("pi_pending");
  static final ChargeUnknown UNKNOWN_IN_WINDOW =
      new ChargeUnknown("read timed out", NOW.minus(ofHours(1)), NOW);
  static final ChargeUnknown UNKNOWN_PAST_WINDOW =
      new ChargeUnknown("read timed out", NOW.minus(ofHours(23)), NOW);
  static final ConfigurationFault CARD_FAULT =
      new ConfigurationFault(Rail.STRIPE, "resource_missing: No such customer 'cus_1'");
  static final ConfigurationFault WALLET_FAULT =
      new ConfigurationFault(Rail.NWC, "the exchange rates are unavailable");
  static final RefusedBeforeSend BELOW_MINIMUM =
      new RefusedBeforeSend(Rail.STRIPE, "0.30 usd is below the card minimum of 0.50 usd");
  static final NothingToCharge NO_SAVED_CARD = new NothingToCharge(Rail.STRIPE);
  static final GiveUpRound GIVE_UP = new GiveUpRound("storage failed mid-round", NOW);

  static final PaymentArrived ARRIVED_CARD = new PaymentArrived(CARD);
  static final PaymentArrived ARRIVED_LATE = new PaymentArrived(LATE_BOLT11);

  static final ChargeFailed CHARGE_FAILED =
      new ChargeFailed("pi_pending", "payment_intent.payment_failed", NOW);
  static final ChargeFailed OTHER_CHARGE_FAILED =
      new ChargeFailed("pi_other", "payment_intent.canceled", NOW);

  static final RetryNow RETRY = new RetryNow(NOW);

  static final Reopen REOPEN = new Reopen(NOW, new RailCheck.NotAsked());
  static final Reopen REOPEN_CLEAR = new Reopen(NOW, new RailCheck.Clear());
  static final Reopen REOPEN_MAY_MOVE = new Reopen(NOW, new RailCheck.MayStillMove("processing"));
  static final Reopen REOPEN_MOVED = new Reopen(NOW, new RailCheck.MoneyMoved(CARD));

  static final Close VOID = close(Closing.VOID, new RailCheck.NotAsked());
  static final Close VOID_CLEAR = close(Closing.VOID, new RailCheck.Clear());
  static final Close VOID_MAY_MOVE = close(Closing.VOID, new RailCheck.MayStillMove("processing"));
  static final Close VOID_MOVED = close(Closing.VOID, new RailCheck.MoneyMoved(CARD));
  static final Close WRITE_OFF = close(Closing.WRITE_OFF, new RailCheck.NotAsked());
  static final Close WRITE_OFF_CLEAR = close(Closing.WRITE_OFF, new RailCheck.Clear());

  static final Bolt11Wanted BOLT11 = new Bolt11Wanted();
  static final Refund REFUND = new Refund();

  static final String CLOSE_REASON = "issued by mistake";

  static Close close(Closing kind, RailCheck rail) {
    return new Close(kind, CLOSE_REASON, NOW, rail);
  }

  /** Every sample event but those that carry money: what may happen when nobody pays. */
  static final List<LifecycleEvent> MONEYLESS_EVENTS =
      List.of(
          START_ALL,
          START_CARD,
          START_NONE,
          new StartRound(NOW.plus(ofDays(30)), Set.of(Rail.NWC, Rail.STRIPE)),
          WALLET_NO_FUNDS,
          WALLET_OTHER,
          SILENT_NEW,
          SILENT_AGAIN,
          DECLINED,
          NEEDS_CUSTOMER,
          CHARGE_PENDING,
          UNKNOWN_IN_WINDOW,
          UNKNOWN_PAST_WINDOW,
          CARD_FAULT,
          WALLET_FAULT,
          BELOW_MINIMUM,
          NO_SAVED_CARD,
          GIVE_UP,
          CHARGE_FAILED,
          OTHER_CHARGE_FAILED,
          RETRY,
          REOPEN,
          REOPEN_CLEAR,
          REOPEN_MAY_MOVE,
          VOID,
          VOID_CLEAR,
          VOID_MAY_MOVE,
          WRITE_OFF,
          WRITE_OFF_CLEAR,
          BOLT11,
          REFUND);

  private LifecycleSamples() {}
}
