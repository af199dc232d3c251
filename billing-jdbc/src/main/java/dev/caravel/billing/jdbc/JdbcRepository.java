package dev.caravel.billing.jdbc;

import dev.caravel.billing.Activity;
import dev.caravel.billing.BillingListener.Event;
import dev.caravel.billing.Bolt11Request;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.StorageException;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.InvoiceNumbering;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.StandingRule;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * The billing ledger in PostgreSQL (production) or H2 (embedded), over any {@link DataSource}. Many
 * instances may share one database: every write runs in one transaction that first locks the tenant
 * rows (or the invoice row) it touches, in a fixed order, so writes to one tenant are serialized by
 * the database and writes to different tenants run side by side; the schema's constraints back
 * every invariant up. Batch methods cost a handful of statements per page of tenants, whatever the
 * number of activities, relays or items in it.
 *
 * <p>The schema comes from the versioned scripts in {@code db/migration/postgresql} or {@code
 * db/migration/h2} (Flyway) or from {@link #migrate(DataSource)}. A failure surfaces as {@link
 * StorageException} after the transaction was rolled back; transactions the database aborted to
 * resolve a conflict (deadlock, serialization failure, lock timeout) are run again here.
 *
 * <p>This class holds the tenant-locked writes; {@link LedgerReads} the lock-free reads, {@link
 * CollectionStatements} the invoice-locked writes (leases, payment, BOLT11), {@link
 * CatalogueStatements} the catalogue's history, {@link Transactions} runs them all, {@link Dialect}
 * holds the SQL that differs per database, {@link Rows} maps rows.
 */
public final class JdbcRepository implements Repository {
  private final Transactions transactions;
  private final LedgerReads reads;
  private final CollectionStatements collection;
  private final CatalogueStatements catalogue;
  private final LedgerOperations operations;

  /** A repository on {@code dataSource}, whose schema must be migrated already. */
  public JdbcRepository(DataSource dataSource) {
    this.transactions = new Transactions(Objects.requireNonNull(dataSource, "dataSource"));
    this.reads = new LedgerReads(transactions);
    this.collection = new CollectionStatements(transactions);
    this.catalogue = new CatalogueStatements(transactions);
    this.operations = new LedgerOperations(transactions);
  }

  /**
   * Creates or upgrades the billing schema for hosts that do not run Flyway. Idempotent, and safe
   * when several instances start at once.
   */
  public static void migrate(DataSource dataSource) {
    Migrations.migrate(Objects.requireNonNull(dataSource, "dataSource"));
  }

  // ---- tenants ----

  @Override
  public void saveTenant(Tenant tenant) {
    Objects.requireNonNull(tenant, "tenant");
    transactions.write(
        "saving tenant",
        (c, d) -> {
          try (PreparedStatement ps = c.prepareStatement(d.saveTenantSql)) {
            ps.setString(1, tenant.pubkey());
            ps.setString(2, tenant.sealedNwcUri().orElse(null));
            ps.setString(3, tenant.stripeCustomerId().orElse(null));
            ps.executeUpdate();
          }
          return null;
        });
  }

  // ---- activity ----

  @Override
  public boolean appendActivity(Activity activity) {
    Objects.requireNonNull(activity, "activity");
    return transactions.write(
        "appending activity " + activity.id(), (c, d) -> ActivityLog.append(c, activity));
  }

  // ---- due tracking (S17), in DueIndex ----

  @Override
  public List<String> takeDueTenants(
      String instance, String cycle, Instant now, Duration ttl, int limit) {
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(cycle, "cycle");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(ttl, "ttl");
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    return transactions.write(
        "taking due tenants", (c, d) -> DueIndex.take(c, d, instance, cycle, now, ttl, limit));
  }

  // ---- reconciliation, renewal, claim ----

