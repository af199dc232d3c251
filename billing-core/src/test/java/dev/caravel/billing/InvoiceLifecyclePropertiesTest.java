package dev.caravel.billing;

import static dev.caravel.billing.LifecycleSamples.MACHINE;
import static dev.caravel.billing.LifecycleSamples.MONEYLESS_EVENTS;
import static dev.caravel.billing.LifecycleSamples.NOW;
import static dev.caravel.billing.LifecycleSamples.STATES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.InvoiceLifecycle.Transition;
import dev.caravel.billing.LifecycleEffect.RecordPayment;
import dev.caravel.billing.LifecycleEffect.Refuse;
import dev.caravel.billing.LifecycleEffect.ReportRefundNeeded;
import dev.caravel.billing.LifecycleEvent.Close;
import dev.caravel.billing.LifecycleEvent.Closing;
import dev.caravel.billing.LifecycleEvent.PaymentArrived;
import dev.caravel.billing.LifecycleEvent.RailCheck;
import dev.caravel.billing.LifecycleEvent.Reopen;
import dev.caravel.billing.LifecycleState.Open;
import dev.caravel.billing.LifecycleState.Paid;
import dev.caravel.billing.LifecycleState.Resuming;
import dev.caravel.billing.LifecycleState.Voided;
import dev.caravel.billing.LifecycleState.WrittenOff;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The invariants DESIGN asks of an invoice's life (S18), checked over every state the sample states
 * reach, not only the table's rows: every state has a way out without anyone paying; money is the
 * one payment or one refund report; the same late payment twice is reported once; a refusal changes
 * nothing; and random histories pay at most once and never reopen an ended invoice.
 */
class InvoiceLifecyclePropertiesTest {

  private static final Set<LifecycleState> REACHABLE = explore();

  /** The sample states and every state they reach by up to three moneyless events. */
  static Set<LifecycleState> reachable() {
    return REACHABLE;
  }

  private static Set<LifecycleState> explore() {
    Set<LifecycleState> seen = new LinkedHashSet<>(STATES);
    List<LifecycleState> frontier = new ArrayList<>(STATES);
    for (int depth = 0; depth < 3; depth++) {
      List<LifecycleState> nextFrontier = new ArrayList<>();
      for (LifecycleState s : frontier) {
        for (LifecycleEvent e : MONEYLESS_EVENTS) {
          Optional<Transition> t = step(s, e);
          if (t.isPresent() && seen.add(t.get().state())) {
            nextFrontier.add(t.get().state());
          }
        }
      }
      frontier = nextFrontier;
    }
    return seen;
  }

  /** The transition, or empty for a round outcome the state's round is not waiting for (a bug). */
  static Optional<Transition> step(LifecycleState state, LifecycleEvent event) {
    try {
      return Optional.of(MACHINE.next(state, event));
    } catch (IllegalStateException notThisRoundsRail) {
      return Optional.empty();
    }
  }

  /**
   * Whether some moneyless history of at most {@code depth} events from {@code from} reaches it.
   */
  static boolean reaches(LifecycleState from, Predicate<LifecycleState> goal, int depth) {
    return reaches(from, goal, depth, MONEYLESS_EVENTS);
  }

  static boolean reaches(
      LifecycleState from,
      Predicate<LifecycleState> goal,
      int depth,
      List<LifecycleEvent> alphabet) {
    Set<LifecycleState> seen = new HashSet<>(Set.of(from));
    Deque<LifecycleState> level = new ArrayDeque<>(List.of(from));
    for (int d = 0; d <= depth; d++) {
      Deque<LifecycleState> next = new ArrayDeque<>();
      for (LifecycleState s : level) {
        if (goal.test(s)) {
          return true;
        }
        for (LifecycleEvent e : alphabet) {
          step(s, e).map(Transition::state).filter(seen::add).ifPresent(next::add);
        }
      }
      level = next;
    }
    return false;
  }

  static boolean endedOrScheduled(LifecycleState s) {
    return s.isEnded()
        || s instanceof Resuming
        || (s instanceof Open open && open.dueAt().isPresent());
  }

  @Test
  void everyStateReachesAnEndOrAScheduledRoundWithoutMoney() {
    List<LifecycleState> stuck =
        reachable().stream()
            .filter(s -> !reaches(s, InvoiceLifecyclePropertiesTest::endedOrScheduled, 3))
            .toList();
    assertThat(stuck).as("states with no way out (S18)").isEmpty();
  }

  @Test
  void everyUnpaidStateCanBeVoidedAndWrittenOff() {
    List<LifecycleState> unclosable =
        reachable().stream()
            .filter(s -> !s.isEnded())
            .filter(
                s ->
                    !reaches(s, Voided.class::isInstance, 3)
                        || !reaches(s, WrittenOff.class::isInstance, 3))
            .toList();
    assertThat(unclosable).isEmpty();
  }

  @Test
  void everyUnpaidStateCanBeCollectedAgainWithoutClosingIt() {
    // A hold, a Failed outcome, a refused charge, a finished dunning: a person or the rail can
    // always bring the invoice back to a round, without voiding it (issue 21, defects 2 and 13).
    List<LifecycleEvent> keepingIt =
        MONEYLESS_EVENTS.stream().filter(e -> !(e instanceof Close)).toList();
    List<LifecycleState> lost =
        reachable().stream()
            .filter(s -> !s.isEnded())
            .filter(s -> !reaches(s, LifecycleState.InRound.class::isInstance, 3, keepingIt))
            .toList();
    assertThat(lost).isEmpty();
  }

