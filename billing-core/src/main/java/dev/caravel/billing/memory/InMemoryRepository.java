package dev.caravel.billing.memory;

import dev.caravel.billing.Activity;
import dev.caravel.billing.ActivityRejectedException;
import dev.caravel.billing.ActivityType;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Bolt11Request;
import dev.caravel.billing.ConflictingKeyException;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.PlanCatalogue.ChangeRejectedException;
import dev.caravel.billing.Standing;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.InvoiceNumbering;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.RelaySnapshot;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.StandingRule;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A thread-safe {@link Repository} in memory: the reference for the contract, for tests and for
 * single-process hosts that keep nothing. One lock guards everything, which makes every method
 * trivially atomic; it is not built for many millions of rows.
 */
public final class InMemoryRepository implements Repository {

  private static final class TenantRow {
    Tenant profile;
    Instant anchor;
    int renewedThrough;
    Instant renewedThroughStart;
    Instant lastAt;
    final List<Activity> activities = new ArrayList<>();
    final Map<String, Activity> activitiesById = new HashMap<>();
    final Set<String> billed = new HashSet<>();
    final Set<String> relays = new HashSet<>();
    final List<String> itemIds = new ArrayList<>();
    final List<String> invoiceIds = new ArrayList<>();
    Standing standing = Standing.GOOD;
    Instant standingCheckAt;

    /** The renewed period the snapshot is as of (0: none), and where the log's tail begins. */
    int snapshotPeriod;

    int snapshotIndex;
    List<RelaySnapshot> snapshot = List.of();

    /** The next instant of work (null: none), and until when a poll has taken the tenant. */
    Instant dueAt;

    Instant takenUntil;
    String takenBy;
    String takenInCycle;

    TenantRow(String pubkey) {
      profile = Tenant.of(pubkey);
    }
  }

  private static final class InvoiceRow {
    Invoice invoice;
    final List<String> itemIds = new ArrayList<>();
    int rounds;
    boolean roundOpen;
    Instant firstAttemptAt;
    Instant nextAttemptAt;
    String leaseToken;
    Instant leaseUntil;
    CollectionHold hold;

    InvoiceRow(Invoice invoice) {
      this.invoice = invoice;
    }

    boolean leasedAt(Instant now) {
      return leaseToken != null && leaseUntil.isAfter(now);
    }

    boolean dueAt(Instant now) {
      return invoice.isOpen()
          && nextAttemptAt != null
          && !nextAttemptAt.isAfter(now)
          && !leasedAt(now);
    }
  }

  private final Object lock = new Object();
  private final TreeMap<String, TenantRow> tenants = new TreeMap<>();
  private final Map<String, InvoiceItem> items = new LinkedHashMap<>();
  private final Map<String, InvoiceRow> invoices = new LinkedHashMap<>();
  private final Map<String, Bolt11Request> bolt11s = new HashMap<>();
  private final Map<String, CardCharge> cardCharges = new HashMap<>();
  private final Map<String, Payment.Refund> refunds = new LinkedHashMap<>();

  /** The live BOLT11 requests not settled, by expiry: what is still worth asking the wallet. */
  private final TreeSet<Bolt11Key> unsettledBolt11s = new TreeSet<>();

  private record Bolt11Key(Instant expiresAt, String invoiceId) implements Comparable<Bolt11Key> {
    static Bolt11Key of(Bolt11Request request) {
      return new Bolt11Key(request.expiresAt(), request.invoiceId());
    }

    @Override
    public int compareTo(Bolt11Key o) {
      int byTime = expiresAt.compareTo(o.expiresAt);
      return byTime != 0 ? byTime : invoiceId.compareTo(o.invoiceId);
    }
  }

  /** Second payments recorded, as {@code invoice#reference}: each is reported once. */
  private final Set<String> extraPayments = new HashSet<>();

  /** The durable feed: ids are positions + 1, appended under the one lock, so in commit order. */
  private final List<BillingEvent> events = new ArrayList<>();

  /** The last invoice number drawn. */
  private long invoiceNumber;

  /** The stored catalogue history (S15); null until seeded. */
  private PlanCatalogue catalogue;

  /** Tenants by their next instant of work, so that taking the due ones costs what is due. */
  private final TreeSet<DueKey> dueIndex = new TreeSet<>();

  private record DueKey(Instant at, String pubkey) implements Comparable<DueKey> {
    @Override
    public int compareTo(DueKey o) {
      int byTime = at.compareTo(o.at);
      return byTime != 0 ? byTime : pubkey.compareTo(o.pubkey);
    }
  }

