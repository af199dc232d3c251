package dev.caravel.billing.memory;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CouponRedemption;
import dev.caravel.billing.spi.InvoiceNumbering;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.UnclaimedTotal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Ledger writes from a poll's visit: reconciliations, renewals and claims into invoices. Part of
 * {@link InMemoryRepository}: it keeps nothing of its own and takes the one {@link
 * MemoryState#lock} around every read and write.
 */
final class MemoryLedger {
  private final MemoryState state;

  MemoryLedger(MemoryState state) {
    this.state = state;
  }

  /**
   * After a claim of the tenant: its next work is the claim's period end if that follows its last
   * renewed period and nothing is left unbilled; otherwise it stays due (keeping its take, so that
   * the poll that took it does not spin on it).
   */
  private void refreshDueAfterClaim(TenantRow row, Claim claim) {
    // The mark's start (a trial's marks have one too, S20), the anchor's when nothing is renewed.
    Instant markStart = row.renewedThroughStart != null ? row.renewedThroughStart : row.anchor;
    boolean allBilled = row.billed.size() == row.activities.size();
    if (allBilled && claim.periodStart().equals(markStart)) {
      state.moveDue(row, claim.periodEnd());
      row.takenUntil = null;
    } else {
      state.moveDue(row, MemoryState.DUE_NOW);
    }
  }

  int recordReconciliations(List<Reconciliation> reconciliations, OptionalLong pricedWith) {
    synchronized (state.lock) {
      if (catalogueMoved(pricedWith)) {
        return 0;
      }
      // Check the whole batch first: a bad entry refuses all of it, as a rolled-back transaction
      // would.
      for (Reconciliation r : reconciliations) {
        TenantRow row = state.tenants.get(r.tenant());
        if (row == null || !row.activitiesById.containsKey(r.activityId())) {
          throw new InvalidInputException(
              "no activity " + r.activityId() + " for tenant " + r.tenant());
        }
      }
      int applied = 0;
      for (Reconciliation r : reconciliations) {
        TenantRow row = state.tenants.get(r.tenant());
        if (!row.billed.add(r.activityId())) {
          continue;
        }
        r.item()
            .ifPresent(
                item -> {
                  state.insertItem(row, item);
                  state.markDueKeepingTake(row);
                });
        applied++;
      }
      return applied;
    }
  }

  /** Under the lock: items priced by a catalogue older than the stored one are refused (S15). */
  private boolean catalogueMoved(OptionalLong pricedWith) {
    return pricedWith.isPresent() && pricedWith.getAsLong() != state.catalogueVersion;
  }

  int applyRenewals(List<Renewal> renewals, OptionalLong pricedWith) {
    synchronized (state.lock) {
      if (catalogueMoved(pricedWith)) {
        return 0;
      }
      int applied = 0;
      for (Renewal renewal : renewals) {
        TenantRow row = state.tenants.get(renewal.tenant());
        if (row == null
            || row.renewedThrough != renewal.period() - 1
            || row.activities.size() != renewal.logSize()) {
          continue;
        }
        renewal.items().forEach(item -> state.insertItem(row, item));
        if (!renewal.items().isEmpty()) {
          state.markDueKeepingTake(row);
        }
        row.renewedThrough = renewal.period();
        row.renewedThroughStart = renewal.periodStart();
        renewal.event().ifPresent(state::append);
        // The snapshot advances only over a fully billed log: an activity before its point would
        // otherwise never be reconciled.
        if (renewal.snapshot().isPresent() && row.billed.size() == row.activities.size()) {
          int index = row.snapshotIndex;
          while (index < row.activities.size()
              && row.activities.get(index).at().isBefore(renewal.periodStart())) {
            index++;
          }
          row.snapshotIndex = index;
          row.snapshotPeriod = renewal.period();
          row.snapshot = renewal.snapshot().get();
        }
        applied++;
      }
      return applied;
    }
  }

  List<UnclaimedTotal> unclaimedTotals(List<String> tenants) {
    synchronized (state.lock) {
      List<UnclaimedTotal> out = new ArrayList<>();
      for (String tenant : new LinkedHashSet<>(tenants)) {
        TenantRow row = state.tenants.get(tenant);
        out.add(row == null ? UnclaimedTotal.none(tenant) : unclaimed(state, row));
      }
      return out;
    }
  }

  /** A tenant's unclaimed items summed and counted; the caller holds the state's lock. */
  static UnclaimedTotal unclaimed(MemoryState state, TenantRow row) {
    BigInteger total = BigInteger.ZERO;
    int count = 0;
    for (String id : row.unclaimedItemIds) {
      total = total.add(BigInteger.valueOf(state.items.get(id).amount()));
      count++;
    }
    return new UnclaimedTotal(row.profile.pubkey(), total, count);
  }

  List<Invoice> claim(List<Claim> claims, InvoiceNumbering numbering) {
    Checks.notNull(numbering, "numbering");
    synchronized (state.lock) {
      // Plan the whole batch first, so a bad id refuses all of it (and gives its numbers back), as
      // a rolled-back transaction would.
      List<Invoice> created = new ArrayList<>();
      Set<String> tenantsClaimed = new HashSet<>();
      Map<TenantRow, Claim> visited = new LinkedHashMap<>();
      List<TenantRow> moved = new ArrayList<>();
      List<Claim> making = new ArrayList<>();
      long number = state.invoiceNumber;
      for (Claim claim : claims) {
        TenantRow row = state.tenants.get(claim.tenant());
        if (row == null || !tenantsClaimed.add(claim.tenant())) {
          continue;
        }
        if (!unclaimed(state, row).equals(claim.read()) || !sameRedemption(claim)) {
          moved.add(row);
          continue;
        }
        visited.put(row, claim);
        if (!claim.invoice()) {
          continue;
        }
        String invoiceId = Checks.id(numbering.id(++number, claim), "invoice id");
        if (state.invoices.containsKey(invoiceId)
            || created.stream().anyMatch(i -> i.id().equals(invoiceId))) {
          throw new InvalidInputException("invoice id " + invoiceId + " is taken");
        }
        created.add(
            new Invoice(
                invoiceId,
                claim.tenant(),
                claim.periodStart(),
                claim.periodEnd(),
                claim.total(),
                claim.currency(),
                claim.createdAt(),
                Optional.empty(),
                claim.closure(),
                claim.tax()));
        making.add(claim);
      }
      state.invoiceNumber = number;
      for (int k = 0; k < created.size(); k++) {
        Invoice invoice = created.get(k);
        Claim claim = making.get(k);
        TenantRow tenant = state.tenants.get(invoice.tenant());
        InvoiceRow invoiceRow = new InvoiceRow(invoice);
        // A carried invoice (S25) is closed: never due, never collected.
        invoiceRow.nextAttemptAt = invoice.isCarried() ? null : invoice.createdAt();
        for (String id : tenant.unclaimedItemIds) {
          state.items.put(id, state.items.get(id).onInvoice(invoice.id()));
          invoiceRow.itemIds.add(id);
        }
        tenant.unclaimedItemIds.clear();
        claim
            .discountItem(invoice.id())
            .ifPresent(item -> useCoupon(claim, tenant, invoiceRow, item));
        state.invoices.put(invoice.id(), invoiceRow);
        tenant.invoiceIds.add(invoice.id());
        Optional<InvoiceItem> carried = claim.carriedItem(invoice.id());
        if (carried.isPresent()) {
          state.insertItem(tenant, carried.get());
          state.append(BillingEvent.carried(invoice, carried.get()));
        } else {
          state.append(BillingEvent.invoiceCreated(invoice));
        }
        claim.settledAtOnce().ifPresent(payment -> settle(invoiceRow, payment));
        created.set(k, invoiceRow.invoice);
      }
      visited.forEach(this::refreshDueAfterClaim);
      moved.forEach(state::markDueKeepingTake);
      return created;
    }
  }

  /**
   * Whether the tenant's latest redemption is still the one the claim's discount was decided from
   * (S21), uses and all; a claim without a discount checks nothing. Under the lock.
   */
  private boolean sameRedemption(Claim claim) {
    return claim
        .discount()
        .map(
            d ->
                state
                    .latestRedemption(claim.tenant())
                    .map(r -> r.key().equals(d.redemptionKey()) && r.uses() == d.usesRead())
                    .orElse(false))
        .orElse(true);
  }

  /** The discount's item on the invoice, and one more use of the redemption. Under the lock. */
  private void useCoupon(Claim claim, TenantRow tenant, InvoiceRow invoiceRow, InvoiceItem item) {
    state.insertItem(tenant, item);
    invoiceRow.itemIds.add(item.id());
    CouponRedemption used = state.redemptions.get(claim.discount().orElseThrow().redemptionKey());
    state.redemptions.put(
        used.key(),
        new CouponRedemption(
            used.key(), used.tenant(), used.coupon(), used.redeemedAt(), used.uses() + 1));
  }

  /** An invoice a discount left nothing to pay is paid as it is made: never due. Under the lock. */
  private void settle(InvoiceRow invoiceRow, Payment payment) {
    invoiceRow.invoice = invoiceRow.invoice.paidBy(payment);
    invoiceRow.nextAttemptAt = null;
    state.append(BillingEvent.paid(invoiceRow.invoice, payment));
  }
}
