package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.INVOICE_COLUMNS;
import static dev.caravel.billing.jdbc.Rows.INVOICE_FROM;
import static dev.caravel.billing.jdbc.Rows.ITEM_COLUMNS;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.spi.CouponRedemption;
import dev.caravel.billing.spi.RelaySnapshot;
import dev.caravel.billing.spi.StorageException;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The Repository's reads of tenants, ledgers, invoices and items. They run outside any transaction
 * ({@link Transactions#read}) and lock nothing; each statement sees one snapshot.
 */
final class LedgerReads {
  private final Transactions transactions;

  LedgerReads(Transactions transactions) {
    this.transactions = transactions;
  }

  Optional<Tenant> findTenant(String pubkey) {
    return transactions.read(
        "reading tenant",
        (c, d) -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT sealed_nwc_uri, stripe_customer_id, tax_bps, tax_label, tax_mode, "
                      + "trial_days FROM billing_tenant WHERE pubkey = ?")) {
            ps.setString(1, pubkey);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(Rows.tenant(rs, pubkey)) : Optional.<Tenant>empty();
            }
          }
        });
  }

  List<String> tenantPage(String after, int limit) {
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    return transactions.read(
        "listing tenants",
        (c, d) -> {
          String sql =
              after == null
                  ? "SELECT pubkey FROM billing_tenant ORDER BY pubkey LIMIT ?"
                  : "SELECT pubkey FROM billing_tenant WHERE pubkey > ? ORDER BY pubkey LIMIT ?";
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (after != null) {
              ps.setString(i++, after);
            }
            ps.setInt(i, limit);
            return Rows.firstColumn(ps);
          }
        });
  }

  /** Rereads of a page whose snapshots moved between its two statements, before giving up. */
  private static final int SNAPSHOT_ATTEMPTS = 5;

  List<TenantLedger> ledgers(List<String> tenants) {
    Objects.requireNonNull(tenants, "tenants");
    if (tenants.isEmpty()) {
      return List.of();
    }
    Map<String, TenantLedger> found = new HashMap<>();
    List<String> wanted = new ArrayList<>(new TreeSet<>(tenants));
    for (int attempt = 1; !wanted.isEmpty(); attempt++) {
      if (attempt > SNAPSHOT_ATTEMPTS) {
        throw new StorageException(
            "reading ledgers failed: snapshots kept moving under the read of " + wanted.size());
      }
      List<String> page = wanted;
      Map<String, TenantLedger> read =
          transactions.read("reading ledgers", (c, d) -> read(c, d, page));
      wanted = new ArrayList<>();
      for (String tenant : page) {
        TenantLedger ledger = read.get(tenant);
        if (ledger == MOVED) {
          wanted.add(tenant);
        } else if (ledger != null) {
          found.put(tenant, ledger);
        }
      }
    }
    List<TenantLedger> ordered = new ArrayList<>();
    for (String tenant : tenants) {
      TenantLedger ledger = found.get(tenant);
      if (ledger != null) {
        ordered.add(ledger);
      }
    }
    return ordered;
  }

  /**
   * How far before its anchor a tenant's log may begin: a trial's length at most (S20: a trial's
   * activity precedes its anchor, the trial's end), in hours so that no time zone's day length
   * moves it, with a day to spare. Without a snapshot the whole log is read, from there; the bound
   * keeps the read an index range scan.
   */
  private static final String TRIAL_MARGIN =
      "INTERVAL '" + (dev.caravel.billing.spi.Tenant.MAX_TRIAL_DAYS + 1) * 24 + "' HOUR";

  /**
   * PostgreSQL: the tail's upper bound, true of every activity (GREATEST ignores a null, and no
   * instant is after infinity), so it filters nothing. It is there for the planner: the snapshot
   * point alone is a bound it cannot evaluate, estimated to keep a third of the tenant's rows, and
   * where one tenant holds most of the table (a single large tenant, a small deployment) a third of
   * the table costs more by the index than a scan of the whole table and a sort, so each record
   * read the tenant's whole history (issue 25: 10,000 rows scanned for a tail of 250). A pair of
   * bounds it cannot evaluate is estimated at half a percent, and the index range is chosen
   * whatever the statistics.
   */
  private static final String UNBOUNDED_ABOVE =
      "at <= GREATEST(t.last_activity_at, TIMESTAMPTZ 'infinity')";

  /**
   * Each tenant's unclaimed items summed and counted in the statement that reads its log, so that a
   * poll page claims without another read (the index on unclaimed items, as {@link
   * BillingWrites#unclaimedTotals} reads them; its tenants are the statement's second parameter).
   * H2 only: PostgreSQL reads them as {@link #UNCLAIMED_OF_T}.
   */
  private static final String UNCLAIMED_JOIN =
      "LEFT JOIN (SELECT tenant, SUM(amount) AS total, COUNT(*) AS n FROM billing_item "
          + "WHERE tenant = ANY (?) AND invoice_id IS NULL GROUP BY tenant) u ON u.tenant = t.pubkey ";

  /**
   * PostgreSQL: a tenant's unclaimed items summed ({@code %s} is SUM(amount) or COUNT(*)), as a
   * subquery of its first row only ({@link #FIRST_ROW_ONLY}), so it runs once per tenant. Joined as
   * {@link #UNCLAIMED_JOIN}, the planner may put the aggregate inside the loop over the tail (it
   * estimates one row for both sides) and run it once per tail row: a record late in a busy period
   * then cost the square of its period's activities.
   */
  private static final String UNCLAIMED_OF_T =
      "(SELECT %s FROM billing_item WHERE tenant = t.pubkey AND invoice_id IS NULL)";

  /**
   * A tenant's column on its first row only (the one {@link Rows#ledgers} reads it from), null on
   * the rest: how the tenant pays is read with its ledger, so the invoices claimed from the read
   * are collected without reading the tenant again, but a sealed NWC URI is not sent once per
   * activity of a long tail. PostgreSQL only; H2, used for tests, repeats it on every row.
   */
  private static final String FIRST_ROW_ONLY = "CASE WHEN a.rn IS NULL OR a.rn = 1 THEN %s END";

  /** Marks a tenant whose snapshot moved between the two statements of a read: read it again. */
  private static final TenantLedger MOVED =
      new TenantLedger("0".repeat(64), Optional.empty(), 0, List.of(), java.util.Set.of());

  /**
   * Each tenant with its log's tail (the activities at or after its snapshot point, found through
   * the {@code (tenant, at, seq)} index), then its snapshot's relays. The two statements may see
   * two states of the database: a renewal committed between them shows as relays of another
   * snapshot period than the tenant's, and that tenant is marked {@link #MOVED}.
   */
  private static Map<String, TenantLedger> read(Connection c, Dialect d, List<String> sorted)
      throws SQLException {
    Map<String, TenantLedger> out = new HashMap<>();
    String sql = ledgerSql(d);
    for (List<String> chunk : Dialect.chunks(sorted)) {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setArray(1, d.textArray(c, chunk));
        if (d != Dialect.POSTGRESQL) {
          ps.setArray(2, d.textArray(c, chunk));
        }
        try (ResultSet rs = ps.executeQuery()) {
          Rows.ledgers(rs, out);
        }
      }
    }
    List<String> withSnapshot =
        out.values().stream()
            .filter(l -> l.snapshotPeriod() > 0)
            .map(TenantLedger::tenant)
            .sorted()
            .toList();
    Map<String, List<RelaySnapshot>> relays = new HashMap<>();
    java.util.Set<String> moved = new java.util.HashSet<>();
    for (List<String> chunk : Dialect.chunks(withSnapshot)) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT tenant, relay, snap_period, snap_active, snap_plan, snap_plan_since, "
                  + "snap_change_plan, snap_change_at "
                  + "FROM billing_relay WHERE tenant = ANY (?) AND snap_period IS NOT NULL "
                  + "ORDER BY tenant, relay")) {
        ps.setArray(1, d.textArray(c, chunk));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String tenant = rs.getString(1);
            if (rs.getInt(3) != out.get(tenant).snapshotPeriod()) {
              moved.add(tenant);
            }
            relays
                .computeIfAbsent(tenant, k -> new ArrayList<>())
                .add(
                    new RelaySnapshot(
                        rs.getString(2),
                        rs.getBoolean(4),
                        Optional.ofNullable(rs.getString(5)),
                        Optional.ofNullable(Rows.instant(rs, 6)),
                        rs.getString(7) == null
                            ? Optional.empty()
                            : Optional.of(
                                new RelaySnapshot.ScheduledChange(
                                    rs.getString(7), Rows.instant(rs, 8)))));
          }
        }
      }
    }
    // A tenant whose first snapshot landed after the first statement shows relays while its
    // ledger says none.
    for (List<String> chunk :
        Dialect.chunks(
            out.values().stream()
                .filter(l -> l.snapshotPeriod() == 0 && l.renewedThrough() > 0)
                .map(TenantLedger::tenant)
                .sorted()
                .toList())) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT DISTINCT tenant FROM billing_relay "
                  + "WHERE tenant = ANY (?) AND snap_period IS NOT NULL")) {
        ps.setArray(1, d.textArray(c, chunk));
        moved.addAll(Rows.firstColumn(ps));
      }
    }
    // S21: each tenant's latest redemption, one statement a chunk (an index range per tenant).
    Map<String, CouponRedemption> coupons =
        CouponStatements.latest(c, d, out.keySet().stream().sorted().toList());
    for (Map.Entry<String, TenantLedger> e : out.entrySet()) {
      TenantLedger l = e.getValue();
      List<RelaySnapshot> snapshot = relays.get(e.getKey());
      CouponRedemption coupon = coupons.get(e.getKey());
      if (snapshot == null && coupon == null) {
        continue;
      }
      e.setValue(
          new TenantLedger(
              l.tenant(),
              l.anchor(),
              l.renewedThrough(),
              l.snapshotPeriod(),
              snapshot == null ? l.snapshot() : snapshot,
              l.activityCount(),
              l.activities(),
              l.billedActivityIds(),
              l.lastActivityAt(),
              l.unclaimed(),
              l.profile(),
              Optional.ofNullable(coupon)));
    }
    for (String tenant : moved) {
      out.put(tenant, MOVED);
    }
    return out;
  }

  /**
   * The first statement of a read: each tenant of the array parameter (its second too on H2) with
   * its log's tail, ordered by tenant and log order.
   */
  static String ledgerSql(Dialect d) {
    // On PostgreSQL a LATERAL join: each tenant's tail is then an index range scan from its own
    // snapshot point, where a plain join may be planned as one scan of the tenants' whole logs
    // (the snapshot point is a join condition the planner cannot bound the index with; see also
    // UNBOUNDED_ABOVE).
    return d == Dialect.POSTGRESQL
        ? "SELECT t.pubkey, t.anchor, t.renewed_through, t.snapshot_period, t.activity_count, "
            + "a.id, a.type, a.relay, a.plan, a.at, a.billed, t.last_activity_at, "
            + FIRST_ROW_ONLY.formatted(UNCLAIMED_OF_T.formatted("SUM(amount)"))
            + ", "
            + FIRST_ROW_ONLY.formatted(UNCLAIMED_OF_T.formatted("COUNT(*)"))
            + ", t.tax_bps, t.tax_label, t.tax_mode, t.trial_days, "
            + FIRST_ROW_ONLY.formatted("t.sealed_nwc_uri")
            + ", "
            + FIRST_ROW_ONLY.formatted("t.stripe_customer_id")
            + " FROM billing_tenant t LEFT JOIN LATERAL (SELECT id, type, relay, plan, at, billed, "
            + "seq, row_number() OVER (ORDER BY at, seq) AS rn "
            + "FROM billing_activity WHERE tenant = t.pubkey "
            + "AND at >= COALESCE(t.snapshot_start, t.anchor - "
            + TRIAL_MARGIN
            + ") AND "
            + UNBOUNDED_ABOVE
            + " ORDER BY at, seq) a ON TRUE "
            + "WHERE t.pubkey = ANY (?) ORDER BY t.pubkey, a.at, a.seq"
        : "SELECT t.pubkey, t.anchor, t.renewed_through, t.snapshot_period, t.activity_count, "
            + "a.id, a.type, a.relay, a.plan, a.at, a.billed, t.last_activity_at, u.total, u.n, "
            + "t.tax_bps, t.tax_label, t.tax_mode, t.trial_days, t.sealed_nwc_uri, t.stripe_customer_id "
            + "FROM billing_tenant t LEFT JOIN billing_activity a ON a.tenant = t.pubkey "
            + "AND a.at >= COALESCE(t.snapshot_start, t.anchor - "
            + TRIAL_MARGIN
            + ") "
            + UNCLAIMED_JOIN
            + "WHERE t.pubkey = ANY (?) ORDER BY t.pubkey, a.at, a.seq";
  }

  Optional<Invoice> findInvoice(String invoiceId) {
    return transactions.read(
        "reading invoice",
        (c, d) -> {
          List<Invoice> found =
              queryInvoices(
                  c, "SELECT " + INVOICE_COLUMNS + INVOICE_FROM + " WHERE i.id = ?", invoiceId);
          return found.isEmpty() ? Optional.<Invoice>empty() : Optional.of(found.get(0));
        });
  }

  List<Invoice> invoices(String tenant) {
    return transactions.read(
        "reading invoices",
        (c, d) ->
            queryInvoices(
                c,
                "SELECT " + INVOICE_COLUMNS + INVOICE_FROM + " WHERE i.tenant = ? ORDER BY i.seq",
                tenant));
  }

  List<InvoiceItem> items(String tenant) {
    return transactions.read(
        "reading items",
        (c, d) ->
            queryItems(
                c,
                "SELECT " + ITEM_COLUMNS + " FROM billing_item WHERE tenant = ? ORDER BY at, seq",
                tenant));
  }

  List<InvoiceItem> invoiceItems(String invoiceId) {
    return transactions.read(
        "reading invoice items",
        (c, d) ->
            queryItems(
                c,
                "SELECT "
                    + ITEM_COLUMNS
                    + " FROM billing_item WHERE tenant = (SELECT tenant FROM billing_invoice WHERE id = ?) "
                    + "AND invoice_id = ? ORDER BY at, seq",
                invoiceId,
                invoiceId));
  }

  List<InvoiceItem> unclaimedItems(String tenant) {
    return transactions.read(
        "reading unclaimed items",
        (c, d) ->
            queryItems(
                c,
                "SELECT "
                    + ITEM_COLUMNS
                    + " FROM billing_item WHERE tenant = ? AND invoice_id IS NULL ORDER BY at, seq",
                tenant));
  }

  private static List<Invoice> queryInvoices(Connection c, String sql, String key)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, key);
      List<Invoice> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(Rows.invoice(rs));
        }
      }
      return out;
    }
  }

  private static List<InvoiceItem> queryItems(Connection c, String sql, String... keys)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < keys.length; i++) {
        ps.setString(i + 1, keys[i]);
      }
      List<InvoiceItem> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(Rows.item(rs));
        }
      }
      return out;
    }
  }
}