  /** "Due now": earlier than any instant a poll runs at. */
  private static final Instant DUE_NOW = Instant.EPOCH;

  /** Bumped by every catalogue write, for {@link #catalogueVersion}. */
  private long catalogueVersion;

  /** Activity ids are unique across tenants: an item's id is derived from its activity's alone. */
  private final Map<String, Activity> activitiesById = new HashMap<>();

  @Override
  public void saveTenant(Tenant tenant) {
    Checks.notNull(tenant, "tenant");
    synchronized (lock) {
      tenants.computeIfAbsent(tenant.pubkey(), TenantRow::new).profile = tenant;
    }
  }

  @Override
  public Optional<Tenant> findTenant(String pubkey) {
    synchronized (lock) {
      TenantRow row = tenants.get(pubkey);
      return row == null ? Optional.empty() : Optional.of(row.profile);
    }
  }

  @Override
  public List<String> tenantPage(String after, int limit) {
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    synchronized (lock) {
      Map<String, TenantRow> tail = after == null ? tenants : tenants.tailMap(after, false);
      return tail.keySet().stream().limit(limit).toList();
    }
  }

  @Override
  public boolean appendActivity(Activity activity) {
    Checks.notNull(activity, "activity");
    synchronized (lock) {
      Activity existing = activitiesById.get(activity.id());
      if (existing != null) {
        if (existing.equals(activity)) {
          return false;
        }
        throw new ActivityRejectedException(
            ActivityRejectedException.Reason.CONFLICTING_ID,
            "activity " + activity.id() + " was recorded already with different content");
      }
      TenantRow row = tenants.get(activity.tenant());
      if (row != null) {
        if (row.lastAt != null && activity.at().isBefore(row.lastAt)) {
          throw new ActivityRejectedException(
              ActivityRejectedException.Reason.OUT_OF_ORDER,
              "activity "
                  + activity.id()
                  + " at "
                  + activity.at()
                  + " is before the tenant's latest activity at "
                  + row.lastAt);
        }
        if (row.anchor != null && activity.at().isBefore(row.anchor)) {
          // Only a charge sets an anchor before any activity (recordAdjustment): periods start
          // there, and an activity before it would belong to none.
          throw new ActivityRejectedException(
              ActivityRejectedException.Reason.OUT_OF_ORDER,
              "activity "
                  + activity.id()
                  + " at "
                  + activity.at()
                  + " is before the tenant's billing anchor at "
                  + row.anchor);
        }
        if (row.renewedThroughStart != null && activity.at().isBefore(row.renewedThroughStart)) {
          throw new ActivityRejectedException(
              ActivityRejectedException.Reason.PERIOD_ALREADY_BILLED,
              "activity "
                  + activity.id()
                  + " at "
                  + activity.at()
                  + " falls before "
                  + row.renewedThroughStart
                  + ", the start of a period already renewed");
        }
      }
      boolean relayExists = row != null && row.relays.contains(activity.relay());
      if (activity.type() == ActivityType.CREATE_RELAY && relayExists) {
        throw new ActivityRejectedException(
            ActivityRejectedException.Reason.RELAY_EXISTS,
            "relay " + activity.relay() + " already exists");
      }
      if (activity.type() != ActivityType.CREATE_RELAY && !relayExists) {
        throw new ActivityRejectedException(
            ActivityRejectedException.Reason.UNKNOWN_RELAY,
            "relay " + activity.relay() + " was never created");
      }
      if (row == null) {
        row = new TenantRow(activity.tenant());
        tenants.put(activity.tenant(), row);
      }
      if (row.anchor == null) {
        row.anchor = activity.at();
      }
      row.lastAt = activity.at();
      row.activities.add(activity);
      row.activitiesById.put(activity.id(), activity);
      activitiesById.put(activity.id(), activity);
      row.relays.add(activity.relay());
      markDue(row);
      return true;
    }
  }

  // ---- due tracking (S17) ----

  /**
   * Makes the tenant due at once and ends any take of it: every write that adds work from outside a
   * poll (an activity, a manual adjustment) calls this, under the lock, so the next poll visits the
   * tenant even if one took it a moment ago.
   */
  private void markDue(TenantRow row) {
    moveDue(row, DUE_NOW);
    row.takenUntil = null;
  }

  /**
   * Makes the tenant due at once, keeping any take: for the items a poll's own visit writes
   * (reconciliation, renewal), which that visit claims next.
   */
  private void markDueKeepingTake(TenantRow row) {
    moveDue(row, DUE_NOW);
  }

