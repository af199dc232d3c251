package dev.caravel.billing.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The databases the tests run on: one embedded PostgreSQL per JVM (a real server, started from the
 * binaries Maven fetched, no install), with a fresh schema per use; and H2 in memory.
 */
final class Databases {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static EmbeddedPostgres postgres;

  private Databases() {}

  /** The shared server, started on first use and stopped when the JVM exits. */
  static synchronized EmbeddedPostgres postgres() {
    if (postgres == null) {
      try {
        // Durability buys nothing in a test; the same server serves every test class.
        postgres =
            EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_connections", "300")
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
      }
      EmbeddedPostgres started = postgres;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      started.close();
                    } catch (IOException ignored) {
                      // the JVM is going away
                    }
                  }));
    }
    return postgres;
  }

  /** A new, empty schema on the shared PostgreSQL server. */
  static String newPostgresSchema() {
    String schema = "t" + NAMES.incrementAndGet();
    try (Connection c = postgres().getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return schema;
  }

  /** A pool of {@code size} connections whose default schema is {@code schema}. */
  static HikariDataSource postgresPool(String schema, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(
        postgres().getJdbcUrl("postgres", "postgres")
            + "&currentSchema="
            + schema
            + "&reWriteBatchedInserts=true");
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setPoolName("pg-" + schema);
    return new HikariDataSource(config);
  }

  static void dropPostgresSchema(String schema) {
    try (Connection c = postgres().getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new in-memory H2 database; it lives until {@link #shutdownH2} (or the JVM) ends it. */
  static JdbcDataSource newH2() {
    JdbcDataSource ds = new JdbcDataSource();
    // LOCK_TIMEOUT: sixteen threads queueing for one tenant's row wait longer than H2's default
    // second.
    ds.setURL(
        "jdbc:h2:mem:billing" + NAMES.incrementAndGet() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=20000");
    ds.setUser("sa");
    return ds;
  }

  /**
   * A pool of {@code size} connections to {@code database}, as each engine instance has its own.
   */
  static HikariDataSource pool(DataSource database, int size) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(database);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    return new HikariDataSource(config);
  }

  static void shutdownH2(DataSource ds) {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
