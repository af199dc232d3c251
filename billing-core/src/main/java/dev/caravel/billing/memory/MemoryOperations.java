package dev.caravel.billing.memory;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.ConflictingKeyException;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.Standing;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.StandingRule;
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

  boolean recordAdjustment(InvoiceItem adjustment, boolean anchorIfUnset) {
    Checks.notNull(adjustment, "adjustment");
    if (!adjustment.isAdjustment() || adjustment.invoiceId().isPresent()) {
      throw new InvalidInputException("not an unclaimed adjustment: " + adjustment.id());
    }
    synchronized (state.lock) {
      InvoiceItem existing = state.items.get(adjustment.id());
      if (existing != null) {
        if (existing.sameAdjustment(adjustment)) {
          return false;
        }
        throw new ConflictingKeyException(
            "adjustment key "
                + adjustment.adjustmentKey().get()
                + " was used already for another adjustment");
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
      state.append(BillingEvent.adjusted(adjustment));
      return true;
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

  Payment.Refund recordRefund(Payment.Refund refund) {
    Checks.notNull(refund, "refund");
    synchronized (state.lock) {
      Payment.Refund existing = state.refunds.get(refund.key());
      if (existing != null) {
        return existing;
      }
      InvoiceRow row = state.invoices.get(refund.invoiceId());
      if (row == null || !row.invoice.isPaid()) {
        throw new InvalidInputException("invoice " + refund.invoiceId() + " is not paid");
      }
      if (!row.invoice.tenant().equals(refund.tenant())) {
        throw new InvalidInputException("invoice " + refund.invoiceId() + " is another tenant's");
      }
      long refunded =
          Payment.Refund.takenFromPayment(
              state.refunds.values().stream()
                  .filter(r -> r.invoiceId().equals(refund.invoiceId()))
                  .toList());
      if (refunded + refund.amount() > row.invoice.total()) {
        throw new InvalidInputException(
            "invoice "
                + refund.invoiceId()
                + " has "
                + (row.invoice.total() - refunded)
                + " left to refund, not "
                + refund.amount());
      }
      if (refund.via() == Payment.Refund.Via.CREDIT) {
        TenantRow credited = state.tenants.get(refund.tenant());
        state.insertItem(credited, InvoiceItem.forRefundCredit(refund));
        state.markDue(credited); // the next poll claims it (S17)
      }
      state.refunds.put(refund.key(), refund);
      if (refund.status() != Payment.Refund.Status.PENDING) {
        state.append(BillingEvent.refund(refund, refund.at()));
      }
      return refund;
    }
  }

  boolean completeRefund(String key, String reference, Instant at) {
    Checks.text(reference, "refund reference");
    Checks.notNull(at, "at");
    synchronized (state.lock) {
      Payment.Refund r = state.refunds.get(key);
      if (r == null
          || (r.status() != Payment.Refund.Status.PENDING
              && r.status() != Payment.Refund.Status.OWED)) {
        return false;
      }
      Payment.Refund done = r.withStatus(Payment.Refund.Status.DONE, Optional.of(reference));
      state.refunds.put(key, done);
      state.append(BillingEvent.refund(done, at));
      return true;
    }
  }

  boolean failRefund(String key, String reason, Instant at) {
    Checks.text(reason, "refund failure");
    Checks.notNull(at, "at");
    synchronized (state.lock) {
      Payment.Refund r = state.refunds.get(key);
      if (r == null || r.status() != Payment.Refund.Status.PENDING) {
        return false;
      }
      Payment.Refund failed = r.withStatus(Payment.Refund.Status.FAILED, Optional.of(reason));
      state.refunds.put(key, failed);
      state.append(BillingEvent.refund(failed, at));
      return true;
    }
  }

  Optional<BillingEvent> refreshStanding(String tenant, Instant now, StandingRule rule) {
    Checks.notNull(now, "now");
    Checks.notNull(rule, "rule");
    synchronized (state.lock) {
      TenantRow row = state.tenants.get(tenant);
      if (row == null) {
        return Optional.empty();
      }
      List<CollectionState> open = new ArrayList<>();
      for (String id : row.invoiceIds) {
        InvoiceRow invoice = state.invoices.get(id);
        if (invoice.invoice.isOpen()) {
          open.add(MemoryState.stateOf(invoice));
        }
      }
      StandingRule.Verdict verdict = rule.judge(open, now);
      row.standingCheckAt = verdict.recheckAt().orElse(null);
      Standing before = row.standing;
      if (before == verdict.standing()) {
        return Optional.empty();
      }
      row.standing = verdict.standing();
      return Optional.of(
          state.append(BillingEvent.standingChanged(tenant, before, verdict.standing(), now)));
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
