package dev.caravel.billing;

import static dev.caravel.billing.LifecycleSamples.NOW;
import static dev.caravel.billing.LifecycleSamples.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.LifecycleState.Held;
import dev.caravel.billing.LifecycleState.HoldReason;
import dev.caravel.billing.LifecycleState.InRound;
import dev.caravel.billing.LifecycleState.Open;
import dev.caravel.billing.LifecycleState.Paid;
import dev.caravel.billing.LifecycleState.Resuming;
import dev.caravel.billing.LifecycleState.Voided;
import dev.caravel.billing.LifecycleState.WrittenOff;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.StorageException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the storage holds (an invoice and its collection state) read as a lifecycle state. */
class InvoiceLifecycleDeriveTest {
  private static final Invoice OPEN_INVOICE =
      new Invoice(
          "INV-000001",
          Fixtures.ALICE,
          T0,
          T0.plus(Duration.ofDays(31)),
          1_000,
          "usd",
          T0,
          Optional.empty());
  private static final Set<String> NONE = Set.of();

  private static CollectionState state(
      int rounds,
      boolean roundOpen,
      Optional<Instant> next,
      Optional<Instant> leaseUntil,
      Optional<CollectionHold> hold) {
    return new CollectionState(
        rounds,
        roundOpen,
        rounds == 0 ? Optional.empty() : Optional.of(T0),
        next,
        leaseUntil,
        hold);
  }

  private static LifecycleState derive(Invoice invoice, CollectionState state) {
    return LifecycleState.derive(invoice, state, NONE, NOW);
  }

  @Test
  void aNewInvoiceIsOpenAndDueAtItsCreation() {
    CollectionState fresh = state(0, false, Optional.of(T0), Optional.empty(), Optional.empty());
    assertThat(derive(OPEN_INVOICE, fresh))
        .isEqualTo(new Open(0, Optional.empty(), Optional.of(T0)));
  }

  @Test
  void aFinishedRoundWithTheScheduleUsedUpIsOpenWithNothingDue() {
    CollectionState over = state(4, false, Optional.empty(), Optional.empty(), Optional.empty());
    assertThat(derive(OPEN_INVOICE, over))
        .isEqualTo(new Open(4, Optional.of(T0), Optional.empty()));
  }

  @Test
  void aLiveLeaseIsARoundWhoseRailsOnlyItsHolderKnows() {
    Instant until = NOW.plusSeconds(60);
    CollectionState leased =
        state(2, true, Optional.of(until), Optional.of(until), Optional.empty());
    assertThat(derive(OPEN_INVOICE, leased))
        .isEqualTo(new InRound(2, T0, true, List.of(), Optional.empty()));
  }

  @Test
  void aLapsedLeaseIsARoundToResumeWhenItRanOut() {
    CollectionState lapsed = state(2, true, Optional.of(NOW), Optional.of(NOW), Optional.empty());
    assertThat(derive(OPEN_INVOICE, lapsed)).isEqualTo(new Resuming(2, T0, NOW));
  }

  @Test
  void storedHoldsAreHolds() {
    CollectionState pending =
        state(
            2,
            false,
            Optional.empty(),
            Optional.empty(),
            Optional.of(new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_1")));
    CollectionState unknown =
        state(
            3,
            false,
            Optional.empty(),
            Optional.empty(),
            Optional.of(new CollectionHold(CollectionHold.Reason.OUTCOME_UNKNOWN, "sent, silent")));
    assertThat(derive(OPEN_INVOICE, pending))
        .isEqualTo(new Held(HoldReason.CHARGE_PENDING, "pi_1", 2, T0));
    assertThat(derive(OPEN_INVOICE, unknown))
        .isEqualTo(new Held(HoldReason.OUTCOME_UNKNOWN, "sent, silent", 3, T0));
  }

  @Test
  void aPaymentOrAClosureWinsOverWhatCollectionHolds() {
    Instant until = NOW.plusSeconds(60);
    CollectionState leased =
        state(1, true, Optional.of(until), Optional.of(until), Optional.empty());
    Invoice paid = OPEN_INVOICE.paidBy(new Payment(PaymentMethod.NWC, "lnbc1", NOW));
    Invoice voided =
        OPEN_INVOICE.closedBy(new Invoice.Closure(Invoice.Status.VOID, "mistake", NOW));
    Invoice writtenOff =
        OPEN_INVOICE.closedBy(new Invoice.Closure(Invoice.Status.UNCOLLECTIBLE, "gone", NOW));
    Set<String> late = Set.of("pi_late");
    assertThat(LifecycleState.derive(paid, leased, late, NOW)).isEqualTo(new Paid("lnbc1", late));
    assertThat(LifecycleState.derive(voided, leased, late, NOW)).isEqualTo(new Voided(late));
    assertThat(LifecycleState.derive(writtenOff, leased, late, NOW))
        .isEqualTo(new WrittenOff(late));
    Invoice carried =
        OPEN_INVOICE.closedBy(new Invoice.Closure(Invoice.Status.CARRIED, "below 50", NOW));
    assertThat(LifecycleState.derive(carried, leased, late, NOW))
        .isEqualTo(new LifecycleState.Carried(late));
  }

  @Test
  void aStoredStateThatContradictsItselfIsAStorageError() {
    CollectionState holdWithoutRound =
        new CollectionState(
            0,
            false,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.of(new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi_1")));
    CollectionState openRoundNeverResumed =
        state(2, true, Optional.empty(), Optional.empty(), Optional.empty());
    assertThatThrownBy(() -> derive(OPEN_INVOICE, holdWithoutRound))
        .isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> derive(OPEN_INVOICE, openRoundNeverResumed))
        .isInstanceOf(StorageException.class);
  }

  @Test
  void theMachineAndTheStoredLeaseAgreeOnWhenARoundIsDue() {
    // CollectionState.dueAt is what the storage's lease rule answers today; the machine must say
    // the same for every stored state, so the wiring can move the rule into core unchanged.
    Instant until = NOW.plusSeconds(60);
    List<CollectionState> stored =
        List.of(
            state(0, false, Optional.of(T0), Optional.empty(), Optional.empty()),
            state(1, false, Optional.of(NOW), Optional.empty(), Optional.empty()),
            state(1, false, Optional.of(NOW.plusSeconds(1)), Optional.empty(), Optional.empty()),
            state(4, false, Optional.empty(), Optional.empty(), Optional.empty()),
            state(2, true, Optional.of(until), Optional.of(until), Optional.empty()),
            state(2, true, Optional.of(NOW), Optional.of(NOW), Optional.empty()),
            state(2, true, Optional.of(until), Optional.empty(), Optional.empty()),
            state(
                2,
                false,
                Optional.empty(),
                Optional.empty(),
                Optional.of(new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, "pi"))));
    LifecycleEvent start = new LifecycleEvent.StartRound(NOW, Set.of(Rail.STRIPE));
    for (CollectionState s : stored) {
      boolean machineStarts =
          !LifecycleSamples.MACHINE.next(derive(OPEN_INVOICE, s), start).wasRefused();
      assertThat(machineStarts).as(s.toString()).isEqualTo(s.dueAt(NOW));
    }
  }
}