  private void moveDue(TenantRow row, Instant at) {
    if (row.dueAt != null) {
      dueIndex.remove(new DueKey(row.dueAt, row.profile.pubkey()));
    }
    row.dueAt = at;
    if (at != null) {
      dueIndex.add(new DueKey(at, row.profile.pubkey()));
    }
  }

  /**
   * After a claim of the tenant: its next work is the claim's period end if that follows its last
   * renewed period and nothing is left unbilled; otherwise it stays due (keeping its take, so that
   * the poll that took it does not spin on it).
   */
  private void refreshDueAfterClaim(TenantRow row, Claim claim) {
    Instant markStart = row.renewedThrough > 0 ? row.renewedThroughStart : row.anchor;
    boolean allBilled = row.billed.size() == row.activities.size();
    if (allBilled && claim.periodStart().equals(markStart)) {
      moveDue(row, claim.periodEnd());
      row.takenUntil = null;
    } else {
      moveDue(row, DUE_NOW);
    }
  }

  @Override
  public List<String> takeDueTenants(
      String instance, String cycle, Instant now, Duration ttl, int limit) {
    Checks.text(instance, "instance");
    Checks.text(cycle, "cycle");
    Checks.notNull(now, "now");
    Checks.notNull(ttl, "ttl");
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    synchronized (lock) {
      List<String> taken = new ArrayList<>();
      for (DueKey key : dueIndex) {
        if (key.at().isAfter(now) || taken.size() == limit) {
          break;
        }
        TenantRow row = tenants.get(key.pubkey());
        boolean live = row.takenUntil != null && row.takenUntil.isAfter(now);
        if (live && !(instance.equals(row.takenBy) && !cycle.equals(row.takenInCycle))) {
          continue;
        }
        row.takenUntil = now.plus(ttl);
        row.takenBy = instance;
        row.takenInCycle = cycle;
        taken.add(key.pubkey());
      }
      return taken;
    }
  }

  @Override
  public List<TenantLedger> ledgers(List<String> pubkeys) {
    synchronized (lock) {
      List<TenantLedger> out = new ArrayList<>();
      for (String pubkey : pubkeys) {
        TenantRow row = tenants.get(pubkey);
        if (row != null) {
          // Only the tail after the snapshot point: a read costs the activity since the last
          // renewal, not the whole history.
          List<Activity> tail = row.activities.subList(row.snapshotIndex, row.activities.size());
          Set<String> billed = new HashSet<>();
          for (Activity a : tail) {
            if (row.billed.contains(a.id())) {
              billed.add(a.id());
            }
          }
          out.add(
              new TenantLedger(
                  pubkey,
                  Optional.ofNullable(row.anchor),
                  row.renewedThrough,
                  row.snapshotPeriod,
                  row.snapshot,
                  row.activities.size(),
                  tail,
                  billed));
        }
      }
      return out;
    }
  }

  @Override
  public int recordReconciliations(List<Reconciliation> reconciliations, OptionalLong pricedWith) {
    synchronized (lock) {
      if (catalogueMoved(pricedWith)) {
        return 0;
      }
      // Check the whole batch first: a bad entry refuses all of it, as a rolled-back transaction
      // would.
      for (Reconciliation r : reconciliations) {
        TenantRow row = tenants.get(r.tenant());
        if (row == null || !row.activitiesById.containsKey(r.activityId())) {
          throw new InvalidInputException(
              "no activity " + r.activityId() + " for tenant " + r.tenant());
        }
      }
      int applied = 0;
      for (Reconciliation r : reconciliations) {
        TenantRow row = tenants.get(r.tenant());
        if (!row.billed.add(r.activityId())) {
          continue;
        }
        r.item()
            .ifPresent(
                item -> {
                  insertItem(row, item);
                  markDueKeepingTake(row);
                });
        applied++;
      }
      return applied;
    }
  }

  /** Under the lock: items priced by a catalogue older than the stored one are refused (S15). */
  private boolean catalogueMoved(OptionalLong pricedWith) {
    return pricedWith.isPresent() && pricedWith.getAsLong() != catalogueVersion;
  }

  private void insertItem(TenantRow row, InvoiceItem item) {
    if (items.putIfAbsent(item.id(), item) == null) {
      row.itemIds.add(item.id());
    }
  }

