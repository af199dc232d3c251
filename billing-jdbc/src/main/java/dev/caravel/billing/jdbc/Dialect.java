package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.RelaySnapshot;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.StorageException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The statements that differ between the databases we support; everything else is shared SQL.
 * PostgreSQL takes a whole batch as arrays unnested server-side, one statement per chunk whatever
 * the driver's batch settings; H2 gets the same rows as a JDBC batch. The batch writes run in the
 * caller's transaction, under the tenant locks it took, and rely on those locks for their checks.
 */
enum Dialect {
  POSTGRESQL(
      "postgresql",
      "varchar",
      "TIMESTAMPTZ",
      "INSERT INTO billing_tenant (pubkey, sealed_nwc_uri, stripe_customer_id, tax_bps, "
          + "tax_label, tax_mode, trial_days) VALUES (?, ?, ?, ?, ?, ?, ?) "
          + "ON CONFLICT (pubkey) DO UPDATE SET sealed_nwc_uri = EXCLUDED.sealed_nwc_uri, "
          + "stripe_customer_id = EXCLUDED.stripe_customer_id, tax_bps = EXCLUDED.tax_bps, "
          + "tax_label = EXCLUDED.tax_label, tax_mode = EXCLUDED.tax_mode, "
          + "trial_days = EXCLUDED.trial_days") {

    /** Rows per statement when PostgreSQL takes a whole batch as arrays. */
    private static final int ARRAY_CHUNK = 5000;

    private static final String INSERT_ITEMS =
        "INSERT INTO billing_item "
            + "(id, tenant, relay, plan, amount, description, at, activity_id, renewal_period) "
            + "SELECT id, tenant, relay, plan, amount, description, to_timestamp(at), activity_id, renewal_period "
            + "FROM unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::int8[], ?::varchar[], ?::int8[], "
            + "?::varchar[], ?::int4[]) WITH ORDINALITY "
            + "AS v(id, tenant, relay, plan, amount, description, at, activity_id, renewal_period, n) ORDER BY n";
    private static final String INSERT_INVOICES =
        "INSERT INTO billing_invoice "
            + "(id, tenant, period_start, period_end, total, currency, created_at, next_attempt_at, "
            + "invoice_number) "
            + "SELECT id, tenant, to_timestamp(ps), to_timestamp(pe), total, currency, to_timestamp(ca), to_timestamp(ca), num "
            + "FROM unnest(?::varchar[], ?::varchar[], ?::int8[], ?::int8[], ?::int8[], ?::varchar[], ?::int8[], ?::int8[]) "
            + "WITH ORDINALITY AS v(id, tenant, ps, pe, total, currency, ca, num, n) ORDER BY n";
    private static final String CLAIM_ITEMS =
        "UPDATE billing_item i SET invoice_id = v.invoice "
            + "FROM unnest(?::varchar[], ?::varchar[]) AS v(tenant, invoice) "
            + "WHERE i.tenant = v.tenant AND i.invoice_id IS NULL";

    /**
     * The renewal marks, the snapshot point where it moves, and "due now" where items were added.
     */
    private static final String MOVE_RENEWAL_MARKS =
        "UPDATE billing_tenant t "
            + "SET renewed_through = v.period, renewed_period_start = to_timestamp(v.start), "
            + "snapshot_period = CASE WHEN v.snap THEN v.period ELSE t.snapshot_period END, "
            + "snapshot_start = CASE WHEN v.snap THEN to_timestamp(v.start) ELSE t.snapshot_start END, "
            + "due_at = CASE WHEN v.due THEN CAST('1970-01-01 00:00:00+00' AS TIMESTAMPTZ) ELSE t.due_at END "
            + "FROM unnest(?::varchar[], ?::int4[], ?::int8[], ?::int4[], ?::bool[], ?::bool[]) "
            + "AS v(pubkey, period, start, before, snap, due) "
            + "WHERE t.pubkey = v.pubkey AND t.renewed_through = v.before";

    @Override
    void insertItems(Connection c, List<InvoiceItem> items) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement(INSERT_ITEMS)) {
        for (int from = 0; from < items.size(); from += ARRAY_CHUNK) {
          List<InvoiceItem> chunk = items.subList(from, Math.min(items.size(), from + ARRAY_CHUNK));
          ps.setArray(1, c.createArrayOf("varchar", chunk.stream().map(InvoiceItem::id).toArray()));
          ps.setArray(
              2, c.createArrayOf("varchar", chunk.stream().map(InvoiceItem::tenant).toArray()));
          ps.setArray(
              3, c.createArrayOf("varchar", chunk.stream().map(InvoiceItem::relay).toArray()));
          ps.setArray(
              4, c.createArrayOf("varchar", chunk.stream().map(InvoiceItem::plan).toArray()));
          ps.setArray(
              5, c.createArrayOf("int8", chunk.stream().map(InvoiceItem::amount).toArray()));
          ps.setArray(
              6,
              c.createArrayOf("varchar", chunk.stream().map(InvoiceItem::description).toArray()));
          ps.setArray(
              7,
              c.createArrayOf("int8", chunk.stream().map(i -> i.at().getEpochSecond()).toArray()));
          ps.setArray(
              8,
              c.createArrayOf(
                  "varchar", chunk.stream().map(i -> i.activityId().orElse(null)).toArray()));
          ps.setArray(
              9,
              c.createArrayOf(
                  "int4",
                  chunk.stream()
                      .map(
                          i ->
                              i.renewalPeriod().isPresent()
                                  ? (Object) i.renewalPeriod().getAsInt()
                                  : null)
                      .toArray()));
          ps.executeUpdate();
        }
      }
    }

    @Override
    void insertInvoicesClaimingItems(
        Connection c, List<Invoice> created, List<Long> numbers, int unclaimedItems)
        throws SQLException {
      try (PreparedStatement ps = c.prepareStatement(INSERT_INVOICES)) {
        ps.setArray(1, c.createArrayOf("varchar", created.stream().map(Invoice::id).toArray()));
        ps.setArray(2, c.createArrayOf("varchar", created.stream().map(Invoice::tenant).toArray()));
        ps.setArray(
            3,
            c.createArrayOf(
                "int8", created.stream().map(i -> i.periodStart().getEpochSecond()).toArray()));
        ps.setArray(
            4,
            c.createArrayOf(
                "int8", created.stream().map(i -> i.periodEnd().getEpochSecond()).toArray()));
        ps.setArray(5, c.createArrayOf("int8", created.stream().map(Invoice::total).toArray()));
        ps.setArray(
            6, c.createArrayOf("varchar", created.stream().map(Invoice::currency).toArray()));
        ps.setArray(
            7,
            c.createArrayOf(
                "int8", created.stream().map(i -> i.createdAt().getEpochSecond()).toArray()));
        ps.setArray(8, c.createArrayOf("int8", numbers.toArray()));
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement(CLAIM_ITEMS)) {
        ps.setArray(1, c.createArrayOf("varchar", created.stream().map(Invoice::tenant).toArray()));
        ps.setArray(2, c.createArrayOf("varchar", created.stream().map(Invoice::id).toArray()));
        if (ps.executeUpdate() != unclaimedItems) {
          throw new SQLException("unclaimed items changed under the tenant lock", "40001");
        }
      }
    }

    private static final String WRITE_RELAY_SNAPSHOTS =
        "UPDATE billing_relay r SET snap_period = v.period, snap_active = v.active, "
            + "snap_plan = v.plan, snap_plan_since = to_timestamp(v.since), "
            + "snap_change_plan = v.change_plan, snap_change_at = to_timestamp(v.change_at) "
            + "FROM unnest(?::varchar[], ?::varchar[], ?::int4[], ?::bool[], ?::varchar[], ?::int8[], "
            + "?::varchar[], ?::int8[]) "
            + "AS v(tenant, relay, period, active, plan, since, change_plan, change_at) "
            + "WHERE r.tenant = v.tenant AND r.relay = v.relay";

    /** Each snapshot renewal's relay states, as arrays unnested server-side. */
    private void writeRelaySnapshots(Connection c, List<Renewal> renewals) throws SQLException {
      List<Object[]> rows = relayRows(renewals);
      try (PreparedStatement ps = c.prepareStatement(WRITE_RELAY_SNAPSHOTS)) {
        for (int from = 0; from < rows.size(); from += ARRAY_CHUNK) {
          List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + ARRAY_CHUNK));
          String[] types = {
            "varchar", "varchar", "int4", "bool", "varchar", "int8", "varchar", "int8"
          };
          for (int col = 0; col < types.length; col++) {
            int k = col;
            ps.setArray(
                col + 1, c.createArrayOf(types[col], chunk.stream().map(r -> r[k]).toArray()));
          }
          ps.executeUpdate();
        }
      }
    }

    @Override
    void moveRenewalMarks(
        Connection c,
        List<Renewal> moved,
        Map<String, Integer> before,
        List<Renewal> snapshots,
        Set<String> due)
        throws SQLException {
      Set<String> snapped = new HashSet<>();
      snapshots.forEach(r -> snapped.add(r.tenant()));
      try (PreparedStatement ps = c.prepareStatement(MOVE_RENEWAL_MARKS)) {
        ps.setArray(1, c.createArrayOf("varchar", moved.stream().map(Renewal::tenant).toArray()));
        ps.setArray(2, c.createArrayOf("int4", moved.stream().map(Renewal::period).toArray()));
        ps.setArray(
            3,
            c.createArrayOf(
                "int8", moved.stream().map(r -> r.periodStart().getEpochSecond()).toArray()));
        ps.setArray(
            4, c.createArrayOf("int4", moved.stream().map(r -> before.get(r.tenant())).toArray()));
        ps.setArray(
            5,
            c.createArrayOf(
                "bool", moved.stream().map(r -> snapped.contains(r.tenant())).toArray()));
        ps.setArray(
            6,
            c.createArrayOf("bool", moved.stream().map(r -> due.contains(r.tenant())).toArray()));
        if (ps.executeUpdate() != moved.size()) {
          throw new SQLException("a renewal mark moved under its lock", "40001");
        }
      }
      if (!snapshots.isEmpty()) {
        writeRelaySnapshots(c, snapshots);
      }
    }

    @Override
    void dueAfterClaims(Connection c, List<Claim> idle) throws SQLException {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE billing_tenant t SET due_at = CAST(v.at AS TIMESTAMPTZ), due_taken_until = NULL "
                  + "FROM unnest(?::varchar[], ?::varchar[]) AS v(pubkey, at) WHERE t.pubkey = v.pubkey")) {
        for (int from = 0; from < idle.size(); from += ARRAY_CHUNK) {
          List<Claim> chunk = idle.subList(from, Math.min(idle.size(), from + ARRAY_CHUNK));
          ps.setArray(1, c.createArrayOf("varchar", chunk.stream().map(Claim::tenant).toArray()));
          // ISO-8601 text: exact to the microsecond, where to_timestamp(seconds) would round.
          ps.setArray(
              2,
              c.createArrayOf(
                  "varchar", chunk.stream().map(k -> k.periodEnd().toString()).toArray()));
          ps.executeUpdate();
        }
      }
    }
  },

  H2(
      "h2",
      "VARCHAR",
      "TIMESTAMP WITH TIME ZONE",
      "MERGE INTO billing_tenant (pubkey, sealed_nwc_uri, stripe_customer_id, tax_bps, tax_label, "
          + "tax_mode, trial_days) KEY (pubkey) VALUES (?, ?, ?, ?, ?, ?, ?)") {

    /** Rows sent per executeBatch. */
    private static final int BATCH = 1000;

    private static final String INSERT_ITEM =
        "INSERT INTO billing_item "
            + "(id, tenant, relay, plan, amount, description, at, activity_id, renewal_period) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

    @Override
    void insertItems(Connection c, List<InvoiceItem> items) throws SQLException {
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
          if (++pending == BATCH) {
            ps.executeBatch();
            pending = 0;
          }
        }
        if (pending > 0) {
          ps.executeBatch();
        }
      }
    }

    @Override
    void insertInvoicesClaimingItems(
        Connection c, List<Invoice> created, List<Long> numbers, int unclaimedItems)
        throws SQLException {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO billing_invoice (id, tenant, period_start, period_end, total, currency, "
                  + "created_at, next_attempt_at, invoice_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (int k = 0; k < created.size(); k++) {
          Invoice invoice = created.get(k);
          ps.setString(1, invoice.id());
          ps.setString(2, invoice.tenant());
          setInstant(ps, 3, invoice.periodStart());
          setInstant(ps, 4, invoice.periodEnd());
          ps.setLong(5, invoice.total());
          ps.setString(6, invoice.currency());
          setInstant(ps, 7, invoice.createdAt());
          setInstant(ps, 8, invoice.createdAt());
          ps.setLong(9, numbers.get(k));
          ps.addBatch();
        }
        ps.executeBatch();
      }
      // Each invoice takes its tenant's unclaimed items; a tenant left with none was changed
      // meanwhile.
      try (PreparedStatement ps =
          c.prepareStatement(
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
    }

    /** The snapshot point on the tenants and the relay states, as JDBC batches. */
    private void writeSnapshots(Connection c, List<Renewal> renewals) throws SQLException {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE billing_tenant SET snapshot_period = ?, snapshot_start = ? WHERE pubkey = ?")) {
        for (Renewal r : renewals) {
          ps.setInt(1, r.period());
          setInstant(ps, 2, r.periodStart());
          ps.setString(3, r.tenant());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE billing_relay SET snap_period = ?, snap_active = ?, snap_plan = ?, "
                  + "snap_plan_since = ?, snap_change_plan = ?, snap_change_at = ? "
                  + "WHERE tenant = ? AND relay = ?")) {
        int pending = 0;
        for (Object[] row : relayRows(renewals)) {
          ps.setInt(1, (Integer) row[2]);
          ps.setBoolean(2, (Boolean) row[3]);
          ps.setString(3, (String) row[4]);
          setInstant(ps, 4, row[5] == null ? null : java.time.Instant.ofEpochSecond((Long) row[5]));
          ps.setString(5, (String) row[6]);
          setInstant(ps, 6, row[7] == null ? null : java.time.Instant.ofEpochSecond((Long) row[7]));
          ps.setString(7, (String) row[0]);
          ps.setString(8, (String) row[1]);
          ps.addBatch();
          if (++pending == BATCH) {
            ps.executeBatch();
            pending = 0;
          }
        }
        if (pending > 0) {
          ps.executeBatch();
        }
      }
    }

    @Override
    void moveRenewalMarks(
        Connection c,
        List<Renewal> moved,
        Map<String, Integer> before,
        List<Renewal> snapshots,
        Set<String> due)
        throws SQLException {
      moveMarks(c, moved, before);
      if (!snapshots.isEmpty()) {
        writeSnapshots(c, snapshots);
      }
      if (!due.isEmpty()) {
        DueIndex.markDueKeepingTake(c, this, new ArrayList<>(due));
      }
    }

    @Override
    void dueAfterClaims(Connection c, List<Claim> idle) throws SQLException {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE billing_tenant SET due_at = ?, due_taken_until = NULL WHERE pubkey = ?")) {
        for (Claim claim : idle) {
          setInstant(ps, 1, claim.periodEnd());
          ps.setString(2, claim.tenant());
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }

    private void moveMarks(Connection c, List<Renewal> moved, Map<String, Integer> before)
        throws SQLException {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE billing_tenant SET renewed_through = ?, "
                  + "renewed_period_start = ? WHERE pubkey = ? AND renewed_through = ?")) {
        for (Renewal r : moved) {
          ps.setInt(1, r.period());
          setInstant(ps, 2, r.periodStart());
          ps.setString(3, r.tenant());
          ps.setInt(4, before.get(r.tenant()));
          ps.addBatch();
        }
        for (int count : ps.executeBatch()) {
          if (count != 1 && count != Statement.SUCCESS_NO_INFO) {
            throw new SQLException("a guarded row changed under its lock", "40001");
          }
        }
      }
    }
  };

  /** Folder under {@code db/caravel-billing/} holding this dialect's versioned scripts. */
  final String migrationFolder;

  /** Element type name for {@link Connection#createArrayOf}, bound to {@code = ANY(?)}. */
  private final String textArrayType;

  /** The type a bound instant is cast to where the driver cannot infer it (inside CASE). */
  final String timestampType;

  /** Creates a tenant or replaces its payment details, leaving its billing state alone. */
  final String saveTenantSql;

  Dialect(
      String migrationFolder, String textArrayType, String timestampType, String saveTenantSql) {
    this.migrationFolder = migrationFolder;
    this.textArrayType = textArrayType;
    this.timestampType = timestampType;
    this.saveTenantSql = saveTenantSql;
  }

  static Dialect of(Connection connection) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName();
    String name = product == null ? "" : product.toLowerCase(Locale.ROOT);
    if (name.contains("postgres")) {
      return POSTGRESQL;
    }
    if (name.equals("h2")) {
      return H2;
    }
    throw new StorageException(
        "unsupported database \"" + product + "\": billing-jdbc supports PostgreSQL and H2");
  }

  /** Keys bound per {@code = ANY(?)} array: large pages are split in chunks of this size. */
  private static final int CHUNK = 1000;

  /** {@code keys} in chunks small enough to bind each as one {@link #textArray}. */
  static List<List<String>> chunks(List<String> keys) {
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < keys.size(); i += CHUNK) {
      out.add(keys.subList(i, Math.min(keys.size(), i + CHUNK)));
    }
    return out;
  }

  /** {@code values} as an array parameter, for {@code = ANY (?)}. */
  Array textArray(Connection c, List<String> values) throws SQLException {
    return c.createArrayOf(textArrayType, values.toArray());
  }

  /** Inserts the items, in order; {@code items} is not empty. */
  abstract void insertItems(Connection c, List<InvoiceItem> items) throws SQLException;

  /**
   * Inserts the invoices just drawn with their numbers ({@code numbers}, in the same order), each
   * due for collection at its creation, and moves each tenant's unclaimed items onto its invoice;
   * {@code unclaimedItems} is how many items the caller counted under the tenant locks. Fails as a
   * conflict if the items changed meanwhile.
   */
  abstract void insertInvoicesClaimingItems(
      Connection c, List<Invoice> created, List<Long> numbers, int unclaimedItems)
      throws SQLException;

  /**
   * Moves each tenant's renewal mark to its renewal's period, only where the mark is still the one
   * in {@code before} (tenant to mark read under the lock); fails as a conflict otherwise. Then
   * makes each of {@code snapshots} (renewals with a snapshot, among {@code moved}) its tenant's
   * snapshot (S17).
   */
  /**
   * Moves each renewed tenant's renewal mark (guarded by the mark {@code before} it), for the
   * renewals in {@code snapshots} its snapshot point and relay states too, and makes the {@code
   * due} tenants (those the renewals gave items) due at once, keeping their take.
   */
  abstract void moveRenewalMarks(
      Connection c,
      List<Renewal> moved,
      Map<String, Integer> before,
      List<Renewal> snapshots,
      Set<String> due)
      throws SQLException;

  /** Files each claim's period end as its tenant's next work, ending the take. */
  abstract void dueAfterClaims(Connection c, List<Claim> idle) throws SQLException;

  /**
   * {tenant, relay, period, active, plan, plan since, scheduled plan, its instant} per snapshot
   * relay, instants in epoch seconds (S17, S22).
   */
  static List<Object[]> relayRows(List<Renewal> renewals) {
    List<Object[]> rows = new ArrayList<>();
    for (Renewal r : renewals) {
      for (RelaySnapshot relay : r.snapshot().orElseThrow()) {
        rows.add(
            new Object[] {
              r.tenant(),
              relay.relay(),
              r.period(),
              relay.active(),
              relay.plan().orElse(null),
              relay.planSince().map(java.time.Instant::getEpochSecond).orElse(null),
              relay.scheduled().map(RelaySnapshot.ScheduledChange::plan).orElse(null),
              relay.scheduled().map(change -> change.at().getEpochSecond()).orElse(null)
            });
      }
    }
    return rows;
  }
}
