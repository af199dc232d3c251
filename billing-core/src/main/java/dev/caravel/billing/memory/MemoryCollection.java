package dev.caravel.billing.memory;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.Payment;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.CollectionChange;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentEvents;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.RoundEnded;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Collection: leases, rounds, holds, payments, card charges and BOLT11 requests. Part of {@link
 * InMemoryRepository}: it keeps nothing of its own and takes the one {@link MemoryState#lock}
 * around every read and write.
 */
final class MemoryCollection {
  private final MemoryState state;

  MemoryCollection(MemoryState state) {
    this.state = state;
  }

  Optional<PaymentLease> acquireLease(String invoiceId, String owner, Instant now, Duration ttl) {
    Checks.text(owner, "lease owner");
    synchronized (state.lock) {
      InvoiceRow row = state.invoices.get(invoiceId);
      if (row == null || !row.dueAt(now)) {
        return Optional.empty();
      }
      boolean resumed = row.roundOpen;
      if (!resumed) {
        row.rounds++;
        row.roundOpen = true;
      }
      if (row.firstAttemptAt == null) {
        row.firstAttemptAt = now;
      }
      row.leaseToken = owner + "/" + UUID.randomUUID();
      row.leaseUntil = now.plus(ttl);
      // Should the holder die, the open round is due again when its lease runs out.
      row.nextAttemptAt = row.leaseUntil;
      return Optional.of(
          new PaymentLease(
              invoiceId, row.leaseToken, row.rounds, row.firstAttemptAt, row.leaseUntil, resumed));
    }
  }

  RoundEnded endRound(PaymentLease lease, RoundEnd end) {
    Checks.notNull(lease, "lease");
    Checks.notNull(end, "end");
    synchronized (state.lock) {
      if (end instanceof RoundEnd.Paid paid) {
        // The money first, whatever the lease; then the round, if the lease still holds. One lock
        // around both, so no other write comes between them.
        PaymentRecord recorded = markPaid(lease.invoiceId(), paid.payment(), paid.events());
        finish(lease, Optional.empty());
        return new RoundEnded.PaymentRecorded(recorded);
      }
      boolean held;
      if (end instanceof RoundEnd.Finished finished) {
        held = finish(lease, finished.nextAttemptAt());
      } else if (end instanceof RoundEnd.Held hold) {
        held = hold(lease, hold.hold(), hold.event());
      } else {
        held = leaveOpen(lease, ((RoundEnd.LeftOpen) end).nextAttemptAt());
      }
      return held ? new RoundEnded.Recorded() : new RoundEnded.LeaseLost();
    }
  }

  private boolean finish(PaymentLease lease, Optional<Instant> nextAttemptAt) {
    InvoiceRow row = heldBy(lease);
    if (row == null) {
      return false;
    }
    endRound(row);
    row.nextAttemptAt = row.invoice.isPaid() ? null : nextAttemptAt.orElse(null);
    state.checkStandingBy(row, lease.until());
    return true;
  }

  private boolean hold(PaymentLease lease, CollectionHold hold, BillingEvent event) {
    InvoiceRow row = heldBy(lease);
    if (row == null) {
      return false;
    }
    endRound(row);
    row.nextAttemptAt = null;
    row.hold = row.invoice.isPaid() ? null : hold;
    state.checkStandingBy(row, event.at());
    if (row.hold != null) {
      state.append(event);
    }
    return true;
  }

  private boolean leaveOpen(PaymentLease lease, Instant nextAttemptAt) {
    InvoiceRow row = heldBy(lease);
    if (row == null) {
      return false;
    }
    row.leaseToken = null;
    row.leaseUntil = null;
    row.nextAttemptAt = row.invoice.isPaid() ? null : nextAttemptAt;
    return true;
  }

  boolean changeCollection(String invoiceId, CollectionState expected, CollectionChange change) {
    Checks.notNull(expected, "expected");
    Checks.notNull(change, "change");
    synchronized (state.lock) {
      InvoiceRow row = state.invoices.get(invoiceId);
      // A compare-and-set on what the engine read: whether the change is allowed was its to decide.
      if (row == null || !row.invoice.isOpen() || !MemoryState.stateOf(row).equals(expected)) {
        return false;
      }
      row.hold = null;
      if (change instanceof CollectionChange.Reschedule reschedule) {
        row.nextAttemptAt = reschedule.nextAttemptAt().orElse(null);
        state.checkStandingBy(row, reschedule.at());
        return true;
      }
      CollectionChange.Close close = (CollectionChange.Close) change;
      row.invoice = row.invoice.closedBy(close.closure());
      row.nextAttemptAt = null;
      endRound(row);
      state.checkStandingBy(row, close.closure().at());
      state.append(close.event());
      return true;
    }
  }

  /**
   * The invoice's round is over and no lease holds it: what a finished, held or closed round share.
   */
  private static void endRound(InvoiceRow row) {
    row.roundOpen = false;
    row.leaseToken = null;
    row.leaseUntil = null;
  }

  private InvoiceRow heldBy(PaymentLease lease) {
    InvoiceRow row = state.invoices.get(lease.invoiceId());
    return row != null && lease.token().equals(row.leaseToken) ? row : null;
  }

  PaymentRecord markPaid(String invoiceId, Payment payment, PaymentEvents events) {
    Checks.notNull(payment, "payment");
    Checks.notNull(events, "events");
    synchronized (state.lock) {
      InvoiceRow row = state.invoices.get(invoiceId);
      if (row == null) {
        return PaymentRecord.NOTHING;
      }
      if (row.invoice.isOpen()) {
        // Compare-and-set on "open", under the one lock: the first payment to get here sets it.
        row.invoice = row.invoice.paidBy(payment);
        row.nextAttemptAt = null;
        row.hold = null;
        state.checkStandingBy(row, payment.paidAt());
        state.append(events.asPayment());
        return PaymentRecord.PAID;
      }
      boolean itsPayment =
          row.invoice.payment().map(p -> p.reference().equals(payment.reference())).orElse(false);
      if (itsPayment || !state.extraPayments.add(invoiceId + "#" + payment.reference())) {
        return PaymentRecord.NOTHING;
      }
      state.append(events.asSecondPayment());
      return PaymentRecord.SECOND_PAYMENT;
    }
  }

  CardCharge noteCardCharge(CardCharge charge) {
    Checks.notNull(charge, "card charge");
    synchronized (state.lock) {
      if (!state.invoices.containsKey(charge.invoiceId())) {
        throw new InvalidInputException("no invoice " + charge.invoiceId());
      }
      return state.cardCharges.computeIfAbsent(
          charge.invoiceId() + "#" + charge.round(), k -> charge);
    }
  }

  Optional<CardCharge> findCardCharge(String invoiceId, int round) {
    synchronized (state.lock) {
      return Optional.ofNullable(state.cardCharges.get(invoiceId + "#" + round));
    }
  }

  List<String> dueInvoices(Instant now, int limit) {
    synchronized (state.lock) {
      return state.invoices.values().stream()
          .filter(r -> r.dueAt(now))
          .sorted(
              java.util.Comparator.comparing((InvoiceRow r) -> r.nextAttemptAt)
                  .thenComparing(r -> r.invoice.id()))
          .limit(limit)
          .map(r -> r.invoice.id())
          .toList();
    }
  }

  Optional<Bolt11Request> findBolt11(String invoiceId) {
    synchronized (state.lock) {
      return Optional.ofNullable(state.bolt11s.get(invoiceId));
    }
  }

  Bolt11Request replaceBolt11(Bolt11Request fresh, Optional<String> expectedCurrent) {
    Checks.notNull(fresh, "bolt11 request");
    synchronized (state.lock) {
      if (!state.invoices.containsKey(fresh.invoiceId())) {
        throw new InvalidInputException("no invoice " + fresh.invoiceId());
      }
      Bolt11Request current = state.bolt11s.get(fresh.invoiceId());
      Optional<String> actual = Optional.ofNullable(current).map(Bolt11Request::bolt11);
      if (current != null && !actual.equals(expectedCurrent)) {
        return current;
      }
      state.bolt11s.put(fresh.invoiceId(), fresh);
      if (current != null) {
        state.unsettledBolt11s.remove(Bolt11Key.of(current));
      }
      if (!fresh.isSettled()) {
        state.unsettledBolt11s.add(Bolt11Key.of(fresh));
      }
      return fresh;
    }
  }

  void markBolt11Settled(String invoiceId, String bolt11, Instant at) {
    synchronized (state.lock) {
      Bolt11Request current = state.bolt11s.get(invoiceId);
      if (current != null && current.bolt11().equals(bolt11) && !current.isSettled()) {
        state.bolt11s.put(invoiceId, current.settled(at));
        state.unsettledBolt11s.remove(Bolt11Key.of(current));
      }
    }
  }

  List<Bolt11Request> unsettledBolt11sOfEndedInvoices(
      Instant expiringAfter, Optional<Bolt11Request> after, int limit) {
    Checks.notNull(expiringAfter, "expiringAfter");
    Checks.notNull(after, "after");
    List<Bolt11Request> found = new ArrayList<>();
    synchronized (state.lock) {
      var from =
          after.isPresent()
              ? state.unsettledBolt11s.tailSet(Bolt11Key.of(after.get()), false)
              : state.unsettledBolt11s.tailSet(new Bolt11Key(expiringAfter, ""), true);
      for (Bolt11Key key : from) {
        if (found.size() >= limit) {
          break;
        }
        if (key.expiresAt().isAfter(expiringAfter)
            && !state.invoices.get(key.invoiceId()).invoice.isOpen()) {
          found.add(state.bolt11s.get(key.invoiceId()));
        }
      }
    }
    return found;
  }
}
