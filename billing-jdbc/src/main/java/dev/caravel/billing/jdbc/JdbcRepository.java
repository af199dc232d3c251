package dev.caravel.billing.jdbc;

import dev.caravel.billing.Activity;
import dev.caravel.billing.ActivityRejectedException;
import dev.caravel.billing.ActivityRejectedException.Reason;
import dev.caravel.billing.ActivityType;
import dev.caravel.billing.Bolt11Request;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.StorageException;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The billing ledger in PostgreSQL (production) or H2 (embedded), over any {@link DataSource}.
 * Many instances may share one database: every write runs in one transaction that first locks
 * the tenant rows (or the invoice row) it touches, in a fixed order, so writes to one tenant
 * are serialized by the database and writes to different tenants run side by side; the schema's
 * constraints back every invariant up. Batch methods cost a handful of statements per page of
 * tenants, whatever the number of activities, relays or items in it.
 *
 * <p>The schema comes from the versioned scripts in {@code db/migration/postgresql} or {@code
 * db/migration/h2} (Flyway) or from {@link #migrate(DataSource)}. A failure surfaces as {@link
 * StorageException} after the transaction was rolled back; transactions the database aborted
 * to resolve a conflict (deadlock, serialization failure, lock timeout) are run again here.
 */
public final class JdbcRepository implements Repository {
  private static final System.Logger LOG = System.getLogger(JdbcRepository.class.getName());
  /** Keys bound per {@code = ANY(?)} array: large pages are split in chunks of this size. */
  private static final int CHUNK = 1000;
  private static final int ATTEMPTS = 6;

  private static final String ITEM_COLUMNS =
      "id, tenant, relay, plan, amount, description, at, activity_id, renewal_period, invoice_id";
  private static final String INSERT_ITEM = "INSERT INTO billing_item "
      + "(id, tenant, relay, plan, amount, description, at, activity_id, renewal_period) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  /** Rows per statement when PostgreSQL takes a whole batch as arrays. */
  private static final int ARRAY_CHUNK = 5000;
  private static final String PG_INSERT_ITEMS = "INSERT INTO billing_item "
      + "(id, tenant, relay, plan, amount, description, at, activity_id, renewal_period) "
      + "SELECT id, tenant, relay, plan, amount, description, to_timestamp(at), activity_id, renewal_period "
      + "FROM unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::int8[], ?::varchar[], ?::int8[], "
      + "?::varchar[], ?::int4[]) WITH ORDINALITY "
      + "AS v(id, tenant, relay, plan, amount, description, at, activity_id, renewal_period, n) ORDER BY n";
  private static final String PG_INSERT_INVOICES = "INSERT INTO billing_invoice "
      + "(id, tenant, period_start, period_end, total, currency, created_at, next_attempt_at) "
      + "SELECT id, tenant, to_timestamp(ps), to_timestamp(pe), total, currency, to_timestamp(ca), to_timestamp(ca) "
      + "FROM unnest(?::varchar[], ?::varchar[], ?::int8[], ?::int8[], ?::int8[], ?::varchar[], ?::int8[]) "
      + "WITH ORDINALITY AS v(id, tenant, ps, pe, total, currency, ca, n) ORDER BY n";
  private static final String PG_CLAIM_ITEMS = "UPDATE billing_item i SET invoice_id = v.invoice "
      + "FROM unnest(?::varchar[], ?::varchar[]) AS v(tenant, invoice) "
      + "WHERE i.tenant = v.tenant AND i.invoice_id IS NULL";
  private static final String PG_MOVE_RENEWAL_MARKS = "UPDATE billing_tenant t "
      + "SET renewed_through = v.period, renewed_period_start = to_timestamp(v.start) "
      + "FROM unnest(?::varchar[], ?::int4[], ?::int8[], ?::int4[]) AS v(pubkey, period, start, before) "
      + "WHERE t.pubkey = v.pubkey AND t.renewed_through = v.before";
  private static final String INVOICE_COLUMNS = "i.id, i.tenant, i.period_start, i.period_end, i.total, i.currency, "
      + "i.created_at, p.method, p.reference, p.paid_at";
  private static final String INVOICE_FROM = " FROM billing_invoice i LEFT JOIN billing_payment p ON p.invoice_id = i.id";
  private static final String BOLT11_COLUMNS =
      "invoice_id, bolt11, payment_hash, msats, created_at, expires_at, settled_at";

  private final DataSource dataSource;
  private volatile Dialect dialect;

