package dev.caravel.billing.memory;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.AdjustmentWrite;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.RefundWrite;
import dev.caravel.billing.spi.StandingRead;
import dev.caravel.billing.spi.StandingVerdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Operations on a business: billing failures, adjustments, closing, refunds and standing. Part of
 * {@link InMemoryRepository}: it keeps nothing of its own and takes the one {@link
 * MemoryState#lock} around every read and write.
 */
final class MemoryOperations {
  private final MemoryState state;

  MemoryOperations(MemoryState state) {
    this.state = state;
  }

  void recordBillingFailure(BillingEvent failure, Instant retryAt) {
    Checks.notNull(failure, "failure");
    Checks.notNull(retryAt, "retryAt");
    synchronized (state.lock) {
      TenantRow row = state.tenants.get(failure.tenant());
      if (row != null) {
        state.moveDue(row, retryAt);
        row.takenUntil = null;
      }
      state.append(failure);
    }
  }

  AdjustmentWrite recordAdjustment(
      InvoiceItem adjustment, BillingEvent event, boolean anchorIfUnset) {
    Checks.notNull(adjustment, "adjustment");
    Checks.notNull(event, "event");
    if (!adjustment.isAdjustment() || adjustment.invoiceId().isPresent()) {
      throw new InvalidInputException("not an unclaimed adjustment: " + adjustment.id());
    }
    synchronized (state.lock) {
      InvoiceItem existing = state.items.get(adjustment.id());
      if (existing != null) {
        return new AdjustmentWrite.KeyTaken(existing);
      }
      TenantRow row = state.tenants.get(adjustment.tenant());
      if (row == null) {
        throw new InvalidInputException("no tenant " + adjustment.tenant());
      }
      state.insertItem(row, adjustment);
      if (anchorIfUnset && row.anchor == null) {
        row.anchor = adjustment.at();
      }
      if (row.anchor != null) {
        state.markDue(
            row); // the next poll claims it (S17); without an anchor there is no period yet
      }
      state.append(event);
      return new AdjustmentWrite.Recorded();
    }
  }

  List<Payment.Refund> refunds(String invoiceId) {
    synchronized (state.lock) {
      return state.refunds.values().stream().filter(r -> r.invoiceId().equals(invoiceId)).toList();
    }
  }

  Optional<Payment.Refund> findRefund(String key) {
    synchronized (state.lock) {
      return Optional.ofNullable(state.refunds.get(key));
    }
  }

  RefundWrite recordRefund(
      Payment.Refund refund,
      int refundsRead,
      Optional<InvoiceItem> credit,
      Optional<BillingEvent> event) {
    Checks.notNull(refund, "refund");
    Checks.notNull(credit, "credit");
    Checks.notNull(event, "event");
    synchronized (state.lock) {
      Payment.Refund existing = state.refunds.get(refund.key());
      if (existing != null) {
        return new RefundWrite.KeyTaken(existing);
      }
      if (!state.invoices.containsKey(refund.invoiceId())) {
        throw new InvalidInputException("no invoice " + refund.invoiceId());
      }
      // Refunds are never removed: the same count is the same refunds the engine decided from.
      if (refunds(refund.invoiceId()).size() != refundsRead) {
        return new RefundWrite.RefundsMoved();
      }
      if (credit.isPresent()) {
        TenantRow credited = state.tenants.get(credit.get().tenant());
        state.insertItem(credited, credit.get());
        state.markDue(credited); // the next poll claims it (S17)
      }
      state.refunds.put(refund.key(), refund);
      event.ifPresent(state::append);
      return new RefundWrite.Recorded();
    }
  }

  boolean moveRefund(Payment.Refund read, Payment.Refund moved, BillingEvent event) {
    Checks.notNull(event, "event");
    requireSameRefund(read, moved);
    synchronized (state.lock) {
      Payment.Refund stored = state.refunds.get(read.key());
      if (stored == null || stored.status() != read.status()) {
        return false;
      }
      state.refunds.put(read.key(), stored.withStatus(moved.status(), moved.reference()));
      state.append(event);
      return true;
    }
  }

  /** {@code moved} must be {@code read} with only its status and reference changed. */
  static void requireSameRefund(Payment.Refund read, Payment.Refund moved) {
    Checks.notNull(read, "read");
    Checks.notNull(moved, "moved");
    if (!read.withStatus(moved.status(), moved.reference()).equals(moved)) {
      throw new IllegalArgumentException(
          "a move changes a refund's status and reference only: " + read + " to " + moved);
    }
  }

  List<StandingRead> readStandings(List<String> tenants) {
    Checks.notNull(tenants, "tenants");
    synchronized (state.lock) {
      List<StandingRead> reads = new ArrayList<>();
      for (String tenant : new java.util.LinkedHashSet<>(tenants)) {
        TenantRow row = state.tenants.get(tenant);
        if (row == null) {
          continue;
        }
        List<CollectionState> open = new ArrayList<>();
        for (String id : row.invoiceIds) {
          InvoiceRow invoice = state.invoices.get(id);
          if (invoice.invoice.isOpen()) {
            open.add(MemoryState.stateOf(invoice));
          }
        }
        reads.add(new StandingRead(tenant, row.standing, row.standingRevision, open));
      }
      return reads;
    }
  }

  List<StandingVerdict> recordStandings(List<StandingVerdict> verdicts) {
    Checks.notNull(verdicts, "verdicts");
    StandingVerdict.requireOnePerTenant(verdicts);
    synchronized (state.lock) {
      List<StandingVerdict> recorded = new ArrayList<>();
      for (StandingVerdict verdict : verdicts) {
        TenantRow row = state.tenants.get(verdict.tenant());
        if (row == null || row.standingRevision != verdict.readRevision()) {
          continue;
        }
        row.standing = verdict.standing();
        row.standingCheckAt = verdict.recheckAt().orElse(null);
        row.standingRevision++;
        verdict.changed().ifPresent(state::append);
        recorded.add(verdict);
      }
      return recorded;
    }
  }

  List<String> standingChecksDue(Instant now, int limit) {
    synchronized (state.lock) {
      return state.tenants.values().stream()
          .filter(r -> r.standingCheckAt != null && !r.standingCheckAt.isAfter(now))
          .limit(limit)
          .map(r -> r.profile.pubkey())
          .toList();
    }
  }
}
