package dev.caravel.billing.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded PostgreSQL server per benchmark JVM (binaries fetched by Maven, nothing to install),
 * durability off as in billing-jdbc's tests, and a fresh schema per measured run.
 */
public final class Postgres implements AutoCloseable {
  private static final AtomicInteger NAMES = new AtomicInteger();

  /**
   * {@code -DfullPageWrites=true}: full-page images on, as a production server writes them (off by
   * default, as in the tests), to measure the WAL a day really writes; {@link RenewalDay} then
   * checkpoints before the one-instance day, so every page the day changes logs its image once, as
   * in a day that fits in one checkpoint interval.
   */
  static final boolean FULL_PAGE_WRITES = Boolean.getBoolean("fullPageWrites");

  private final EmbeddedPostgres server;

  public Postgres() {
    this(false);
  }

  /**
   * {@code statementStatistics}: load {@code pg_stat_statements} too ({@link WalByStatement}), for
   * {@code -Dprofile=true} only, since it costs every statement a little.
   */
  public Postgres(boolean statementStatistics) {
    try {
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "off")
              .setServerConfig("full_page_writes", FULL_PAGE_WRITES ? "on" : "off")
              .setServerConfig("max_connections", "400")
              .setServerConfig("shared_buffers", "256MB");
      if (statementStatistics) {
        builder.setServerConfig("shared_preload_libraries", "pg_stat_statements");
      }
      server = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
    if (statementStatistics) {
      execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    }
  }

  /** A checkpoint now: the next change to each page writes its full image (if they are on). */
  void checkpoint() {
    execute("CHECKPOINT");
  }

  String newSchema() {
    String schema = "b" + NAMES.incrementAndGet();
    execute("CREATE SCHEMA " + schema);
    return schema;
  }

  void dropSchema(String schema) {
    execute("DROP SCHEMA " + schema + " CASCADE");
  }

  HikariDataSource pool(String schema, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(
        server.getJdbcUrl("postgres", "postgres")
            + "&currentSchema="
            + schema
            + "&reWriteBatchedInserts=true");
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setPoolName("bench-" + schema + "-" + NAMES.incrementAndGet());
    return new HikariDataSource(config);
  }

  private void execute(String sql) {
    try (Connection c = server.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
