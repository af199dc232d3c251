package dev.caravel.billing.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The server's write-ahead log position in bytes (issue 25's model: WAL bytes per collected
 * invoice). The difference of two readings is the WAL every session of the server wrote between
 * them, the benchmark's and the server's own (autovacuum, checkpoints), so a figure is only as
 * clean as the server was idle but for what is measured.
 *
 * <p>The <em>insert</em> position ({@code pg_current_wal_insert_lsn()}), not {@code
 * pg_current_wal_lsn()}: the benchmark's server runs with {@code synchronous_commit = off}, so the
 * written position lags the inserted one by whatever the WAL writer has not yet written, up to the
 * WAL buffers (8 MiB here), which would be most of a small day's WAL.
 */
final class WalPosition {
  private WalPosition() {}

  /** The current insert position, in bytes since the log began. */
  static long now(DataSource server) {
    try (Connection c = server.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the WAL position", e);
    }
  }
}
