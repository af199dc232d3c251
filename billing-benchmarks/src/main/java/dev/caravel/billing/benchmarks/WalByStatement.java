package dev.caravel.billing.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * The WAL each statement wrote ({@code -Dprofile=true}), from PostgreSQL's {@code
 * pg_stat_statements} (its {@code wal_bytes}, PostgreSQL 13 on), which {@link Postgres} loads only
 * when profiling. It counts the WAL a statement writes while it executes; the commit record of an
 * autocommitted statement is written after that and is counted by no row, nor is the server's own
 * WAL (autovacuum, checkpoints), so the rows add up to less than {@link WalPosition}'s difference.
 */
final class WalByStatement {
  private WalByStatement() {}

  /** Forgets what was counted so far (the warm-up, the loading). */
  static void reset(DataSource server) {
    execute(server, "SELECT public.pg_stat_statements_reset()");
  }

  /**
   * Prints, per invoice, the statements that wrote WAL, the most first, then the totals over every
   * statement counted: the WAL and the time the server spent executing them ({@code
   * total_exec_time}: execution only, without parsing, planning, the protocol and the commit).
   */
  static void print(DataSource server, String title, int invoices) {
    String sql =
        "SELECT calls, total_exec_time, wal_records, wal_bytes, query"
            + " FROM public.pg_stat_statements ORDER BY wal_bytes DESC, total_exec_time DESC";
    try (Connection c = server.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      System.out.printf(
          Locale.ROOT,
          "%s: WAL by statement (per invoice: calls, server execution ms, WAL records, WAL"
              + " bytes; statement)%n",
          title);
      double execMs = 0;
      double walBytes = 0;
      int shown = 0;
      while (rs.next()) {
        double exec = rs.getDouble(2);
        double wal = rs.getBigDecimal(4).doubleValue();
        execMs += exec;
        walBytes += wal;
        if (wal > 0 && shown++ < 30) {
          String query = rs.getString(5).replaceAll("\\s+", " ");
          System.out.printf(
              Locale.ROOT,
              "  %6.2f %7.3f %6.2f %8.0f  %s%n",
              rs.getLong(1) / (double) invoices,
              exec / invoices,
              rs.getLong(3) / (double) invoices,
              wal / invoices,
              query.length() > 140 ? query.substring(0, 140) : query);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "  every statement: %.3f ms of server execution and %,.0f WAL bytes per invoice%n",
          execMs / invoices,
          walBytes / invoices);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read pg_stat_statements", e);
    }
  }

  private static void execute(DataSource server, String sql) {
    try (Connection c = server.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
