package dev.caravel.billing.jdbc;

import dev.caravel.billing.spi.StorageException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Runs the repository's work on connections from the {@link DataSource}: a read as it comes, a
 * write in one transaction. Anything thrown rolls the transaction back; a conflict the database
 * resolved by aborting it (deadlock, serialization failure, lock timeout, a key taken by a
 * concurrent insert) is run again, and any other {@link SQLException} surfaces as a {@link
 * StorageException}. The locks that serialize writes are taken by the work itself, inside the
 * transaction; this class holds none.
 */
final class Transactions {
  // Logged under the public class's name, where hosts configure it.
  private static final System.Logger LOG = System.getLogger(JdbcRepository.class.getName());
  private static final int ATTEMPTS = 6;

  /**
   * A unit of work on one connection; it may run several times, so it must not keep state between
   * runs.
   */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection, Dialect dialect) throws SQLException;
  }

  /** Work that is a single statement, committed by itself (autocommit). */
  @FunctionalInterface
  interface SingleStatement<T> {
    T run(Connection connection) throws SQLException;
  }

  private enum Mode {
    READ,
    WRITE,
    AUTOCOMMIT
  }

  private final DataSource dataSource;

  /**
   * Read from the first connection's metadata; every thread that races to set it sets the same
   * value.
   */
  private volatile Dialect dialect;

  Transactions(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /** Runs {@code work} outside any transaction; {@code what} names it in a failure. */
  <T> T read(String what, Work<T> work) {
    return run(what, work, Mode.READ);
  }

  /** Runs {@code work} in one transaction, committed only if it returns. */
  <T> T write(String what, Work<T> work) {
    return run(what, work, Mode.WRITE);
  }

  /**
   * Runs one statement that is a transaction by itself, in autocommit: a round trip fewer than
   * {@link #write}, for the hot writes of a payment round. A failed statement leaves nothing
   * behind, so {@code work} may catch a refusal (a taken key) and read in its place.
   */
  <T> T statement(String what, SingleStatement<T> work) {
    return run(what, (c, d) -> work.run(c), Mode.AUTOCOMMIT);
  }

  /** The database's dialect, read from a connection's metadata the first time. */
  Dialect dialect() {
    Dialect d = dialect;
    if (d != null) {
      return d;
    }
    return read("reading the database's dialect", (c, known) -> known);
  }

  /**
   * Runs {@code work} on a connection of its own, in one transaction when {@code transactional}.
   * Anything thrown rolls it back first; conflicts the database resolved by aborting are retried.
   */
  private <T> T run(String what, Work<T> work, Mode mode) {
    for (int attempt = 1; ; attempt++) {
      Connection c = null;
      boolean restoreAutoCommit = false;
      try {
        c = dataSource.getConnection();
        Dialect d = dialect(c);
        if (mode == Mode.READ) {
          T result = work.run(c, d);
          if (!c.getAutoCommit()) {
            c.rollback(); // a pool handing out non-autocommit connections: end the read, free
            // its locks
          }
          return result;
        }
        if (mode == Mode.AUTOCOMMIT) {
          if (!c.getAutoCommit()) {
            c.setAutoCommit(true);
            restoreAutoCommit = true;
          }
          return work.run(c, d);
        }
        restoreAutoCommit = true;
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
        if (attempt < ATTEMPTS && isRetryable(e)) {
          LOG.log(
              System.Logger.Level.DEBUG,
              () -> what + ": conflict (" + e.getSQLState() + "), running again");
          continue;
        }
        throw new StorageException(what + " failed: " + e.getMessage(), e);
      } finally {
        closeQuietly(c, restoreAutoCommit ? mode == Mode.WRITE : null);
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

  /**
   * True when the failed transaction was certainly rolled back by the database and running it again
   * may succeed: a serialization failure, a deadlock, a lock wait that timed out, or a unique key
   * taken by a concurrent transaction (the rerun reads that row and decides again).
   */
  private static boolean isRetryable(SQLException failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException e) {
        String state = e.getSQLState();
        if ("40001".equals(state) || "40P01".equals(state) || "23505".equals(state)) {
          return true;
        }
        // H2: LOCK_TIMEOUT_1 (HYT00 / 50200), CONCURRENT_UPDATE_1 (90131), DEADLOCK_1 (40001).
        int code = e.getErrorCode();
        if ("HYT00".equals(state) && code == 50200 || code == 90131) {
          return true;
        }
      }
    }
    return false;
  }

  private static void rollbackQuietly(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * A failure to close after commit must not turn a done write into a reported failure. {@code
   * autoCommit}: the mode to give the connection back in (null: as it is).
   */
  private static void closeQuietly(Connection c, Boolean autoCommit) {
    if (c == null) {
      return;
    }
    try {
      if (autoCommit != null) {
        c.setAutoCommit(autoCommit);
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
}
