package dev.caravel.billing.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * For upgrade tests that write an older schema's data through today's repository: today's code
 * reads and writes columns later migrations add (V14's tax columns), so they are added, bare (no
 * check, every value NULL as an older version would have left it), while the data is written, and
 * dropped again before the upgrade runs, which then meets the older schema exactly. A later
 * migration whose columns today's code reads adds them here.
 */
final class LaterColumns {
  private LaterColumns() {}

  /** Table, column, type: every column added after V13 that today's repository touches. */
  private static final List<String[]> COLUMNS =
      List.of(
          new String[] {"billing_tenant", "tax_bps", "INTEGER"},
          new String[] {"billing_tenant", "tax_label", "VARCHAR(128)"},
          new String[] {"billing_tenant", "tax_mode", "VARCHAR(16)"},
          new String[] {"billing_invoice", "tax_amount", "BIGINT"},
          new String[] {"billing_invoice", "tax_bps", "INTEGER"},
          new String[] {"billing_invoice", "tax_label", "VARCHAR(128)"},
          new String[] {"billing_invoice", "tax_mode", "VARCHAR(16)"});

  interface Writes {
    void run() throws SQLException;
  }

  /** Runs {@code writes} with the later columns present, then drops them. */
  static void whileWriting(DataSource db, Writes writes) throws SQLException {
    execute(db, "ADD COLUMN %s %s");
    try {
      writes.run();
    } finally {
      execute(db, "DROP COLUMN %s");
    }
  }

  private static void execute(DataSource db, String clause) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      for (String[] column : COLUMNS) {
        s.execute("ALTER TABLE " + column[0] + " " + String.format(clause, column[1], column[2]));
      }
    }
  }
}
