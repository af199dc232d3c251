package dev.caravel.billing.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * For upgrade tests that write an older schema's data through today's repository: today's code
 * reads and writes columns later migrations add (V14's tax columns, V15's plan intervals, V16's
 * trials, V18's scheduled changes), so those after the schema's version are added, bare (no check;
 * NULL, or the default an older version's rows get), while the data is written, and dropped again
 * before the upgrade runs, which then meets the older schema exactly. A later migration whose
 * columns (or tables: V17's coupons) today's code reads adds them here.
 */
final class LaterColumns {
  private LaterColumns() {}

  /** A column migration {@code version} adds. */
  private record Column(int version, String table, String name, String type) {}

  /** Every column added after V13 that today's repository touches. */
  private static final List<Column> COLUMNS =
      List.of(
          new Column(14, "billing_tenant", "tax_bps", "INTEGER"),
          new Column(14, "billing_tenant", "tax_label", "VARCHAR(128)"),
          new Column(14, "billing_tenant", "tax_mode", "VARCHAR(16)"),
          new Column(14, "billing_invoice", "tax_amount", "BIGINT"),
          new Column(14, "billing_invoice", "tax_bps", "INTEGER"),
          new Column(14, "billing_invoice", "tax_label", "VARCHAR(128)"),
          new Column(14, "billing_invoice", "tax_mode", "VARCHAR(16)"),
          new Column(15, "billing_plan_version", "interval_months", "INTEGER DEFAULT 1 NOT NULL"),
          new Column(16, "billing_tenant", "trial_days", "INTEGER"),
          new Column(18, "billing_relay", "snap_change_plan", "VARCHAR(128)"),
          new Column(18, "billing_relay", "snap_change_at", "TIMESTAMP WITH TIME ZONE"));

  /** A table migration {@code version} creates, bare: what today's code reads of it. */
  private record Table(int version, String name, String columns) {}

  /** Every table created after V13 that today's repository reads, in creation order. */
  private static final List<Table> TABLES =
      List.of(
          new Table(
              17,
              "billing_coupon",
              "code VARCHAR(128) PRIMARY KEY, percent_off INTEGER NOT NULL, amount_off BIGINT NOT"
                  + " NULL, duration VARCHAR(16) NOT NULL, periods INTEGER NOT NULL"),
          new Table(17, "billing_coupon_plan", "code VARCHAR(128), plan VARCHAR(128)"),
          new Table(
              17,
              "billing_coupon_redemption",
              "redemption_key VARCHAR(128) PRIMARY KEY, seq BIGINT GENERATED ALWAYS AS IDENTITY,"
                  + " tenant VARCHAR(64), code VARCHAR(128), redeemed_at TIMESTAMP WITH TIME ZONE,"
                  + " uses INTEGER DEFAULT 0 NOT NULL"));

  /** Adds the columns of the migrations after {@code schemaVersion}, before today's code writes. */
  static void addAfter(DataSource db, int schemaVersion) throws SQLException {
    execute(db, schemaVersion, true);
  }

  /** Drops them again, before the upgrade under test runs. */
  static void dropAfter(DataSource db, int schemaVersion) throws SQLException {
    execute(db, schemaVersion, false);
  }

  private static void execute(DataSource db, int schemaVersion, boolean add) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      for (Column column : COLUMNS) {
        if (column.version() > schemaVersion) {
          s.execute(
              "ALTER TABLE "
                  + column.table()
                  + (add
                      ? " ADD COLUMN " + column.name() + " " + column.type()
                      : " DROP COLUMN " + column.name()));
        }
      }
      List<Table> tables = TABLES.stream().filter(t -> t.version() > schemaVersion).toList();
      for (int k = 0; k < tables.size(); k++) {
        Table table = add ? tables.get(k) : tables.get(tables.size() - 1 - k);
        s.execute(
            add
                ? "CREATE TABLE " + table.name() + " (" + table.columns() + ")"
                : "DROP TABLE " + table.name());
      }
    }
  }
}