  @Test
  void aPaymentWithANewReferenceIsThePaymentOrOneRefundReportInEveryState() {
    Payment money = new Payment(PaymentMethod.OOB, "lnbc_new", NOW);
    List<LifecycleEvent> deliveries =
        List.of(
            new PaymentArrived(money),
            new Close(Closing.VOID, "mistake", NOW, new RailCheck.MoneyMoved(money)),
            new Close(Closing.WRITE_OFF, "gone", NOW, new RailCheck.MoneyMoved(money)),
            new Reopen(NOW, new RailCheck.MoneyMoved(money)));
    for (LifecycleState state : reachable()) {
      for (LifecycleEvent delivery : deliveries) {
        Transition t = MACHINE.next(state, delivery);
        long recorded = count(t, RecordPayment.class);
        long reported = count(t, ReportRefundNeeded.class);
        String where = state + " <- " + delivery;
        assertThat(recorded + reported).as(where).isEqualTo(1);
        assertThat(reported).as(where).isEqualTo(state.isEnded() ? 1 : 0);
        assertThat(t.state().isEnded()).as(where).isTrue();
        if (!state.isEnded()) {
          assertThat(t.state()).as(where).isEqualTo(new Paid("lnbc_new", Set.of()));
        }
      }
    }
  }

  @Test
  void theSameLatePaymentDeliveredTwiceIsReportedOnce() {
    Payment late = new Payment(PaymentMethod.STRIPE, "pi_after_void", NOW);
    for (LifecycleState state : reachable()) {
      LifecycleState s = state;
      long recorded = 0;
      long reported = 0;
      for (int delivery = 0; delivery < 3; delivery++) {
        Transition t = MACHINE.next(s, new PaymentArrived(late));
        recorded += count(t, RecordPayment.class);
        reported += count(t, ReportRefundNeeded.class);
        s = t.state();
      }
      assertThat(recorded + reported).as(state.toString()).isEqualTo(1);
    }
  }

  @Test
  void theOnePaymentSeenAgainReportsNothing() {
    Paid paid = new Paid("pi_paid", Set.of());
    Transition again = MACHINE.next(paid, new PaymentArrived(LifecycleSamples.CARD));
    assertThat(again.effects()).isEmpty();
    assertThat(again.state()).isEqualTo(paid);
  }

  @Test
  void aRefusalChangesNothing() {
    for (LifecycleState state : reachable()) {
      for (LifecycleEvent event : MONEYLESS_EVENTS) {
        Optional<Transition> t = step(state, event);
        if (t.isPresent() && t.get().wasRefused()) {
          assertThat(t.get().state()).as(state + " <- " + event).isEqualTo(state);
          assertThat(t.get().effects()).as(state + " <- " + event).hasSize(1);
          assertThat(t.get().effects().get(0)).isInstanceOf(Refuse.class);
        }
      }
    }
  }

  @Test
  void randomHistoriesPayAtMostOnceAndNeverReopenAnEndedInvoice() {
    Random random = new Random(21);
    List<LifecycleEvent> alphabet = new ArrayList<>(MONEYLESS_EVENTS);
    for (String reference : List.of("pi_a", "pi_b", "lnbc_c")) {
      Payment money = new Payment(PaymentMethod.STRIPE, reference, NOW);
      alphabet.add(new PaymentArrived(money));
      alphabet.add(new Close(Closing.VOID, "mistake", NOW, new RailCheck.MoneyMoved(money)));
      alphabet.add(new Reopen(NOW, new RailCheck.MoneyMoved(money)));
    }
    // Checked by hand, not with an assertion per step: 80,000 steps stay fast.
    List<String> violations = new ArrayList<>();
    for (int walk = 0; walk < 2_000; walk++) {
      LifecycleState s = STATES.get(random.nextInt(STATES.size()));
      int payments = 0;
      Set<String> reportedRefs = new HashSet<>();
      for (int i = 0; i < 40; i++) {
        LifecycleEvent event = alphabet.get(random.nextInt(alphabet.size()));
        Optional<Transition> t = step(s, event);
        if (t.isEmpty()) {
          continue;
        }
        LifecycleState after = t.get().state();
        for (LifecycleEffect effect : t.get().effects()) {
          if (effect instanceof RecordPayment) {
            payments++;
          }
          if (effect instanceof ReportRefundNeeded r && !reportedRefs.add(r.late().reference())) {
            violations.add("walk " + walk + ": reported twice: " + r.late().reference());
          }
        }
        if (s.isEnded() && after.getClass() != s.getClass()) {
          violations.add("walk " + walk + ": an ended invoice moved: " + s + " -> " + after);
        }
        if (s instanceof Paid before
            && after instanceof Paid paid
            && !paid.reference().equals(before.reference())) {
          violations.add("walk " + walk + ": the payment changed: " + s + " -> " + after);
        }
        if (after instanceof Paid paid && reportedRefs.contains(paid.reference())) {
          violations.add("walk " + walk + ": the payment was reported as a refund: " + after);
        }
        s = after;
      }
      if (payments > 1) {
        violations.add("walk " + walk + ": " + payments + " payments recorded");
      }
    }
    assertThat(violations).isEmpty();
  }

  private static long count(Transition t, Class<? extends LifecycleEffect> kind) {
    return t.effects().stream().filter(kind::isInstance).count();
  }
}