  @Override
  public int applyRenewals(List<Renewal> renewals, OptionalLong pricedWith) {
    synchronized (lock) {
      if (catalogueMoved(pricedWith)) {
        return 0;
      }
      int applied = 0;
      for (Renewal renewal : renewals) {
        TenantRow row = tenants.get(renewal.tenant());
        if (row == null
            || row.renewedThrough != renewal.period() - 1
            || row.activities.size() != renewal.logSize()) {
          continue;
        }
        renewal.items().forEach(item -> insertItem(row, item));
        if (!renewal.items().isEmpty()) {
          markDueKeepingTake(row);
        }
        row.renewedThrough = renewal.period();
        row.renewedThroughStart = renewal.periodStart();
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

  @Override
  public List<Invoice> claim(List<Claim> claims, InvoiceNumbering numbering) {
    Checks.notNull(numbering, "numbering");
    synchronized (lock) {
      // Plan the whole batch first, so a bad id refuses all of it (and gives its numbers back), as
      // a rolled-back transaction would.
      Map<String, List<String>> claimedItems = new LinkedHashMap<>();
      List<Invoice> created = new ArrayList<>();
      Set<String> tenantsClaimed = new HashSet<>();
      Map<TenantRow, Claim> dueAfter = new LinkedHashMap<>();
      long number = invoiceNumber;
      for (Claim claim : claims) {
        TenantRow row = tenants.get(claim.tenant());
        if (row == null || !tenantsClaimed.add(claim.tenant())) {
          continue;
        }
        dueAfter.put(row, claim);
        List<String> unclaimed =
            row.itemIds.stream().filter(id -> items.get(id).invoiceId().isEmpty()).toList();
        long total = 0;
        try {
          for (String id : unclaimed) {
            total = Math.addExact(total, items.get(id).amount());
          }
        } catch (ArithmeticException e) {
          // Refused whole, as billing-jdbc does: no invoice total is beyond a long.
          throw new InvalidInputException(
              "tenant " + claim.tenant() + " owes more than a long holds");
        }
        if (total <= 0) {
          continue;
        }
        String invoiceId = Checks.id(numbering.id(++number, claim), "invoice id");
        if (invoices.containsKey(invoiceId) || claimedItems.containsKey(invoiceId)) {
          throw new InvalidInputException("invoice id " + invoiceId + " is taken");
        }
        claimedItems.put(invoiceId, unclaimed);
        created.add(
            new Invoice(
                invoiceId,
                claim.tenant(),
                claim.periodStart(),
                claim.periodEnd(),
                total,
                claim.currency(),
                claim.createdAt(),
                Optional.empty()));
      }
      invoiceNumber = number;
      for (Invoice invoice : created) {
        InvoiceRow invoiceRow = new InvoiceRow(invoice);
        invoiceRow.nextAttemptAt = invoice.createdAt();
        for (String id : claimedItems.get(invoice.id())) {
          items.put(id, items.get(id).onInvoice(invoice.id()));
          invoiceRow.itemIds.add(id);
        }
        invoices.put(invoice.id(), invoiceRow);
        tenants.get(invoice.tenant()).invoiceIds.add(invoice.id());
        append(BillingEvent.invoiceCreated(invoice));
      }
      dueAfter.forEach(this::refreshDueAfterClaim);
      return created;
    }
  }

  /**
   * A change that may move the tenant's standing makes its check due by {@code at}: if the engine's
   * refresh right after the change fails, the poll judges the tenant.
   */
  private void checkStandingBy(InvoiceRow row, Instant at) {
    TenantRow tenant = tenants.get(row.invoice.tenant());
    if (tenant.standingCheckAt == null || tenant.standingCheckAt.isAfter(at)) {
      tenant.standingCheckAt = at;
    }
  }

  private BillingEvent append(BillingEvent event) {
    BillingEvent stored = event.withId(events.size() + 1L);
    events.add(stored);
    return stored;
  }

  // ---- adjustments, closing, refunds (S14) ----

  @Override
  public void recordBillingFailure(BillingEvent failure, Instant retryAt) {
    Checks.notNull(failure, "failure");
    Checks.notNull(retryAt, "retryAt");
    synchronized (lock) {
      TenantRow row = tenants.get(failure.tenant());
      if (row != null) {
        moveDue(row, retryAt);
        row.takenUntil = null;
      }
      append(failure);
    }
  }

  @Override
  public boolean recordAdjustment(InvoiceItem adjustment, boolean anchorIfUnset) {
    Checks.notNull(adjustment, "adjustment");
    if (!adjustment.isAdjustment() || adjustment.invoiceId().isPresent()) {
      throw new InvalidInputException("not an unclaimed adjustment: " + adjustment.id());
    }
    synchronized (lock) {
      InvoiceItem existing = items.get(adjustment.id());
      if (existing != null) {
        if (existing.sameAdjustment(adjustment)) {
          return false;
        }
        throw new ConflictingKeyException(
            "adjustment key "
                + adjustment.adjustmentKey().get()
                + " was used already for another adjustment");
      }
      TenantRow row = tenants.get(adjustment.tenant());
      if (row == null) {
        throw new InvalidInputException("no tenant " + adjustment.tenant());
      }
      insertItem(row, adjustment);
      if (anchorIfUnset && row.anchor == null) {
        row.anchor = adjustment.at();
      }
      if (row.anchor != null) {
        markDue(row); // the next poll claims it (S17); without an anchor there is no period yet
      }
      append(BillingEvent.adjusted(adjustment));
      return true;
    }
  }

  @Override
  public boolean closeInvoice(String invoiceId, Invoice.Closure closure) {
    Checks.notNull(closure, "closure");
    synchronized (lock) {
      InvoiceRow row = invoices.get(invoiceId);
      if (row == null
          || !row.invoice.isOpen()
          || row.leasedAt(closure.at())
          || row.roundOpen
          || moneyMayMove(row.hold)) {
        return false;
      }
      row.invoice = row.invoice.closedBy(closure);
      row.hold = null;
      row.nextAttemptAt = null;
      row.leaseToken = null;
      row.leaseUntil = null;
      checkStandingBy(row, closure.at());
      append(BillingEvent.closed(row.invoice));
      return true;
    }
  }

  @Override
  public List<Payment.Refund> refunds(String invoiceId) {
    synchronized (lock) {
      return refunds.values().stream().filter(r -> r.invoiceId().equals(invoiceId)).toList();
    }
  }

  @Override
  public Optional<Payment.Refund> findRefund(String key) {
    synchronized (lock) {
      return Optional.ofNullable(refunds.get(key));
    }
  }

  @Override
  public Payment.Refund recordRefund(Payment.Refund refund) {
    Checks.notNull(refund, "refund");
    synchronized (lock) {
      Payment.Refund existing = refunds.get(refund.key());
      if (existing != null) {
        return existing;
      }
      InvoiceRow row = invoices.get(refund.invoiceId());
      if (row == null || !row.invoice.isPaid()) {
        throw new InvalidInputException("invoice " + refund.invoiceId() + " is not paid");
      }
      if (!row.invoice.tenant().equals(refund.tenant())) {
        throw new InvalidInputException("invoice " + refund.invoiceId() + " is another tenant's");
      }
      long refunded =
          Payment.Refund.takenFromPayment(
              refunds.values().stream()
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
        TenantRow credited = tenants.get(refund.tenant());
        insertItem(credited, InvoiceItem.forRefundCredit(refund));
        markDue(credited); // the next poll claims it (S17)
      }
      refunds.put(refund.key(), refund);
      if (refund.status() != Payment.Refund.Status.PENDING) {
        append(BillingEvent.refund(refund, refund.at()));
      }
      return refund;
    }
  }

  @Override
  public boolean completeRefund(String key, String reference, Instant at) {
    Checks.text(reference, "refund reference");
    Checks.notNull(at, "at");
    synchronized (lock) {
      Payment.Refund r = refunds.get(key);
      if (r == null
          || (r.status() != Payment.Refund.Status.PENDING
              && r.status() != Payment.Refund.Status.OWED)) {
        return false;
      }
      Payment.Refund done = r.withStatus(Payment.Refund.Status.DONE, Optional.of(reference));
      refunds.put(key, done);
      append(BillingEvent.refund(done, at));
      return true;
    }
  }

  @Override
  public boolean failRefund(String key, String reason, Instant at) {
    Checks.text(reason, "refund failure");
    Checks.notNull(at, "at");
    synchronized (lock) {
      Payment.Refund r = refunds.get(key);
      if (r == null || r.status() != Payment.Refund.Status.PENDING) {
        return false;
      }
      Payment.Refund failed = r.withStatus(Payment.Refund.Status.FAILED, Optional.of(reason));
      refunds.put(key, failed);
      append(BillingEvent.refund(failed, at));
      return true;
    }
  }

  // ---- standing (S13) ----

  @Override
  public Optional<BillingEvent> refreshStanding(String tenant, Instant now, StandingRule rule) {
    Checks.notNull(now, "now");
    Checks.notNull(rule, "rule");
    synchronized (lock) {
      TenantRow row = tenants.get(tenant);
      if (row == null) {
        return Optional.empty();
      }
      List<CollectionState> open = new ArrayList<>();
      for (String id : row.invoiceIds) {
        InvoiceRow invoice = invoices.get(id);
        if (invoice.invoice.isOpen()) {
          open.add(stateOf(invoice));
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
          append(BillingEvent.standingChanged(tenant, before, verdict.standing(), now)));
    }
  }

  @Override
  public List<String> standingChecksDue(Instant now, int limit) {
    synchronized (lock) {
      return tenants.values().stream()
          .filter(r -> r.standingCheckAt != null && !r.standingCheckAt.isAfter(now))
          .limit(limit)
          .map(r -> r.profile.pubkey())
          .toList();
    }
  }

  // ---- the durable event feed (S16) ----

  @Override
  public List<BillingEvent> events(long afterId, int limit) {
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    synchronized (lock) {
      int from = (int) Math.min(Math.max(afterId, 0), events.size());
      return List.copyOf(events.subList(from, Math.min(events.size(), from + limit)));
    }
  }

  @Override
  public Optional<Invoice> findInvoice(String invoiceId) {
    synchronized (lock) {
      InvoiceRow row = invoices.get(invoiceId);
      return row == null ? Optional.empty() : Optional.of(row.invoice);
    }
  }

  @Override
  public List<Invoice> invoices(String tenant) {
    synchronized (lock) {
      TenantRow row = tenants.get(tenant);
      return row == null
          ? List.of()
          : row.invoiceIds.stream().map(id -> invoices.get(id).invoice).toList();
    }
  }

  @Override
  public List<InvoiceItem> items(String tenant) {
    synchronized (lock) {
      TenantRow row = tenants.get(tenant);
      return row == null ? List.of() : oldestFirst(row.itemIds);
    }
  }

  @Override
  public List<InvoiceItem> invoiceItems(String invoiceId) {
    synchronized (lock) {
      InvoiceRow row = invoices.get(invoiceId);
      return row == null ? List.of() : oldestFirst(row.itemIds);
    }
  }

  /** By time; items of the same instant keep the order they were written in (a stable sort). */
  private List<InvoiceItem> oldestFirst(List<String> ids) {
    return ids.stream()
        .map(items::get)
        .sorted(java.util.Comparator.comparing(InvoiceItem::at))
        .toList();
  }

  @Override
  public List<InvoiceItem> unclaimedItems(String tenant) {
    return items(tenant).stream().filter(i -> i.invoiceId().isEmpty()).toList();
  }

  @Override
  public Optional<CollectionState> collectionState(String invoiceId) {
    synchronized (lock) {
      InvoiceRow row = invoices.get(invoiceId);
      return row == null ? Optional.empty() : Optional.of(stateOf(row));
    }
  }

  private static CollectionState stateOf(InvoiceRow row) {
    return new CollectionState(
        row.rounds,
        row.roundOpen,
        Optional.ofNullable(row.firstAttemptAt),
        Optional.ofNullable(row.nextAttemptAt),
        Optional.ofNullable(row.leaseUntil),
        Optional.ofNullable(row.hold));
  }

  @Override
  public Optional<PaymentLease> acquireLease(
      String invoiceId, String owner, Instant now, Duration ttl) {
    Checks.text(owner, "lease owner");
    synchronized (lock) {
      InvoiceRow row = invoices.get(invoiceId);
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

  @Override
  public boolean finishRound(PaymentLease lease, Optional<Instant> nextAttemptAt) {
    Checks.notNull(nextAttemptAt, "nextAttemptAt");
    synchronized (lock) {
      InvoiceRow row = heldBy(lease);
      if (row == null) {
        return false;
      }
      row.roundOpen = false;
      row.leaseToken = null;
      row.leaseUntil = null;
      row.nextAttemptAt = row.invoice.isPaid() ? null : nextAttemptAt.orElse(null);
      checkStandingBy(row, lease.until());
      return true;
    }
  }

  @Override
  public boolean holdRound(PaymentLease lease, CollectionHold hold, Instant now) {
    Checks.notNull(hold, "hold");
    Checks.notNull(now, "now");
    synchronized (lock) {
      InvoiceRow row = heldBy(lease);
      if (row == null) {
        return false;
      }
      row.roundOpen = false;
      row.leaseToken = null;
      row.leaseUntil = null;
      row.nextAttemptAt = null;
      row.hold = row.invoice.isPaid() ? null : hold;
      checkStandingBy(row, now);
      if (row.hold != null) {
        append(BillingEvent.held(row.invoice, hold, now));
      }
      return true;
    }
  }

  @Override
  public boolean scheduleNow(String invoiceId, Instant now) {
    Checks.notNull(now, "now");
    synchronized (lock) {
      InvoiceRow row = invoices.get(invoiceId);
      if (row == null
          || !row.invoice.isOpen()
          || row.leasedAt(now)
          || row.roundOpen
          || moneyMayMove(row.hold)) {
        return false;
      }
      row.hold = null;
      row.nextAttemptAt = now;
      return true;
    }
  }

  /** Core's rule, applied: a hold on which money may move blocks a close or a retry. */
  private static boolean moneyMayMove(CollectionHold hold) {
    return hold != null && hold.reason().moneyMayMove();
  }

  @Override
  public boolean releaseHold(
      String invoiceId, CollectionHold hold, Optional<Instant> nextAttemptAt) {
    Checks.notNull(hold, "hold");
    Checks.notNull(nextAttemptAt, "nextAttemptAt");
    synchronized (lock) {
      InvoiceRow row = invoices.get(invoiceId);
      if (row == null
          || !row.invoice.isOpen()
          || row.leaseToken != null
          || !hold.equals(row.hold)) {
        return false;
      }
      row.hold = null;
      row.nextAttemptAt = nextAttemptAt.orElse(null);
      return true;
    }
  }

  @Override
  public boolean releaseLease(PaymentLease lease, Instant nextAttemptAt) {
    synchronized (lock) {
      InvoiceRow row = heldBy(lease);
      if (row == null) {
        return false;
      }
      row.leaseToken = null;
      row.leaseUntil = null;
      row.nextAttemptAt = row.invoice.isPaid() ? null : nextAttemptAt;
      return true;
    }
  }

  private InvoiceRow heldBy(PaymentLease lease) {
    InvoiceRow row = invoices.get(lease.invoiceId());
    return row != null && lease.token().equals(row.leaseToken) ? row : null;
  }

  @Override
  public PaymentRecord markPaid(String invoiceId, Payment payment) {
    Checks.notNull(payment, "payment");
    synchronized (lock) {
      InvoiceRow row = invoices.get(invoiceId);
      if (row == null) {
        return PaymentRecord.NOTHING;
      }
      if (!row.invoice.isOpen()) {
        boolean sameCharge =
            row.invoice.payment().map(p -> p.reference().equals(payment.reference())).orElse(false);
        if (!sameCharge && extraPayments.add(invoiceId + "#" + payment.reference())) {
          append(BillingEvent.refundNeeded(row.invoice, payment));
          return PaymentRecord.SECOND_PAYMENT;
        }
        return PaymentRecord.NOTHING;
      }
      row.invoice = row.invoice.paidBy(payment);
      row.nextAttemptAt = null;
      row.hold = null;
      checkStandingBy(row, payment.paidAt());
      append(BillingEvent.paid(row.invoice, payment));
      return PaymentRecord.PAID;
    }
  }

  @Override
  public CardCharge noteCardCharge(CardCharge charge) {
    Checks.notNull(charge, "card charge");
    synchronized (lock) {
      if (!invoices.containsKey(charge.invoiceId())) {
        throw new InvalidInputException("no invoice " + charge.invoiceId());
      }
      return cardCharges.computeIfAbsent(charge.invoiceId() + "#" + charge.round(), k -> charge);
    }
  }

  @Override
  public Optional<CardCharge> findCardCharge(String invoiceId, int round) {
    synchronized (lock) {
      return Optional.ofNullable(cardCharges.get(invoiceId + "#" + round));
    }
  }

  @Override
  public List<String> dueInvoices(Instant now, int limit) {
    synchronized (lock) {
      return invoices.values().stream()
          .filter(r -> r.dueAt(now))
          .sorted(
              java.util.Comparator.comparing((InvoiceRow r) -> r.nextAttemptAt)
                  .thenComparing(r -> r.invoice.id()))
          .limit(limit)
          .map(r -> r.invoice.id())
          .toList();
    }
  }

  @Override
  public Optional<Bolt11Request> findBolt11(String invoiceId) {
    synchronized (lock) {
      return Optional.ofNullable(bolt11s.get(invoiceId));
    }
  }

  @Override
  public Bolt11Request replaceBolt11(Bolt11Request fresh, Optional<String> expectedCurrent) {
    Checks.notNull(fresh, "bolt11 request");
    synchronized (lock) {
      if (!invoices.containsKey(fresh.invoiceId())) {
        throw new InvalidInputException("no invoice " + fresh.invoiceId());
      }
      Bolt11Request current = bolt11s.get(fresh.invoiceId());
      Optional<String> actual = Optional.ofNullable(current).map(Bolt11Request::bolt11);
      if (current != null && !actual.equals(expectedCurrent)) {
        return current;
      }
      bolt11s.put(fresh.invoiceId(), fresh);
      if (current != null) {
        unsettledBolt11s.remove(Bolt11Key.of(current));
      }
      if (!fresh.isSettled()) {
        unsettledBolt11s.add(Bolt11Key.of(fresh));
      }
      return fresh;
    }
  }

  @Override
  public void markBolt11Settled(String invoiceId, String bolt11, Instant at) {
    synchronized (lock) {
      Bolt11Request current = bolt11s.get(invoiceId);
      if (current != null && current.bolt11().equals(bolt11) && !current.isSettled()) {
        bolt11s.put(invoiceId, current.settled(at));
        unsettledBolt11s.remove(Bolt11Key.of(current));
      }
    }
  }

  @Override
  public List<Bolt11Request> unsettledBolt11sOfEndedInvoices(
      Instant expiringAfter, Optional<Bolt11Request> after, int limit) {
    Checks.notNull(expiringAfter, "expiringAfter");
    Checks.notNull(after, "after");
    List<Bolt11Request> found = new ArrayList<>();
    synchronized (lock) {
      var from =
          after.isPresent()
              ? unsettledBolt11s.tailSet(Bolt11Key.of(after.get()), false)
              : unsettledBolt11s.tailSet(new Bolt11Key(expiringAfter, ""), true);
      for (Bolt11Key key : from) {
        if (found.size() >= limit) {
          break;
        }
        if (key.expiresAt().isAfter(expiringAfter)
            && !invoices.get(key.invoiceId()).invoice.isOpen()) {
          found.add(bolt11s.get(key.invoiceId()));
        }
      }
    }
    return found;
  }

  // ---- the catalogue's history (S15) ----

  @Override
  public Optional<PlanCatalogue> catalogue() {
    synchronized (lock) {
      return Optional.ofNullable(catalogue);
    }
  }

  @Override
  public OptionalLong catalogueVersion() {
    synchronized (lock) {
      return OptionalLong.of(catalogueVersion);
    }
  }

  @Override
  public PlanCatalogue seedCatalogue(PlanCatalogue seed) {
    Checks.notNull(seed, "seed");
    synchronized (lock) {
      if (catalogue == null) {
        catalogue = PlanCatalogue.withHistory(seed.currency(), List.of());
      }
      if (catalogue.currency().equals(seed.currency())) {
        List<PlanCatalogue.Version> all = new ArrayList<>(catalogue.versions());
        for (PlanCatalogue.Version v : seed.versions()) {
          if (catalogue.history(v.plan()).isEmpty()) {
            all.add(v);
          }
        }
        catalogue = PlanCatalogue.withHistory(catalogue.currency(), all);
      }
      catalogueVersion++;
      return catalogue;
    }
  }

  @Override
  public boolean addPlanVersion(PlanCatalogue.Version version) {
    Checks.notNull(version, "version");
    synchronized (lock) {
      List<PlanCatalogue.Version> history =
          catalogue == null ? List.of() : catalogue.history(version.plan());
      if (history.isEmpty()) {
        throw new ChangeRejectedException(
            ChangeRejectedException.Reason.UNKNOWN_PLAN,
            "plan \"" + version.plan() + "\" is not in the stored catalogue");
      }
      for (PlanCatalogue.Version v : history) {
        if (v.effective().equals(version.effective())) {
          if (v.equals(version)) {
            return false;
          }
          throw new ChangeRejectedException(
              ChangeRejectedException.Reason.CONFLICTING_CHANGE,
              "plan \""
                  + version.plan()
                  + "\" has another version effective at "
                  + version.effective());
        }
      }
      // S15 prices an item of period [s, e) as of s, so a version at E can change only items of
      // periods starting at or after E; every written item has s at or before an activity or a
      // renewed start, so E after all of them leaves every item as written (Repository javadoc).
      for (TenantRow row : tenants.values()) {
        Instant latest = row.lastAt;
        if (row.renewedThroughStart != null
            && (latest == null || row.renewedThroughStart.isAfter(latest))) {
          latest = row.renewedThroughStart;
        }
        if (latest != null && !latest.isBefore(version.effective())) {
          throw new ChangeRejectedException(
              ChangeRejectedException.Reason.ALREADY_BILLED,
              "a change effective at "
                  + version.effective()
                  + " would reprice the ledger as billed through "
                  + latest
                  + "; date it later");
        }
      }
      List<PlanCatalogue.Version> all = new ArrayList<>(catalogue.versions());
      all.add(version);
      catalogue = PlanCatalogue.withHistory(catalogue.currency(), all);
      catalogueVersion++;
      return true;
    }
  }
}
