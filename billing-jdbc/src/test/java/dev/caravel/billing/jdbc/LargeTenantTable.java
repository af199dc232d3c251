package dev.caravel.billing.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;

/**
 * One large tenant's history loaded straight into PostgreSQL's tables, for {@link RecordBenchmark}:
 * appending 100,000 activities through {@code record()} (and a poll a month) would take many
 * minutes. The log is one relay created at the anchor, then {@code perPeriod} plan changes in each
 * of {@code periods} monthly periods, every activity already billed (reconciled), and the tenant
 * not yet renewed: the engine's first poll after loading reads the whole log once, renews every
 * period and takes the snapshot (S17), so the renewal marks, the relays' snapshot and the renewal
 * items are the engine's own. Its activities' items are not loaded (the log reads as if each change
 * had been reconciled without an item). The loader follows the schema: a migration adding a
 * required column to billing_tenant, billing_relay, billing_activity, billing_invoice or
 * billing_item must update it.
 */
final class LargeTenantTable {
  static final String RELAY = "r1";

  /** Each loaded change's item: the history's amounts are not what is measured. */
  private static final long ITEM_AMOUNT = 10;

  private LargeTenantTable() {}

  /**
   * Loads the tenant's log (1 + periods × perPeriod activities) and returns the start of the first
   * period after it, where the engine's first poll renews it all.
   */
  static Instant load(DataSource pool, String tenant, Instant anchor, int periods, int perPeriod)
      throws SQLException {
    int count = 1 + periods * perPeriod;
    Instant last = anchor;
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO billing_tenant (pubkey, anchor, last_activity_at, activity_count, "
                  + "due_at) VALUES (?, ?, ?, ?, ?)")) {
        ps.setString(1, tenant);
        ps.setObject(2, utc(anchor));
        // the last activity's time, written below once known
        ps.setObject(3, utc(anchor));
        ps.setInt(4, count);
        // due at once, as an append leaves a tenant (DueIndex)
        ps.setObject(5, utc(anchor));
        ps.executeUpdate();
      }
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO billing_relay (tenant, relay) VALUES (?, ?)")) {
        ps.setString(1, tenant);
        ps.setString(2, RELAY);
        ps.executeUpdate();
      }
      try (PreparedStatement activity =
              c.prepareStatement(
                  "INSERT INTO billing_activity (id, tenant, type, relay, plan, at, billed) "
                      + "VALUES (?, ?, ?, ?, ?, ?, TRUE)");
          PreparedStatement invoice =
              c.prepareStatement(
                  "INSERT INTO billing_invoice (id, tenant, period_start, period_end, total, "
                      + "currency, created_at, paid) VALUES (?, ?, ?, ?, ?, 'usd', ?, TRUE)");
          PreparedStatement item =
              c.prepareStatement(
                  "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at, "
                      + "activity_id, invoice_id) VALUES (?, ?, ?, ?, ?, 'plan change', ?, ?, ?)")) {
        add(activity, "L-0", tenant, "create_relay", "basic", anchor);
        int n = 1;
        for (int k = 0; k < periods; k++) {
          Instant start = start(anchor, k);
          // each period's changes were claimed, and paid, on the invoice made at its end
          String invoiceId = "L-inv-" + k;
          invoice.setString(1, invoiceId);
          invoice.setString(2, tenant);
          invoice.setObject(3, utc(start));
          invoice.setObject(4, utc(start(anchor, k + 1)));
          invoice.setLong(5, ITEM_AMOUNT * perPeriod);
          invoice.setObject(6, utc(start(anchor, k + 1)));
          invoice.executeUpdate();
          for (int i = 0; i < perPeriod; i++, n++) {
            // a minute apart from the period's start: 1,000 changes fill under a day
            last = start.plusSeconds(60L * (i + 1));
            String plan = n % 2 == 1 ? "pro" : "basic";
            add(activity, "L-" + n, tenant, "update_relay", plan, last);
            item.setString(1, "act:L-" + n);
            item.setString(2, tenant);
            item.setString(3, RELAY);
            item.setString(4, plan);
            item.setLong(5, ITEM_AMOUNT);
            item.setObject(6, utc(last));
            item.setString(7, "L-" + n);
            item.setString(8, invoiceId);
            item.addBatch();
            if (n % 5_000 == 0) {
              activity.executeBatch();
              item.executeBatch();
            }
          }
        }
        activity.executeBatch();
        item.executeBatch();
      }
      try (PreparedStatement ps =
          c.prepareStatement("UPDATE billing_tenant SET last_activity_at = ? WHERE pubkey = ?")) {
        ps.setObject(1, utc(last));
        ps.setString(2, tenant);
        ps.executeUpdate();
      }
      c.commit();
      try (PreparedStatement ps = c.prepareStatement("ANALYZE")) {
        ps.execute();
      }
      c.commit();
    }
    return start(anchor, periods);
  }

  private static void add(
      PreparedStatement ps, String id, String tenant, String type, String plan, Instant at)
      throws SQLException {
    ps.setString(1, id);
    ps.setString(2, tenant);
    ps.setString(3, type);
    ps.setString(4, RELAY);
    ps.setString(5, plan);
    ps.setObject(6, utc(at));
    ps.addBatch();
  }

  /**
   * Period k's start as the engine computes it (S1: the anchor plus k months, the day clamped, in
   * UTC; core's calendar is not exported).
   */
  private static Instant start(Instant anchor, int k) {
    return utc(anchor).plusMonths(k).toInstant();
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
