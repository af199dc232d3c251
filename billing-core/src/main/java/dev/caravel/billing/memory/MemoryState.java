package dev.caravel.billing.memory;

import dev.caravel.billing.Activity;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.CouponRedemption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything {@link InMemoryRepository} keeps, and the few writes its parts share (due tracking,
 * items, standing checks, the event feed). Every field is read and written only under {@link
 * #lock}: the parts hold no state of their own.
 */
final class MemoryState {
  /**
   * The one lock: every part takes it around each of its reads and writes, so every method is
   * trivially atomic, across parts as within one.
   */
  final Object lock = new Object();

  final TreeMap<String, TenantRow> tenants = new TreeMap<>();
  final Map<String, InvoiceItem> items = new LinkedHashMap<>();
  final Map<String, InvoiceRow> invoices = new LinkedHashMap<>();
  final Map<String, Bolt11Request> bolt11s = new HashMap<>();
  final Map<String, CardCharge> cardCharges = new HashMap<>();
  final Map<String, Payment.Refund> refunds = new LinkedHashMap<>();

  /** The live BOLT11 requests not settled, by expiry: what is still worth asking the wallet. */
  final TreeSet<Bolt11Key> unsettledBolt11s = new TreeSet<>();

  /** Second payments recorded, as {@code invoice#reference}: each is reported once. */
  final Set<String> extraPayments = new HashSet<>();

  /** The durable feed: ids are positions + 1, appended under the one lock, so in commit order. */
  final List<BillingEvent> events = new ArrayList<>();

  /** The last invoice number drawn. */
  long invoiceNumber;

  /** The stored catalogue history (S15); null until seeded. */
  PlanCatalogue catalogue;

  /** Tenants by their next instant of work, so that taking the due ones costs what is due. */
  final TreeSet<DueKey> dueIndex = new TreeSet<>();

  /** "Due now": earlier than any instant a poll runs at. */
  static final Instant DUE_NOW = Instant.EPOCH;

  /** Bumped by every catalogue write, for {@link InMemoryRepository#catalogueVersion}. */
  long catalogueVersion;

  /** Activity ids are unique across tenants: an item's id is derived from its activity's alone. */
  final Map<String, Activity> activitiesById = new HashMap<>();

  /** Coupons by code, and their redemptions by key (S21), with each tenant's latest one's key. */
  final Map<String, PlanCatalogue.Coupon> coupons = new HashMap<>();

  final Map<String, CouponRedemption> redemptions = new HashMap<>();
  final Map<String, String> latestRedemption = new HashMap<>();

  /** The tenant's latest redemption, its coupon as stored and its uses. */
  Optional<CouponRedemption> latestRedemption(String tenant) {
    return Optional.ofNullable(latestRedemption.get(tenant)).map(redemptions::get);
  }

  // ---- due tracking (S17) ----

  /**
   * Makes the tenant due at once and ends any take of it: every write that adds work from outside a
   * poll (an activity, a manual adjustment) calls this, under the lock, so the next poll visits the
   * tenant even if one took it a moment ago.
   */
  void markDue(TenantRow row) {
    moveDue(row, DUE_NOW);
    row.takenUntil = null;
  }

  /**
   * Makes the tenant due at once, keeping any take: for the items a poll's own visit writes
   * (reconciliation, renewal), which that visit claims next.
   */
  void markDueKeepingTake(TenantRow row) {
    moveDue(row, DUE_NOW);
  }

  void moveDue(TenantRow row, Instant at) {
    if (row.dueAt != null) {
      dueIndex.remove(new DueKey(row.dueAt, row.profile.pubkey()));
    }
    row.dueAt = at;
    if (at != null) {
      dueIndex.add(new DueKey(at, row.profile.pubkey()));
    }
  }

  void insertItem(TenantRow row, InvoiceItem item) {
    if (items.putIfAbsent(item.id(), item) == null) {
      row.itemIds.add(item.id());
      if (item.invoiceId().isEmpty()) {
        row.unclaimedItemIds.add(item.id());
      }
    }
  }

  /**
   * A change that may move the tenant's standing makes its check due by {@code at}: if the engine's
   * refresh right after the change fails, the poll judges the tenant. It bumps the standing
   * revision too, so a verdict judged before the change is not recorded.
   */
  void checkStandingBy(InvoiceRow row, Instant at) {
    TenantRow tenant = tenants.get(row.invoice.tenant());
    tenant.standingRevision++;
    if (tenant.standingCheckAt == null || tenant.standingCheckAt.isAfter(at)) {
      tenant.standingCheckAt = at;
    }
  }

  BillingEvent append(BillingEvent event) {
    BillingEvent stored = event.withId(events.size() + 1L);
    events.add(stored);
    return stored;
  }

  static CollectionState stateOf(InvoiceRow row) {
    return new CollectionState(
        row.rounds,
        row.roundOpen,
        Optional.ofNullable(row.firstAttemptAt),
        Optional.ofNullable(row.nextAttemptAt),
        Optional.ofNullable(row.leaseUntil),
        Optional.ofNullable(row.hold));
  }
}