  /** A repository on {@code dataSource}, whose schema must be migrated already. */
  public JdbcRepository(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Creates or upgrades the billing schema for hosts that do not run Flyway. Idempotent, and
   * safe when several instances start at once.
   */
  public static void migrate(DataSource dataSource) {
    Migrations.migrate(Objects.requireNonNull(dataSource, "dataSource"));
  }

  // ---- tenants ----

  @Override
  public void saveTenant(Tenant tenant) {
    Objects.requireNonNull(tenant, "tenant");
    write("saving tenant", (c, d) -> {
      try (PreparedStatement ps = c.prepareStatement(d.saveTenantSql)) {
        ps.setString(1, tenant.pubkey());
        ps.setString(2, tenant.sealedNwcUri().orElse(null));
        ps.setString(3, tenant.stripeCustomerId().orElse(null));
        ps.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public Optional<Tenant> findTenant(String pubkey) {
    return read("reading tenant", (c, d) -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT sealed_nwc_uri, stripe_customer_id FROM billing_tenant WHERE pubkey = ?")) {
        ps.setString(1, pubkey);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.of(new Tenant(pubkey, Optional.ofNullable(rs.getString(1)), Optional.ofNullable(rs.getString(2))))
              : Optional.<Tenant>empty();
        }
      }
    });
  }

  @Override
  public List<String> tenantPage(String after, int limit) {
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    return read("listing tenants", (c, d) -> {
      String sql = after == null
          ? "SELECT pubkey FROM billing_tenant ORDER BY pubkey LIMIT ?"
          : "SELECT pubkey FROM billing_tenant WHERE pubkey > ? ORDER BY pubkey LIMIT ?";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = 1;
        if (after != null) {
          ps.setString(i++, after);
        }
        ps.setInt(i, limit);
        return firstColumn(ps);
      }
    });
  }

  // ---- activity ----

  @Override
  public boolean appendActivity(Activity activity) {
    Objects.requireNonNull(activity, "activity");
    return write("appending activity " + activity.id(), (c, d) -> {
      TenantMarks tenant = lockTenant(c, activity.tenant());
      if (tenant == null) {
        // A concurrent first append for this tenant makes this insert fail on the key; the
        // transaction is then run again and finds (and locks) the row.
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO billing_tenant (pubkey) VALUES (?)")) {
          ps.setString(1, activity.tenant());
          ps.executeUpdate();
        }
        tenant = new TenantMarks(null, null);
      }
      Optional<Activity> existing = findActivity(c, activity.id());
      if (existing.isPresent()) {
        if (existing.get().equals(activity)) {
          return false;
        }
        throw new ActivityRejectedException(Reason.CONFLICTING_ID,
            "activity " + activity.id() + " was recorded already with different content");
      }
      if (tenant.lastAt != null && activity.at().isBefore(tenant.lastAt)) {
        throw new ActivityRejectedException(Reason.OUT_OF_ORDER, "activity " + activity.id() + " at "
            + activity.at() + " is before the tenant's latest activity at " + tenant.lastAt);
      }
      if (tenant.renewedStart != null && activity.at().isBefore(tenant.renewedStart)) {
        throw new ActivityRejectedException(Reason.PERIOD_ALREADY_BILLED, "activity " + activity.id() + " at "
            + activity.at() + " falls before " + tenant.renewedStart + ", the start of a period already renewed");
      }
      boolean relayExists;
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM billing_relay WHERE tenant = ? AND relay = ?")) {
        ps.setString(1, activity.tenant());
        ps.setString(2, activity.relay());
        try (ResultSet rs = ps.executeQuery()) {
          relayExists = rs.next();
        }
      }
      if (activity.type() == ActivityType.CREATE_RELAY) {
        if (relayExists) {
          throw new ActivityRejectedException(Reason.RELAY_EXISTS, "relay " + activity.relay() + " already exists");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO billing_relay (tenant, relay) VALUES (?, ?)")) {
          ps.setString(1, activity.tenant());
          ps.setString(2, activity.relay());
          ps.executeUpdate();
        }
      } else if (!relayExists) {
        throw new ActivityRejectedException(Reason.UNKNOWN_RELAY, "relay " + activity.relay() + " was never created");
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO billing_activity (id, tenant, type, relay, plan, at) VALUES (?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, activity.id());
        ps.setString(2, activity.tenant());
        ps.setString(3, activity.type().wireName());
        ps.setString(4, activity.relay());
        ps.setString(5, activity.plan().orElse(null));
        setInstant(ps, 6, activity.at());
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE billing_tenant SET anchor = COALESCE(anchor, ?), "
          + "last_activity_at = ?, activity_count = activity_count + 1 WHERE pubkey = ?")) {
        setInstant(ps, 1, activity.at());
        setInstant(ps, 2, activity.at());
        ps.setString(3, activity.tenant());
        ps.executeUpdate();
      }
      return true;
    });
  }

  private record TenantMarks(Instant lastAt, Instant renewedStart) {}

  private static TenantMarks lockTenant(Connection c, String pubkey) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT last_activity_at, renewed_period_start FROM billing_tenant WHERE pubkey = ? FOR UPDATE")) {
      ps.setString(1, pubkey);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new TenantMarks(instant(rs, 1), instant(rs, 2)) : null;
      }
    }
  }

  private static Optional<Activity> findActivity(Connection c, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT tenant, type, relay, plan, at FROM billing_activity WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new Activity(id, rs.getString(1), ActivityType.fromWireName(rs.getString(2)),
            rs.getString(3), Optional.ofNullable(rs.getString(4)), instant(rs, 5)));
      }
    }
  }

  @Override
  public List<TenantLedger> ledgers(List<String> tenants) {
    Objects.requireNonNull(tenants, "tenants");
    if (tenants.isEmpty()) {
      return List.of();
    }
    Map<String, TenantLedger> found = read("reading ledgers", (c, d) -> {
      Map<String, TenantLedger> out = new HashMap<>();
      // One statement per chunk reads each tenant and its whole log from one snapshot.
      String sql = "SELECT t.pubkey, t.anchor, t.renewed_through, a.id, a.type, a.relay, a.plan, a.at, a.billed "
          + "FROM billing_tenant t LEFT JOIN billing_activity a ON a.tenant = t.pubkey "
          + "WHERE t.pubkey = ANY (?) ORDER BY t.pubkey, a.at, a.seq";
      for (List<String> chunk : chunks(new ArrayList<>(new TreeSet<>(tenants)))) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          ps.setArray(1, textArray(c, d, chunk));
          try (ResultSet rs = ps.executeQuery()) {
            String current = null;
            Instant anchor = null;
            int renewed = 0;
            List<Activity> activities = new ArrayList<>();
            Set<String> billed = new HashSet<>();
            while (rs.next()) {
              String pubkey = rs.getString(1);
              if (!pubkey.equals(current)) {
                if (current != null) {
                  out.put(current, new TenantLedger(current, Optional.ofNullable(anchor), renewed, activities, billed));
                }
                current = pubkey;
                anchor = instant(rs, 2);
                renewed = rs.getInt(3);
                activities = new ArrayList<>();
                billed = new HashSet<>();
              }
              String id = rs.getString(4);
              if (id != null) {
                activities.add(new Activity(id, pubkey, ActivityType.fromWireName(rs.getString(5)), rs.getString(6),
                    Optional.ofNullable(rs.getString(7)), instant(rs, 8)));
                if (rs.getBoolean(9)) {
                  billed.add(id);
                }
              }
            }
            if (current != null) {
              out.put(current, new TenantLedger(current, Optional.ofNullable(anchor), renewed, activities, billed));
            }
          }
        }
      }
      return out;
    });
    List<TenantLedger> ordered = new ArrayList<>();
    for (String tenant : tenants) {
      TenantLedger ledger = found.get(tenant);
      if (ledger != null) {
        ordered.add(ledger);
      }
    }
    return ordered;
  }

  // ---- reconciliation, renewal, claim ----

  @Override
  public int recordReconciliations(List<Reconciliation> reconciliations) {
    Objects.requireNonNull(reconciliations, "reconciliations");
    if (reconciliations.isEmpty()) {
      return 0;
    }
    return write("recording reconciliations", (c, d) -> {
      lockTenants(c, d, distinctTenants(reconciliations.stream().map(Reconciliation::tenant).toList()));
      Map<String, String> ownerOf = new HashMap<>();
      Set<String> billed = new HashSet<>();
      List<String> ids = reconciliations.stream().map(Reconciliation::activityId).distinct().toList();
      for (List<String> chunk : chunks(ids)) {
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT id, tenant, billed FROM billing_activity WHERE id = ANY (?)")) {
          ps.setArray(1, textArray(c, d, chunk));
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
          throw new InvalidInputException("no activity " + r.activityId() + " for tenant " + r.tenant());
        }
        if (billed.add(r.activityId())) {
          toMark.add(r.activityId());
          r.item().ifPresent(items::add);
        }
      }
      for (List<String> chunk : chunks(toMark)) {
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE billing_activity SET billed = TRUE WHERE id = ANY (?) AND billed = FALSE")) {
          ps.setArray(1, textArray(c, d, chunk));
          if (ps.executeUpdate() != chunk.size()) {
            throw new SQLException("activities changed under the tenant lock", "40001");
          }
        }
      }
      insertItems(c, d, items);
      return toMark.size();
    });
  }

  @Override
  public int applyRenewals(List<Renewal> renewals) {
    Objects.requireNonNull(renewals, "renewals");
    if (renewals.isEmpty()) {
      return 0;
    }
    return write("applying renewals", (c, d) -> {
      // The lock and the marks come from one statement: FOR UPDATE returns the latest committed row.
      Map<String, int[]> marks = new HashMap<>(); // tenant -> {renewed_through, activity_count}
      for (List<String> chunk : chunks(distinctTenants(renewals.stream().map(Renewal::tenant).toList()))) {
        try (PreparedStatement ps = c.prepareStatement("SELECT pubkey, renewed_through, activity_count "
            + "FROM billing_tenant WHERE pubkey = ANY (?) ORDER BY pubkey FOR UPDATE")) {
          ps.setArray(1, textArray(c, d, chunk));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              marks.put(rs.getString(1), new int[] {rs.getInt(2), rs.getInt(3)});
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
      if (!last.isEmpty() && d == Dialect.POSTGRESQL) {
        List<Renewal> moved = new ArrayList<>(last.values());
        try (PreparedStatement ps = c.prepareStatement(PG_MOVE_RENEWAL_MARKS)) {
          ps.setArray(1, c.createArrayOf("varchar", moved.stream().map(Renewal::tenant).toArray()));
          ps.setArray(2, c.createArrayOf("int4", moved.stream().map(Renewal::period).toArray()));
          ps.setArray(3, c.createArrayOf("int8", moved.stream().map(r -> r.periodStart().getEpochSecond()).toArray()));
          ps.setArray(4, c.createArrayOf("int4", moved.stream().map(r -> before.get(r.tenant())).toArray()));
          if (ps.executeUpdate() != moved.size()) {
            throw new SQLException("a renewal mark moved under its lock", "40001");
          }
        }
      } else if (!last.isEmpty()) {
        try (PreparedStatement ps = c.prepareStatement("UPDATE billing_tenant SET renewed_through = ?, "
            + "renewed_period_start = ? WHERE pubkey = ? AND renewed_through = ?")) {
          for (Renewal r : last.values()) {
            ps.setInt(1, r.period());
            setInstant(ps, 2, r.periodStart());
            ps.setString(3, r.tenant());
            ps.setInt(4, before.get(r.tenant()));
            ps.addBatch();
          }
          expectEachUpdatedOnce(ps.executeBatch());
        }
      }
      return applied;
    });
  }

  @Override
  public List<Invoice> claim(List<Claim> claims, Function<Claim, String> invoiceIdFor) {
    Objects.requireNonNull(claims, "claims");
    Objects.requireNonNull(invoiceIdFor, "invoiceIdFor");
    if (claims.isEmpty()) {
      return List.of();
    }
    return write("claiming items", (c, d) -> {
      List<String> tenants = distinctTenants(claims.stream().map(Claim::tenant).toList());
      lockTenants(c, d, tenants);
      Map<String, BigDecimal> unclaimed = new HashMap<>();
      Map<String, Integer> unclaimedCount = new HashMap<>();
      for (List<String> chunk : chunks(tenants)) {
        try (PreparedStatement ps = c.prepareStatement("SELECT tenant, SUM(amount), COUNT(*) FROM billing_item "
            + "WHERE tenant = ANY (?) AND invoice_id IS NULL GROUP BY tenant")) {
          ps.setArray(1, textArray(c, d, chunk));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              unclaimed.put(rs.getString(1), rs.getBigDecimal(2));
              unclaimedCount.put(rs.getString(1), rs.getInt(3));
            }
          }
        }
      }
      // Ids are drawn only for the invoices made, in claim order (Repository#claim).
      List<Invoice> created = new ArrayList<>();
      Set<String> drawn = new HashSet<>();
      for (Claim claim : claims) {
        BigDecimal sum = unclaimed.remove(claim.tenant());
        if (sum == null || sum.signum() <= 0) {
          continue;
        }
        long total;
        try {
          total = sum.longValueExact();
        } catch (ArithmeticException e) {
          throw new InvalidInputException("tenant " + claim.tenant() + " owes more than a long holds");
        }
        String invoiceId = invoiceIdFor.apply(claim);
        if (invoiceId == null || invoiceId.isBlank() || !drawn.add(invoiceId)) {
          throw new InvalidInputException("invoice id " + invoiceId + " is blank or given twice");
        }
        created.add(new Invoice(invoiceId, claim.tenant(), claim.periodStart(), claim.periodEnd(), total,
            claim.currency(), claim.createdAt(), Optional.empty()));
      }
      if (created.isEmpty()) {
        return List.<Invoice>of();
      }
      for (List<String> chunk : chunks(List.copyOf(drawn))) {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM billing_invoice WHERE id = ANY (?)")) {
          ps.setArray(1, textArray(c, d, chunk));
          List<String> taken = firstColumn(ps);
          if (!taken.isEmpty()) {
            throw new InvalidInputException("invoice id " + taken.get(0) + " is taken");
          }
        }
      }
      if (d == Dialect.POSTGRESQL) {
        claimInPostgres(c, created, created.stream().mapToInt(i -> unclaimedCount.get(i.tenant())).sum());
        return List.copyOf(created);
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO billing_invoice (id, tenant, period_start, "
          + "period_end, total, currency, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (Invoice invoice : created) {
          ps.setString(1, invoice.id());
          ps.setString(2, invoice.tenant());
          setInstant(ps, 3, invoice.periodStart());
          setInstant(ps, 4, invoice.periodEnd());
          ps.setLong(5, invoice.total());
          ps.setString(6, invoice.currency());
          setInstant(ps, 7, invoice.createdAt());
          setInstant(ps, 8, invoice.createdAt());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE billing_item SET invoice_id = ? WHERE tenant = ? AND invoice_id IS NULL")) {
        for (Invoice invoice : created) {
          ps.setString(1, invoice.id());
          ps.setString(2, invoice.tenant());
          ps.addBatch();
        }
        for (int count : ps.executeBatch()) {
          if (count == 0) {
            throw new SQLException("unclaimed items vanished under the tenant lock", "40001");
          }
        }
      }
      return List.copyOf(created);
    });
  }

  /** The invoices inserted and their items moved onto them in two statements, whatever their number. */
  private static void claimInPostgres(Connection c, List<Invoice> created, int expectedItems) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(PG_INSERT_INVOICES)) {
      ps.setArray(1, c.createArrayOf("varchar", created.stream().map(Invoice::id).toArray()));
      ps.setArray(2, c.createArrayOf("varchar", created.stream().map(Invoice::tenant).toArray()));
      ps.setArray(3, c.createArrayOf("int8", created.stream().map(i -> i.periodStart().getEpochSecond()).toArray()));
      ps.setArray(4, c.createArrayOf("int8", created.stream().map(i -> i.periodEnd().getEpochSecond()).toArray()));
      ps.setArray(5, c.createArrayOf("int8", created.stream().map(Invoice::total).toArray()));
      ps.setArray(6, c.createArrayOf("varchar", created.stream().map(Invoice::currency).toArray()));
      ps.setArray(7, c.createArrayOf("int8", created.stream().map(i -> i.createdAt().getEpochSecond()).toArray()));
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(PG_CLAIM_ITEMS)) {
      ps.setArray(1, c.createArrayOf("varchar", created.stream().map(Invoice::tenant).toArray()));
      ps.setArray(2, c.createArrayOf("varchar", created.stream().map(Invoice::id).toArray()));
      if (ps.executeUpdate() != expectedItems) {
        throw new SQLException("unclaimed items changed under the tenant lock", "40001");
      }
    }
  }

  // ---- reading the ledger ----

  @Override
  public Optional<Invoice> findInvoice(String invoiceId) {
    return read("reading invoice", (c, d) -> {
      List<Invoice> found = queryInvoices(c, "SELECT " + INVOICE_COLUMNS + INVOICE_FROM + " WHERE i.id = ?", invoiceId);
      return found.isEmpty() ? Optional.<Invoice>empty() : Optional.of(found.get(0));
    });
  }

  @Override
  public List<Invoice> invoices(String tenant) {
    return read("reading invoices", (c, d) -> queryInvoices(c,
        "SELECT " + INVOICE_COLUMNS + INVOICE_FROM + " WHERE i.tenant = ? ORDER BY i.seq", tenant));
  }

  @Override
  public List<InvoiceItem> items(String tenant) {
    return read("reading items", (c, d) -> queryItems(c,
        "SELECT " + ITEM_COLUMNS + " FROM billing_item WHERE tenant = ? ORDER BY at, seq", tenant));
  }

  @Override
  public List<InvoiceItem> invoiceItems(String invoiceId) {
    return read("reading invoice items", (c, d) -> queryItems(c,
        "SELECT " + ITEM_COLUMNS + " FROM billing_item WHERE tenant = (SELECT tenant FROM billing_invoice WHERE id = ?) "
            + "AND invoice_id = ? ORDER BY at, seq", invoiceId, invoiceId));
  }

  @Override
  public List<InvoiceItem> unclaimedItems(String tenant) {
    return read("reading unclaimed items", (c, d) -> queryItems(c,
        "SELECT " + ITEM_COLUMNS + " FROM billing_item WHERE tenant = ? AND invoice_id IS NULL ORDER BY at, seq",
        tenant));
  }

  @Override
  public Optional<CollectionState> collectionState(String invoiceId) {
    return read("reading collection state", (c, d) -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT rounds, round_open, first_attempt_at, next_attempt_at, "
          + "lease_until, hold_reason, hold_detail FROM billing_invoice WHERE id = ?")) {
        ps.setString(1, invoiceId);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.<CollectionState>empty();
          }
          String hold = rs.getString(6);
          return Optional.of(new CollectionState(rs.getInt(1), rs.getBoolean(2), Optional.ofNullable(instant(rs, 3)),
              Optional.ofNullable(instant(rs, 4)), Optional.ofNullable(instant(rs, 5)),
              hold == null ? Optional.empty()
                  : Optional.of(new CollectionHold(CollectionHold.Reason.valueOf(hold), rs.getString(7)))));
        }
      }
    });
  }

  // ---- collecting payment ----

  @Override
  public Optional<PaymentLease> acquireLease(String invoiceId, String owner, Instant now, Duration ttl) {
    if (owner == null || owner.isBlank()) {
      throw new InvalidInputException("lease owner must not be blank");
    }
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(ttl, "ttl");
    return write("leasing invoice " + invoiceId, (c, d) -> {
      int rounds;
      boolean open;
      Instant first;
      // The row lock makes the due check and the lease one step: no other instance can start
      // a round between them. This is the only way into a round.
      try (PreparedStatement ps = c.prepareStatement("SELECT paid, rounds, round_open, first_attempt_at, lease_until, "
          + "next_attempt_at FROM billing_invoice WHERE id = ? FOR UPDATE")) {
        ps.setString(1, invoiceId);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next() || rs.getBoolean(1)) {
            return Optional.<PaymentLease>empty();
          }
          Instant until = instant(rs, 5);
          Instant next = instant(rs, 6);
          if ((until != null && until.isAfter(now)) || next == null || next.isAfter(now)) {
            return Optional.<PaymentLease>empty();
          }
          rounds = rs.getInt(2);
          open = rs.getBoolean(3);
          first = instant(rs, 4);
        }
      }
      // A finished round starts the next; an open one (outcome unknown, holder gone) resumes.
      int round = open ? rounds : rounds + 1;
      Instant firstAttempt = first == null ? now : first;
      PaymentLease lease = new PaymentLease(invoiceId, owner + "/" + UUID.randomUUID(), round, firstAttempt,
          now.plus(ttl));
      // Should the holder die, the open round is due again when its lease runs out.
      try (PreparedStatement ps = c.prepareStatement("UPDATE billing_invoice SET rounds = ?, round_open = TRUE, "
          + "first_attempt_at = ?, lease_token = ?, lease_until = ?, next_attempt_at = ? WHERE id = ?")) {
        ps.setInt(1, round);
        setInstant(ps, 2, firstAttempt);
        ps.setString(3, lease.token());
        setInstant(ps, 4, lease.until());
        setInstant(ps, 5, lease.until());
        ps.setString(6, invoiceId);
        ps.executeUpdate();
      }
      return Optional.of(lease);
    });
  }

  @Override
  public boolean finishRound(PaymentLease lease, Optional<Instant> nextAttemptAt) {
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    return endLease(lease, nextAttemptAt.orElse(null), true);
  }

  @Override
  public boolean holdRound(PaymentLease lease, CollectionHold hold) {
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(hold, "hold");
    return write("holding invoice " + lease.invoiceId(), (c, d) -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE billing_invoice SET round_open = FALSE, "
          + "lease_token = NULL, lease_until = NULL, next_attempt_at = NULL, "
          + "hold_reason = CASE WHEN paid THEN NULL ELSE ? END, hold_detail = CASE WHEN paid THEN NULL ELSE ? END "
          + "WHERE id = ? AND lease_token = ?")) {
        ps.setString(1, hold.reason().name());
        ps.setString(2, hold.detail());
        ps.setString(3, lease.invoiceId());
        ps.setString(4, lease.token());
        return ps.executeUpdate() == 1;
      }
    });
  }

  @Override
  public boolean scheduleNow(String invoiceId, Instant now) {
    Objects.requireNonNull(invoiceId, "invoiceId");
    Objects.requireNonNull(now, "now");
    return write("scheduling invoice " + invoiceId, (c, d) -> {
      // One guarded statement: the row lock it takes orders it against acquireLease.
      try (PreparedStatement ps = c.prepareStatement("UPDATE billing_invoice SET next_attempt_at = ? "
          + "WHERE id = ? AND NOT paid AND NOT round_open AND hold_reason IS NULL "
          + "AND (lease_until IS NULL OR lease_until <= ?)")) {
        setInstant(ps, 1, now);
        ps.setString(2, invoiceId);
        setInstant(ps, 3, now);
        return ps.executeUpdate() == 1;
      }
    });
  }

  @Override
  public boolean releaseLease(PaymentLease lease, Instant nextAttemptAt) {
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    return endLease(lease, nextAttemptAt, false);
  }

  /** Clears the lease if the token still holds it; a paid invoice gets no next attempt. */
  private boolean endLease(PaymentLease lease, Instant next, boolean closeRound) {
    return write("ending lease on " + lease.invoiceId(), (c, d) -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE billing_invoice SET "
          + (closeRound ? "round_open = FALSE, " : "")
          + "lease_token = NULL, lease_until = NULL, "
          + "next_attempt_at = CASE WHEN paid THEN NULL ELSE CAST(? AS " + d.timestampType + ") END "
          + "WHERE id = ? AND lease_token = ?")) {
        setInstant(ps, 1, next);
        ps.setString(2, lease.invoiceId());
        ps.setString(3, lease.token());
        return ps.executeUpdate() == 1;
      }
    });
  }

  @Override
  public boolean markPaid(String invoiceId, Payment payment) {
    Objects.requireNonNull(payment, "payment");
    return write("marking invoice " + invoiceId + " paid", (c, d) -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT paid FROM billing_invoice WHERE id = ? FOR UPDATE")) {
        ps.setString(1, invoiceId);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next() || rs.getBoolean(1)) {
            return false;
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE billing_invoice SET paid = TRUE, next_attempt_at = NULL, hold_reason = NULL, hold_detail = NULL "
              + "WHERE id = ?")) {
        ps.setString(1, invoiceId);
        ps.executeUpdate();
      }
      // The payment table's primary key admits one row: the transition happens once.
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO billing_payment (invoice_id, method, reference, paid_at) VALUES (?, ?, ?, ?)")) {
        ps.setString(1, invoiceId);
        ps.setString(2, payment.method().wireName());
        ps.setString(3, payment.reference());
        setInstant(ps, 4, payment.paidAt());
        ps.executeUpdate();
      }
      return true;
    });
  }

  @Override
  public CardCharge noteCardCharge(CardCharge charge) {
    Objects.requireNonNull(charge, "charge");
    return write("noting the card charge of " + charge.invoiceId(), (c, d) -> {
      // The invoice row lock serializes racing notes; the primary key backs it up.
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM billing_invoice WHERE id = ? FOR UPDATE")) {
        ps.setString(1, charge.invoiceId());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new InvalidInputException("no invoice " + charge.invoiceId());
          }
        }
      }
      Optional<CardCharge> noted = cardCharge(c, charge.invoiceId(), charge.round());
      if (noted.isPresent()) {
        return noted.get();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO billing_card_charge "
          + "(invoice_id, round, payment_method_id, sent_at) VALUES (?, ?, ?, ?)")) {
        ps.setString(1, charge.invoiceId());
        ps.setInt(2, charge.round());
        ps.setString(3, charge.paymentMethodId());
        setInstant(ps, 4, charge.sentAt());
        ps.executeUpdate();
      }
      return charge;
    });
  }

  @Override
  public Optional<CardCharge> findCardCharge(String invoiceId, int round) {
    return read("reading the card charge of " + invoiceId, (c, d) -> cardCharge(c, invoiceId, round));
  }

  private static Optional<CardCharge> cardCharge(Connection c, String invoiceId, int round) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT payment_method_id, sent_at FROM billing_card_charge "
        + "WHERE invoice_id = ? AND round = ?")) {
      ps.setString(1, invoiceId);
      ps.setInt(2, round);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(new CardCharge(invoiceId, round, rs.getString(1), instant(rs, 2)))
            : Optional.<CardCharge>empty();
      }
    }
  }

  @Override
  public List<String> dueInvoices(Instant now, int limit) {
    Objects.requireNonNull(now, "now");
    if (limit < 1) {
      return List.of();
    }
    return read("listing due invoices", (c, d) -> {
      // SKIP LOCKED: an invoice another instance is leasing right now is not handed out again.
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM billing_invoice WHERE NOT paid "
          + "AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) "
          + "ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED")) {
        setInstant(ps, 1, now);
        setInstant(ps, 2, now);
        ps.setInt(3, limit);
        return firstColumn(ps);
      }
    });
  }

  // ---- BOLT11 ----

  @Override
  public Optional<Bolt11Request> findBolt11(String invoiceId) {
    return read("reading BOLT11", (c, d) -> liveBolt11(c, invoiceId));
  }

  @Override
  public Bolt11Request replaceBolt11(Bolt11Request fresh, Optional<String> expectedCurrent) {
    Objects.requireNonNull(fresh, "fresh");
    Objects.requireNonNull(expectedCurrent, "expectedCurrent");
    return write("replacing BOLT11 of " + fresh.invoiceId(), (c, d) -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM billing_invoice WHERE id = ? FOR UPDATE")) {
        ps.setString(1, fresh.invoiceId());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new InvalidInputException("no invoice " + fresh.invoiceId());
          }
        }
      }
      Optional<Bolt11Request> current = liveBolt11(c, fresh.invoiceId());
      if (current.isPresent()) {
        if (!Optional.of(current.get().bolt11()).equals(expectedCurrent)) {
          return current.get();
        }
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE billing_bolt11 SET live_invoice_id = NULL WHERE live_invoice_id = ?")) {
          ps.setString(1, fresh.invoiceId());
          ps.executeUpdate();
        }
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO billing_bolt11 (live_invoice_id, "
          + BOLT11_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, fresh.invoiceId());
        ps.setString(2, fresh.invoiceId());
        ps.setString(3, fresh.bolt11());
        ps.setString(4, fresh.paymentHash());
        ps.setLong(5, fresh.msats());
        setInstant(ps, 6, fresh.createdAt());
        setInstant(ps, 7, fresh.expiresAt());
        setInstant(ps, 8, fresh.settledAt().orElse(null));
        ps.executeUpdate();
      }
      return fresh;
    });
  }

  @Override
  public void markBolt11Settled(String invoiceId, String bolt11, Instant at) {
    Objects.requireNonNull(at, "at");
    write("settling BOLT11 of " + invoiceId, (c, d) -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE billing_bolt11 SET settled_at = ? "
          + "WHERE live_invoice_id = ? AND bolt11 = ? AND settled_at IS NULL")) {
        setInstant(ps, 1, at);
        ps.setString(2, invoiceId);
        ps.setString(3, bolt11);
        ps.executeUpdate();
      }
      return null;
    });
  }

  private static Optional<Bolt11Request> liveBolt11(Connection c, String invoiceId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT " + BOLT11_COLUMNS + " FROM billing_bolt11 WHERE live_invoice_id = ?")) {
      ps.setString(1, invoiceId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new Bolt11Request(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
            instant(rs, 5), instant(rs, 6), Optional.ofNullable(instant(rs, 7))));
      }
    }
  }

  // ---- statements shared by the methods above ----

  /** Locks the tenants' rows in ascending key order, so that two batches never deadlock. */
  private static void lockTenants(Connection c, Dialect d, List<String> sortedTenants) throws SQLException {
    for (List<String> chunk : chunks(sortedTenants)) {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT pubkey FROM billing_tenant WHERE pubkey = ANY (?) ORDER BY pubkey FOR UPDATE")) {
        ps.setArray(1, textArray(c, d, chunk));
        ps.executeQuery().close();
      }
    }
  }

  private static void insertItems(Connection c, Dialect d, List<InvoiceItem> items) throws SQLException {
    if (items.isEmpty()) {
      return;
    }
    if (d == Dialect.POSTGRESQL) {
      // One statement per chunk, whatever the driver's batch settings: arrays unnested server-side.
      try (PreparedStatement ps = c.prepareStatement(PG_INSERT_ITEMS)) {
        for (int from = 0; from < items.size(); from += ARRAY_CHUNK) {
          List<InvoiceItem> chunk = items.subList(from, Math.min(items.size(), from + ARRAY_CHUNK));
          ps.setArray(1, c.createArrayOf("varchar", chunk.stream().map(InvoiceItem::id).toArray()));
          ps.setArray(2, c.createArrayOf("varchar", chunk.stream().map(InvoiceItem::tenant).toArray()));
          ps.setArray(3, c.createArrayOf("varchar", chunk.stream().map(InvoiceItem::relay).toArray()));
          ps.setArray(4, c.createArrayOf("varchar", chunk.stream().map(InvoiceItem::plan).toArray()));
          ps.setArray(5, c.createArrayOf("int8", chunk.stream().map(InvoiceItem::amount).toArray()));
          ps.setArray(6, c.createArrayOf("varchar", chunk.stream().map(InvoiceItem::description).toArray()));
          ps.setArray(7, c.createArrayOf("int8", chunk.stream().map(i -> i.at().getEpochSecond()).toArray()));
          ps.setArray(8, c.createArrayOf("varchar", chunk.stream().map(i -> i.activityId().orElse(null)).toArray()));
          ps.setArray(9, c.createArrayOf("int4", chunk.stream()
              .map(i -> i.renewalPeriod().isPresent() ? (Object) i.renewalPeriod().getAsInt() : null).toArray()));
          ps.executeUpdate();
        }
      }
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(INSERT_ITEM)) {
      int pending = 0;
      for (InvoiceItem item : items) {
        ps.setString(1, item.id());
        ps.setString(2, item.tenant());
        ps.setString(3, item.relay());
        ps.setString(4, item.plan());
        ps.setLong(5, item.amount());
        ps.setString(6, item.description());
        setInstant(ps, 7, item.at());
        ps.setString(8, item.activityId().orElse(null));
        if (item.renewalPeriod().isPresent()) {
          ps.setInt(9, item.renewalPeriod().getAsInt());
        } else {
          ps.setNull(9, Types.INTEGER);
        }
        ps.addBatch();
        if (++pending == CHUNK) {
          ps.executeBatch();
          pending = 0;
        }
      }
      if (pending > 0) {
        ps.executeBatch();
      }
    }
  }

  private static List<Invoice> queryInvoices(Connection c, String sql, String key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, key);
      List<Invoice> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String method = rs.getString(8);
          Optional<Payment> payment = method == null ? Optional.empty()
              : Optional.of(new Payment(PaymentMethod.fromWireName(method), rs.getString(9), instant(rs, 10)));
          out.add(new Invoice(rs.getString(1), rs.getString(2), instant(rs, 3), instant(rs, 4), rs.getLong(5),
              rs.getString(6), instant(rs, 7), payment));
        }
      }
      return out;
    }
  }

  private static List<InvoiceItem> queryItems(Connection c, String sql, String... keys) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < keys.length; i++) {
        ps.setString(i + 1, keys[i]);
      }
      List<InvoiceItem> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int period = rs.getInt(9);
          OptionalInt renewal = rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(period);
          out.add(new InvoiceItem(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
              rs.getString(6), instant(rs, 7), Optional.ofNullable(rs.getString(8)), renewal,
              Optional.ofNullable(rs.getString(10))));
        }
      }
      return out;
    }
  }

  private static void expectEachUpdatedOnce(int[] counts) throws SQLException {
    for (int count : counts) {
      if (count != 1 && count != java.sql.Statement.SUCCESS_NO_INFO) {
        throw new SQLException("a guarded row changed under its lock", "40001");
      }
    }
  }

  private static List<String> distinctTenants(List<String> tenants) {
    return new ArrayList<>(new TreeSet<>(tenants));
  }

  private static List<List<String>> chunks(List<String> keys) {
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < keys.size(); i += CHUNK) {
      out.add(keys.subList(i, Math.min(keys.size(), i + CHUNK)));
    }
    return out;
  }

  private static Array textArray(Connection c, Dialect d, List<String> values) throws SQLException {
    return c.createArrayOf(d.textArrayType, values.toArray());
  }

  /** The first column of every row the statement returns, as strings. */
  private static List<String> firstColumn(PreparedStatement ps) throws SQLException {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      ps.setObject(index, OffsetDateTime.ofInstant(value, ZoneOffset.UTC));
    }
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  // ---- transactions ----

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection connection, Dialect dialect) throws SQLException;
  }

  private <T> T read(String what, Work<T> work) {
    return run(what, work, false);
  }

  private <T> T write(String what, Work<T> work) {
    return run(what, work, true);
  }

  /**
   * Runs {@code work} on a connection of its own, in one transaction when {@code transactional}.
   * Anything thrown rolls it back first; conflicts the database resolved by aborting are retried.
   */
  private <T> T run(String what, Work<T> work, boolean transactional) {
    for (int attempt = 1; ; attempt++) {
      Connection c = null;
      try {
        c = dataSource.getConnection();
        Dialect d = dialect(c);
        if (!transactional) {
          T result = work.run(c, d);
          if (!c.getAutoCommit()) {
            c.rollback(); // a pool handing out non-autocommit connections: end the read, free its locks
          }
          return result;
        }
        c.setAutoCommit(false);
        try {
          T result = work.run(c, d);
          c.commit();
          return result;
        } catch (SQLException | RuntimeException e) {
          rollbackQuietly(c, e);
          throw e;
        }
      } catch (SQLException e) {
        if (attempt < ATTEMPTS && Dialect.isRetryable(e)) {
          LOG.log(System.Logger.Level.DEBUG, () -> what + ": conflict (" + e.getSQLState() + "), running again");
          continue;
        }
        throw new StorageException(what + " failed: " + e.getMessage(), e);
      } finally {
        closeQuietly(c, transactional);
      }
    }
  }

  private Dialect dialect(Connection c) throws SQLException {
    Dialect d = dialect;
    if (d == null) {
      d = Dialect.of(c);
      dialect = d;
    }
    return d;
  }

  private static void rollbackQuietly(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /** A failure to close after commit must not turn a done write into a reported failure. */
  private static void closeQuietly(Connection c, boolean restoreAutoCommit) {
    if (c == null) {
      return;
    }
    try {
      if (restoreAutoCommit) {
        c.setAutoCommit(true);
      }
    } catch (SQLException | RuntimeException ignored) {
      // the connection is being discarded anyway
    }
    try {
      c.close();
    } catch (SQLException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing a connection failed", e);
    }
  }

  // ---- added for issue 13 (kept at the end so the file's split merges cleanly) ----

  @Override
  public boolean releaseHold(String invoiceId, CollectionHold hold, Optional<Instant> nextAttemptAt) {
    Objects.requireNonNull(invoiceId, "invoiceId");
    Objects.requireNonNull(hold, "hold");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    return write("releasing the hold on invoice " + invoiceId, (c, d) -> {
      // One guarded statement: its row lock orders it against acquireLease and markPaid.
      try (PreparedStatement ps = c.prepareStatement("UPDATE billing_invoice SET hold_reason = NULL, hold_detail = NULL, "
          + "next_attempt_at = CAST(? AS " + d.timestampType + ") "
          + "WHERE id = ? AND NOT paid AND lease_token IS NULL AND hold_reason = ? AND hold_detail = ?")) {
        setInstant(ps, 1, nextAttemptAt.orElse(null));
        ps.setString(2, invoiceId);
        ps.setString(3, hold.reason().name());
        ps.setString(4, hold.detail());
        return ps.executeUpdate() == 1;
      }
    });
  }
}
