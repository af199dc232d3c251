package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.Activity;
import dev.caravel.billing.ActivityType;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Period;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.TenantLedger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Writes a ledger into a database at an old schema version with plain SQL through that version's
 * columns only, as the code of that version would have left it: what upgrade tests migrate.
 */
final class OldLedger {
  private OldLedger() {}

  /** Applies scripts V1 up to {@code version} by hand and records them, as that release did. */
  static void schemaAt(DataSource db, Dialect dialect, int version) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE billing_schema_version (version INTEGER PRIMARY KEY, "
              + "description VARCHAR NOT NULL, applied_at TIMESTAMP WITH TIME ZONE)");
      for (Migrations.Migration m : Migrations.ALL) {
        if (m.version() > version) {
          break;
        }
        for (String sql : Migrations.statements(Migrations.script(dialect, m))) {
          s.execute(sql);
        }
        s.execute(
            "INSERT INTO billing_schema_version (version, description) VALUES ("
                + m.version()
                + ", '"
                + m.description()
                + "')");
      }
    }
  }

  /**
   * Copies the tenant's ledger from {@code from} (the whole log given as {@code log}, since {@code
   * from} may return only a tail): tenant row and marks, relays, activities (billed unless listed
   * in {@code unbilled}), invoices with their collection state, items. Unpaid invoices only.
   */
  static void copy(
      Repository from, String tenant, List<Activity> log, Set<String> unbilled, Connection c)
      throws SQLException {
    TenantLedger ledger = from.ledgers(List.of(tenant)).get(0);
    Instant anchor = ledger.anchor().orElseThrow();
    int renewed = ledger.renewedThrough();
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_tenant (pubkey, anchor, last_activity_at, activity_count,"
                + " renewed_through, renewed_period_start) VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, tenant);
      setInstant(ps, 2, anchor);
      setInstant(ps, 3, log.get(log.size() - 1).at());
      ps.setInt(4, log.size());
      ps.setInt(5, renewed);
      setInstant(ps, 6, renewed == 0 ? null : Period.of(anchor, renewed).start());
      ps.executeUpdate();
    }
    Set<String> relays = new LinkedHashSet<>();
    log.stream().map(Activity::relay).forEach(relays::add);
    try (PreparedStatement ps =
        c.prepareStatement("INSERT INTO billing_relay (tenant, relay) VALUES (?, ?)")) {
      for (String relay : relays) {
        ps.setString(1, tenant);
        ps.setString(2, relay);
        ps.executeUpdate();
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_activity (id, tenant, type, relay, plan, at, billed)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      for (Activity a : log) {
        ps.setString(1, a.id());
        ps.setString(2, tenant);
        ps.setString(3, a.type().wireName());
        ps.setString(4, a.relay());
        ps.setString(5, a.plan().orElse(null));
        setInstant(ps, 6, a.at());
        ps.setBoolean(7, !unbilled.contains(a.id()));
        ps.executeUpdate();
      }
    }
    for (Invoice invoice : from.invoices(tenant)) {
      if (invoice.isPaid()) {
        throw new IllegalStateException("copying paid invoices is not supported");
      }
      CollectionState state = from.collectionState(invoice.id()).orElseThrow();
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO billing_invoice (id, tenant, period_start, period_end, total, currency,"
                  + " created_at, rounds, round_open, first_attempt_at, next_attempt_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, invoice.id());
        ps.setString(2, tenant);
        setInstant(ps, 3, invoice.periodStart());
        setInstant(ps, 4, invoice.periodEnd());
        ps.setLong(5, invoice.total());
        ps.setString(6, invoice.currency());
        setInstant(ps, 7, invoice.createdAt());
        ps.setInt(8, state.rounds());
        ps.setBoolean(9, state.roundOpen());
        setInstant(ps, 10, state.firstAttemptAt().orElse(null));
        setInstant(ps, 11, state.nextAttemptAt().orElse(null));
        ps.executeUpdate();
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at,"
                + " activity_id, renewal_period, invoice_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (InvoiceItem item : from.items(tenant)) {
        ps.setString(1, item.id());
        ps.setString(2, tenant);
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
        ps.setString(10, item.invoiceId().orElse(null));
        ps.executeUpdate();
      }
    }
  }

  /** A billed create of {@code relay} and its item, written through V1's columns. */
  static void createdAndBilled(Connection c, Activity created, long amount) throws SQLException {
    if (created.type() != ActivityType.CREATE_RELAY) {
      throw new IllegalArgumentException("a create, please");
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_tenant (pubkey, anchor, last_activity_at, activity_count)"
                + " VALUES (?, ?, ?, 1)")) {
      ps.setString(1, created.tenant());
      setInstant(ps, 2, created.at());
      setInstant(ps, 3, created.at());
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement("INSERT INTO billing_relay (tenant, relay) VALUES (?, ?)")) {
      ps.setString(1, created.tenant());
      ps.setString(2, created.relay());
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_activity (id, tenant, type, relay, plan, at, billed)"
                + " VALUES (?, ?, ?, ?, ?, ?, TRUE)")) {
      ps.setString(1, created.id());
      ps.setString(2, created.tenant());
      ps.setString(3, created.type().wireName());
      ps.setString(4, created.relay());
      ps.setString(5, created.plan().orElse(null));
      setInstant(ps, 6, created.at());
      ps.executeUpdate();
    }
    InvoiceItem item = InvoiceItem.forActivity(created, created.plan().orElseThrow(), amount, "x");
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at,"
                + " activity_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, item.id());
      ps.setString(2, item.tenant());
      ps.setString(3, item.relay());
      ps.setString(4, item.plan());
      ps.setLong(5, item.amount());
      ps.setString(6, item.description());
      setInstant(ps, 7, item.at());
      ps.setString(8, created.id());
      ps.executeUpdate();
    }
  }
}
