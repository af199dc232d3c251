package dev.caravel.billing.jdbc;

import dev.caravel.billing.Activity;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.spi.ActivityWrite;
import dev.caravel.billing.spi.AdjustmentWrite;
import dev.caravel.billing.spi.Anchoring;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CollectionChange;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.CouponRedemption;
import dev.caravel.billing.spi.InvoiceNumbering;
import dev.caravel.billing.spi.PaymentEvents;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.RefundWrite;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.RoundEnded;
import dev.caravel.billing.spi.StandingRead;
import dev.caravel.billing.spi.StandingVerdict;
import dev.caravel.billing.spi.StorageException;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import dev.caravel.billing.spi.UnclaimedTotal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The billing ledger in PostgreSQL (production) or H2 (embedded), over any {@link DataSource}. Many
 * instances may share one database: every write runs in one transaction that first locks the tenant
 * rows (or the invoice row) it touches, in a fixed order, so writes to one tenant are serialized by
 * the database and writes to different tenants run side by side; the schema's constraints back
 * every invariant up. Batch methods cost a handful of statements per page of tenants, whatever the
 * number of activities, relays or items in it.
 *
 * <p>The schema comes from the versioned scripts in {@code db/caravel-billing/postgresql} or {@code
 * db/caravel-billing/h2}, applied by Flyway ({@link #migrationLocation}, {@link
 * #SCHEMA_HISTORY_TABLE}) or by {@link #migrate(DataSource)}. A failure surfaces as {@link
 * StorageException} after the transaction was rolled back; transactions the database aborted to
 * resolve a conflict (deadlock, serialization failure, lock timeout) are run again here.
 *
 * <p>This class holds the tenant-locked writes; {@link LedgerReads} the lock-free reads, {@link
 * CollectionStatements} the invoice-locked writes (leases, BOLT11), {@link PaymentStatements} the
 * payment's conditional write, {@link CollectionChanges} the engine's decisions outside a round (a
 * close, a retry, a hold's end), {@link CatalogueStatements} the catalogue's history, {@link
 * BillingWrites} the page-sized writes of a poll (reconciliations, renewals, claims), {@link
 * LedgerOperations} the host's own operations, {@link StandingStatements} standing as the engine
 * judged it, {@link Transactions} runs them all, {@link Dialect} holds the SQL that differs per
 * database, {@link Rows} maps rows.
 */
public final class JdbcRepository implements Repository {
  private final Transactions transactions;
  private final LedgerReads reads;
  private final CollectionStatements collection;
  private final CollectionChanges changes;
  private final PaymentStatements payments;
  private final CatalogueStatements catalogue;
  private final LedgerOperations operations;
  private final StandingStatements standing;
  private final BillingWrites writes;
  private final CouponStatements coupons;

  /** A repository on {@code dataSource}, whose schema must be migrated already. */
  public JdbcRepository(DataSource dataSource) {
    this.transactions = new Transactions(Objects.requireNonNull(dataSource, "dataSource"));
    this.reads = new LedgerReads(transactions);
    this.collection = new CollectionStatements(transactions);
    this.changes = new CollectionChanges(transactions);
    this.payments = new PaymentStatements(transactions);
    this.catalogue = new CatalogueStatements(transactions);
    this.operations = new LedgerOperations(transactions);
    this.standing = new StandingStatements(transactions);
    this.writes = new BillingWrites(transactions);
    this.coupons = new CouponStatements(transactions);
  }

  /**
   * The table that records which of billing's scripts the database holds, in Flyway's format,
   * whoever applies them: Flyway configured with it as its {@code table}, or {@link #migrate}. It
   * is not Flyway's default {@code flyway_schema_history}, so a host's own migrations never meet
   * billing's.
   */
  public static final String SCHEMA_HISTORY_TABLE = SchemaHistory.TABLE;

  /**
   * Creates or upgrades the billing schema for hosts that do not run Flyway. Idempotent, and safe
   * when several instances start at once. It records each script in {@link #SCHEMA_HISTORY_TABLE}
   * as Flyway would, so Flyway can take over later (and the other way round). A database migrated
   * under the earlier layout is taken over in place first, as {@link #adoptEarlierHistory} does
   * with Flyway's default table {@code flyway_schema_history}.
   *
   * @throws StorageException a script failed (on PostgreSQL nothing of this run is left), or the
   *     billing tables exist with no record of their migrations anywhere
   */
  public static void migrate(DataSource dataSource) {
    Migrations.migrate(Objects.requireNonNull(dataSource, "dataSource"));
  }

  /**
   * Where Flyway finds billing's scripts for this database: {@code
   * classpath:db/caravel-billing/postgresql} or {@code classpath:db/caravel-billing/h2}. A folder
   * of its own, outside Spring's default {@code classpath:db/migration}, so a host's scripts and
   * billing's never meet; run it with {@link #SCHEMA_HISTORY_TABLE} as the history table.
   */
  public static String migrationLocation(DataSource dataSource) {
    return Migrations.location(Objects.requireNonNull(dataSource, "dataSource"));
  }

  /**
   * Takes over a database migrated under the earlier layout (scripts in {@code
   * db/migration/{vendor}}), for a host that now runs billing's scripts with a Flyway of their own
   * ({@link #migrate} does this by itself): when {@link #SCHEMA_HISTORY_TABLE} is not there yet,
   * the versions recorded in {@code billing_schema_version} (by the earlier {@code migrate}) or in
   * the Flyway table {@code flywayTable} (by a host's Flyway; billing's rows only, which are then
   * deleted there, as its Flyway would report them missing) are written into it. Creates nothing
   * when there is nothing to take over. Idempotent, under the same lock as {@link #migrate}.
   *
   * @param flywayTable the host's Flyway history table, in the connection's current schema
   *     (Flyway's default is {@code flyway_schema_history})
   * @throws IllegalArgumentException {@code flywayTable} is not a plain table name
   * @throws StorageException the billing tables exist but nothing records their migrations
   */
  public static void adoptEarlierHistory(DataSource dataSource, String flywayTable) {
    Migrations.adoptEarlierHistory(Objects.requireNonNull(dataSource, "dataSource"), flywayTable);
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
            Rows.setTax(ps, 4, tenant.tax());
            if (tenant.trialDays().isPresent()) {
              ps.setInt(7, tenant.trialDays().getAsInt());
            } else {
              ps.setNull(7, java.sql.Types.INTEGER);
            }
            ps.executeUpdate();
          }
          return null;
        });
  }

  // ---- activity ----

  @Override
  public ActivityWrite appendActivity(
      Activity activity, Optional<TenantLedger> read, Anchoring anchoring) {
    Objects.requireNonNull(activity, "activity");
    Objects.requireNonNull(read, "read");
    Objects.requireNonNull(anchoring, "anchoring");
    return transactions.write(
        "appending activity " + activity.id(),
        (c, d) -> ActivityLog.append(c, activity, read, anchoring));
  }

  @Override
  public Optional<Activity> findActivity(String id) {
    Objects.requireNonNull(id, "id");
    return transactions.read("reading activity " + id, (c, d) -> ActivityLog.find(c, id));
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

  @Override
  public void recordBillingFailure(BillingEvent failure, Instant retryAt) {
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(retryAt, "retryAt");
    transactions.write(
        "recording the billing failure of tenant " + failure.tenant(),
        (c, d) -> {
          DueIndex.defer(c, failure.tenant(), retryAt);
          EventFeed.append(c, failure);
          return null;
        });
  }

  // ---- reconciliation, renewal, claim: in BillingWrites ----

  @Override
  public int recordReconciliations(List<Reconciliation> reconciliations, OptionalLong pricedWith) {
    return writes.recordReconciliations(reconciliations, pricedWith);
  }

  @Override
  public int applyRenewals(List<Renewal> renewals, OptionalLong pricedWith) {
    return writes.applyRenewals(renewals, pricedWith);
  }

  @Override
  public List<UnclaimedTotal> unclaimedTotals(List<String> tenants) {
    return writes.unclaimedTotals(tenants);
  }

  @Override
  public List<Invoice> claim(List<Claim> claims, InvoiceNumbering numbering) {
    return writes.claim(claims, numbering);
  }

  // ---- adjustments, closing, refunds, events: in LedgerOperations; standing: StandingStatements
  // ----

  @Override
  public AdjustmentWrite recordAdjustment(
      InvoiceItem adjustment, BillingEvent event, boolean anchorIfUnset) {
    return operations.recordAdjustment(adjustment, event, anchorIfUnset);
  }

  @Override
  public boolean changeCollection(
      String invoiceId, CollectionState expected, CollectionChange change) {
    return changes.changeCollection(invoiceId, expected, change);
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
  public RefundWrite recordRefund(
      Payment.Refund refund,
      int refundsRead,
      Optional<InvoiceItem> credit,
      Optional<BillingEvent> event) {
    return operations.recordRefund(refund, refundsRead, credit, event);
  }

  @Override
  public boolean moveRefund(Payment.Refund read, Payment.Refund moved, BillingEvent event) {
    return operations.moveRefund(read, moved, event);
  }

  @Override
  public List<StandingRead> readStandings(List<String> tenants) {
    return standing.readStandings(tenants);
  }

  @Override
  public List<StandingVerdict> recordStandings(List<StandingVerdict> verdicts) {
    return standing.recordStandings(verdicts);
  }

  @Override
  public List<String> standingChecksDue(Instant now, int limit) {
    return standing.standingChecksDue(now, limit);
  }

  @Override
  public List<BillingEvent> events(long afterId, int limit) {
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    // A write: reading numbers the events committed since the last read (see EventFeed).
    return transactions.write("reading events", (c, d) -> EventFeed.read(c, afterId, limit));
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
  public RoundEnded endRound(PaymentLease lease, RoundEnd end) {
    Objects.requireNonNull(end, "end");
    if (end instanceof RoundEnd.Paid paid) {
      return new RoundEnded.PaymentRecorded(
          payments.markPaidFinishingRound(lease, paid.payment(), paid.events()));
    }
    return collection.endRound(lease, end) ? new RoundEnded.Recorded() : new RoundEnded.LeaseLost();
  }

  @Override
  public PaymentRecord markPaid(String invoiceId, Payment payment, PaymentEvents events) {
    return payments.markPaid(invoiceId, payment, events);
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

  @Override
  public List<Bolt11Request> unsettledBolt11sOfEndedInvoices(
      Instant expiringAfter, Optional<Bolt11Request> after, int limit) {
    return collection.unsettledBolt11sOfEndedInvoices(expiringAfter, after, limit);
  }

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
  public Optional<Instant> billedThrough() {
    return catalogue.billedThrough();
  }

  @Override
  public boolean addPlanVersion(
      PlanCatalogue.Version version, long catalogueRead, Optional<Instant> billedThroughRead) {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(billedThroughRead, "billedThroughRead");
    return catalogue.add(version, catalogueRead, billedThroughRead);
  }

  /** Locks the tenants' rows in ascending key order, so that two batches never deadlock. */
  static Set<String> lockTenants(Connection c, Dialect d, List<String> sortedTenants)
      throws SQLException {
    Set<String> locked = new HashSet<>();
    for (List<String> chunk : Dialect.chunks(sortedTenants)) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT pubkey FROM billing_tenant WHERE pubkey = ANY (?) ORDER BY pubkey FOR UPDATE")) {
        ps.setArray(1, d.textArray(c, chunk));
        locked.addAll(Rows.firstColumn(ps));
      }
    }
    return locked;
  }

  // ---- coupons (S21): in CouponStatements ----

  @Override
  public Optional<PlanCatalogue.Coupon> defineCoupon(PlanCatalogue.Coupon coupon) {
    return coupons.define(coupon);
  }

  @Override
  public Optional<PlanCatalogue.Coupon> findCoupon(String code) {
    return coupons.find(code);
  }

  @Override
  public Optional<CouponRedemption> redeemCoupon(CouponRedemption redemption) {
    return coupons.redeem(redemption);
  }
}