  @Override
  public int recordReconciliations(List<Reconciliation> reconciliations, OptionalLong pricedWith) {
    Objects.requireNonNull(reconciliations, "reconciliations");
    Objects.requireNonNull(pricedWith, "pricedWith");
    if (reconciliations.isEmpty()) {
      return 0;
    }
    return transactions.write(
        "recording reconciliations",
        (c, d) -> {
          if (!CatalogueStatements.stillAt(c, d, pricedWith)) {
            return 0;
          }
          // Under the tenant locks no other write can bill these activities before this one
          // commits.
          lockTenants(
              c, d, distinctTenants(reconciliations.stream().map(Reconciliation::tenant).toList()));
          Map<String, String> ownerOf = new HashMap<>();
          Set<String> billed = new HashSet<>();
          List<String> ids =
              reconciliations.stream().map(Reconciliation::activityId).distinct().toList();
          for (List<String> chunk : Dialect.chunks(ids)) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT id, tenant, billed FROM billing_activity WHERE id = ANY (?)")) {
              ps.setArray(1, d.textArray(c, chunk));
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  ownerOf.put(rs.getString(1), rs.getString(2));
                  if (rs.getBoolean(3)) {
                    billed.add(rs.getString(1));
                  }
                }
              }
            }
          }
          List<String> toMark = new ArrayList<>();
          List<InvoiceItem> items = new ArrayList<>();
          for (Reconciliation r : reconciliations) {
            if (!r.tenant().equals(ownerOf.get(r.activityId()))) {
              throw new InvalidInputException(
                  "no activity " + r.activityId() + " for tenant " + r.tenant());
            }
            if (billed.add(r.activityId())) {
              toMark.add(r.activityId());
              r.item().ifPresent(items::add);
            }
          }
          for (List<String> chunk : Dialect.chunks(toMark)) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "UPDATE billing_activity SET billed = TRUE WHERE id = ANY (?) AND billed = FALSE")) {
              ps.setArray(1, d.textArray(c, chunk));
              if (ps.executeUpdate() != chunk.size()) {
                throw new SQLException("activities changed under the tenant lock", "40001");
              }
            }
          }
          insertItems(c, d, items);
          Map<String, Integer> marked = new HashMap<>();
          for (String id : toMark) {
            marked.merge(ownerOf.get(id), 1, Integer::sum);
          }
          if (!marked.isEmpty()) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "UPDATE billing_tenant SET unbilled_count = unbilled_count - ? WHERE pubkey = ?")) {
              for (Map.Entry<String, Integer> e : marked.entrySet()) {
                ps.setInt(1, e.getValue());
                ps.setString(2, e.getKey());
                ps.addBatch();
              }
              ps.executeBatch();
            }
          }
          if (!items.isEmpty()) {
            DueIndex.markDueKeepingTake(c, d, items.stream().map(InvoiceItem::tenant).toList());
          }
          return toMark.size();
        });
  }

  @Override
  public int applyRenewals(List<Renewal> renewals, OptionalLong pricedWith) {
    Objects.requireNonNull(renewals, "renewals");
    Objects.requireNonNull(pricedWith, "pricedWith");
    if (renewals.isEmpty()) {
      return 0;
    }
    return transactions.write(
        "applying renewals",
        (c, d) -> {
          if (!CatalogueStatements.stillAt(c, d, pricedWith)) {
            return 0;
          }
          // The lock and the marks come from one statement: FOR UPDATE returns the latest committed
          // row.
          // tenant -> {renewed_through, activity_count, unbilled_count}
          Map<String, int[]> marks = new HashMap<>();
          for (List<String> chunk :
              Dialect.chunks(distinctTenants(renewals.stream().map(Renewal::tenant).toList()))) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT pubkey, renewed_through, activity_count, unbilled_count "
                        + "FROM billing_tenant WHERE pubkey = ANY (?) ORDER BY pubkey FOR UPDATE")) {
              ps.setArray(1, d.textArray(c, chunk));
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  marks.put(rs.getString(1), new int[] {rs.getInt(2), rs.getInt(3), rs.getInt(4)});
                }
              }
            }
          }
          Map<String, Integer> before = new HashMap<>();
          Map<String, Renewal> last = new LinkedHashMap<>();
          List<InvoiceItem> items = new ArrayList<>();
          int applied = 0;
          for (Renewal r : renewals) {
            int[] mark = marks.get(r.tenant());
            if (mark == null || mark[0] != r.period() - 1 || mark[1] != r.logSize()) {
              continue;
            }
            before.putIfAbsent(r.tenant(), mark[0]);
            mark[0] = r.period();
            last.put(r.tenant(), r);
            items.addAll(r.items());
            applied++;
          }
          insertItems(c, d, items);
          if (!last.isEmpty()) {
            // The snapshot advances only over a fully billed log (an activity before its point
            // would never be reconciled), to the last renewal applied.
            List<Renewal> snapshots = new ArrayList<>();
            for (Renewal r : last.values()) {
              if (r.snapshot().isPresent() && marks.get(r.tenant())[2] == 0) {
                snapshots.add(r);
              }
            }
            d.moveRenewalMarks(c, new ArrayList<>(last.values()), before, snapshots);
          }
          if (!items.isEmpty()) {
            DueIndex.markDueKeepingTake(c, d, items.stream().map(InvoiceItem::tenant).toList());
          }
          return applied;
        });
  }

  @Override
  public List<Invoice> claim(List<Claim> claims, InvoiceNumbering numbering) {
    Objects.requireNonNull(claims, "claims");
    Objects.requireNonNull(numbering, "numbering");
    if (claims.isEmpty()) {
      return List.of();
    }
    return transactions.write(
        "claiming items",
        (c, d) -> {
          List<String> tenants = distinctTenants(claims.stream().map(Claim::tenant).toList());
          // Under the tenant locks no item is added or claimed for them until this one commits.
          lockTenants(c, d, tenants);
          DueIndex.afterClaim(c, d, claims);
          Map<String, BigDecimal> unclaimed = new HashMap<>();
          Map<String, Integer> unclaimedCount = new HashMap<>();
          for (List<String> chunk : Dialect.chunks(tenants)) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT tenant, SUM(amount), COUNT(*) FROM billing_item "
                        + "WHERE tenant = ANY (?) AND invoice_id IS NULL GROUP BY tenant")) {
              ps.setArray(1, d.textArray(c, chunk));
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  unclaimed.put(rs.getString(1), rs.getBigDecimal(2));
                  unclaimedCount.put(rs.getString(1), rs.getInt(3));
                }
              }
            }
          }
          // Numbers are drawn only for the invoices made, in claim order (Repository#claim).
          List<Claim> making = new ArrayList<>();
          List<Long> totals = new ArrayList<>();
          for (Claim claim : claims) {
            BigDecimal sum = unclaimed.remove(claim.tenant());
            if (sum == null || sum.signum() <= 0) {
              continue;
            }
            try {
              totals.add(sum.longValueExact());
            } catch (ArithmeticException e) {
              throw new InvalidInputException(
                  "tenant " + claim.tenant() + " owes more than a long holds");
            }
            making.add(claim);
          }
          if (making.isEmpty()) {
            return List.<Invoice>of();
          }
          // Under the counter row's lock until commit: claims on every instance take turns here,
          // and a rollback gives the numbers back, so they are gapless (see Counters).
          long first = Counters.draw(c, Counters.INVOICE_NUMBER, making.size()) - making.size() + 1;
          List<Invoice> created = new ArrayList<>();
          List<Long> numbers = new ArrayList<>();
          Set<String> drawn = new HashSet<>();
          for (int k = 0; k < making.size(); k++) {
            Claim claim = making.get(k);
            long total = totals.get(k);
            numbers.add(first + k);
            String invoiceId = numbering.id(first + k, claim);
            if (invoiceId == null || invoiceId.isBlank() || !drawn.add(invoiceId)) {
              throw new InvalidInputException(
                  "invoice id " + invoiceId + " is blank or given twice");
            }
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
          for (List<String> chunk : Dialect.chunks(List.copyOf(drawn))) {
            try (PreparedStatement ps =
                c.prepareStatement("SELECT id FROM billing_invoice WHERE id = ANY (?)")) {
              ps.setArray(1, d.textArray(c, chunk));
              List<String> taken = Rows.firstColumn(ps);
              if (!taken.isEmpty()) {
                throw new InvalidInputException("invoice id " + taken.get(0) + " is taken");
              }
            }
          }
          d.insertInvoicesClaimingItems(
              c, created, created.stream().mapToInt(i -> unclaimedCount.get(i.tenant())).sum());
          try (PreparedStatement ps =
              c.prepareStatement("UPDATE billing_invoice SET invoice_number = ? WHERE id = ?")) {
            for (int k = 0; k < created.size(); k++) {
              ps.setLong(1, numbers.get(k));
              ps.setString(2, created.get(k).id());
              ps.addBatch();
            }
            ps.executeBatch();
          }
          EventFeed.append(c, created.stream().map(Event::invoiceCreated).toList());
          return List.copyOf(created);
        });
  }

  // ---- adjustments, closing, refunds, standing, events: in LedgerOperations ----

  @Override
  public boolean recordAdjustment(InvoiceItem adjustment) {
    return operations.recordAdjustment(adjustment);
  }

  @Override
  public boolean closeInvoice(String invoiceId, Invoice.Closure closure) {
    return operations.closeInvoice(invoiceId, closure);
  }

  @Override
  public List<Payment.Refund> refunds(String invoiceId) {
    return operations.refunds(invoiceId);
  }

  @Override
  public Optional<Payment.Refund> findRefund(String key) {
    return operations.findRefund(key);
  }

  @Override
  public Payment.Refund recordRefund(Payment.Refund refund) {
    return operations.recordRefund(refund);
  }

  @Override
  public boolean completeRefund(String key, String reference, Instant at) {
    return operations.completeRefund(key, reference, at);
  }

  @Override
  public Optional<Event> refreshStanding(String tenant, Instant now, StandingRule rule) {
    return operations.refreshStanding(tenant, now, rule);
  }

  @Override
  public List<String> standingChecksDue(Instant now, int limit) {
    return operations.standingChecksDue(now, limit);
  }

  @Override
  public List<Event> events(long afterId, int limit) {
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    return transactions.read("reading events", (c, d) -> EventFeed.read(c, afterId, limit));
  }

  // ---- reads, lock-free, in LedgerReads ----

  @Override
  public Optional<Tenant> findTenant(String pubkey) {
    return reads.findTenant(pubkey);
  }

  @Override
  public List<String> tenantPage(String after, int limit) {
    return reads.tenantPage(after, limit);
  }

  @Override
  public List<TenantLedger> ledgers(List<String> tenants) {
    return reads.ledgers(tenants);
  }

  @Override
  public Optional<Invoice> findInvoice(String invoiceId) {
    return reads.findInvoice(invoiceId);
  }

  @Override
  public List<Invoice> invoices(String tenant) {
    return reads.invoices(tenant);
  }

  @Override
  public List<InvoiceItem> items(String tenant) {
    return reads.items(tenant);
  }

  @Override
  public List<InvoiceItem> invoiceItems(String invoiceId) {
    return reads.invoiceItems(invoiceId);
  }

  @Override
  public List<InvoiceItem> unclaimedItems(String tenant) {
    return reads.unclaimedItems(tenant);
  }

  // ---- collecting payment: one invoice row at a time, in CollectionStatements ----

  @Override
  public Optional<CollectionState> collectionState(String invoiceId) {
    return collection.collectionState(invoiceId);
  }

  @Override
  public Optional<PaymentLease> acquireLease(
      String invoiceId, String owner, Instant now, Duration ttl) {
    return collection.acquireLease(invoiceId, owner, now, ttl);
  }

  @Override
  public boolean finishRound(PaymentLease lease, Optional<Instant> nextAttemptAt) {
    return collection.finishRound(lease, nextAttemptAt);
  }

  @Override
  public boolean holdRound(PaymentLease lease, CollectionHold hold, Instant now) {
    return collection.holdRound(lease, hold, now);
  }

  @Override
  public boolean scheduleNow(String invoiceId, Instant now) {
    return collection.scheduleNow(invoiceId, now);
  }

  @Override
  public boolean releaseHold(
      String invoiceId, CollectionHold hold, Optional<Instant> nextAttemptAt) {
    return collection.releaseHold(invoiceId, hold, nextAttemptAt);
  }

  @Override
  public boolean releaseLease(PaymentLease lease, Instant nextAttemptAt) {
    return collection.releaseLease(lease, nextAttemptAt);
  }

  @Override
  public boolean markPaid(String invoiceId, Payment payment) {
    return collection.markPaid(invoiceId, payment);
  }

  @Override
  public CardCharge noteCardCharge(CardCharge charge) {
    return collection.noteCardCharge(charge);
  }

  @Override
  public Optional<CardCharge> findCardCharge(String invoiceId, int round) {
    return collection.findCardCharge(invoiceId, round);
  }

  @Override
  public List<String> dueInvoices(Instant now, int limit) {
    return collection.dueInvoices(now, limit);
  }

  @Override
  public Optional<Bolt11Request> findBolt11(String invoiceId) {
    return collection.findBolt11(invoiceId);
  }

  @Override
  public Bolt11Request replaceBolt11(Bolt11Request fresh, Optional<String> expectedCurrent) {
    return collection.replaceBolt11(fresh, expectedCurrent);
  }

  @Override
  public void markBolt11Settled(String invoiceId, String bolt11, Instant at) {
    collection.markBolt11Settled(invoiceId, bolt11, at);
  }

  // ---- statements shared by the methods above ----

  /** Locks the tenants' rows in ascending key order, so that two batches never deadlock. */
  // ---- the catalogue's history (S15) ----

  @Override
  public Optional<PlanCatalogue> catalogue() {
    return catalogue.catalogue();
  }

  @Override
  public OptionalLong catalogueVersion() {
    return OptionalLong.of(catalogue.version());
  }

  @Override
  public PlanCatalogue seedCatalogue(PlanCatalogue seed) {
    return catalogue.seed(Objects.requireNonNull(seed, "seed"));
  }

  @Override
  public boolean addPlanVersion(PlanCatalogue.Version version) {
    return catalogue.add(Objects.requireNonNull(version, "version"));
  }

  static void lockTenants(Connection c, Dialect d, List<String> sortedTenants) throws SQLException {
    for (List<String> chunk : Dialect.chunks(sortedTenants)) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT pubkey FROM billing_tenant WHERE pubkey = ANY (?) ORDER BY pubkey FOR UPDATE")) {
        ps.setArray(1, d.textArray(c, chunk));
        ps.executeQuery().close();
      }
    }
  }

  private static void insertItems(Connection c, Dialect d, List<InvoiceItem> items)
      throws SQLException {
    if (!items.isEmpty()) {
      d.insertItems(c, items);
    }
  }

  private static List<String> distinctTenants(List<String> tenants) {
    return new ArrayList<>(new TreeSet<>(tenants));
  }
}
