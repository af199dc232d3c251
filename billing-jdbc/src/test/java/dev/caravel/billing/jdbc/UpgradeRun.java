package dev.caravel.billing.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingBuilder;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.spi.Repository;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import javax.sql.DataSource;

/**
 * The scaffolding the in-place upgrade tests share, so each states only its ledger and what the
 * upgrade must keep: a body run on a fresh PostgreSQL schema or H2 database, the older schema a
 * ledger is written into by today's code (with the {@link LaterColumns} it touches), and the
 * upgrade from it that then meets that older schema exactly.
 */
final class UpgradeRun {
  private UpgradeRun() {}

  /** What a test does with its database. */
  interface Body {
    void run(DataSource db) throws Exception;
  }

  /** What a test does with its database when it also needs the schema's name (Flyway does). */
  interface BodyInSchema {
    void run(DataSource db, String schema) throws Exception;
  }

  /** Runs {@code body} on a new schema of the shared PostgreSQL server, dropped afterwards. */
  static void onPostgres(Body body) throws Exception {
    onPostgresSchema((db, schema) -> body.run(db));
  }

  /** As {@link #onPostgres(Body)}, telling {@code body} the schema's name. */
  static void onPostgresSchema(BodyInSchema body) throws Exception {
    String schema = Databases.newPostgresSchema();
    try (HikariDataSource pool = Databases.postgresPool(schema, 2)) {
      body.run(pool, schema);
    } finally {
      Databases.dropPostgresSchema(schema);
    }
  }

  /** Runs {@code body} on a new in-memory H2 database, shut down afterwards. */
  static void onH2(Body body) throws Exception {
    DataSource h2 = Databases.newH2();
    try {
      body.run(h2);
    } finally {
      Databases.shutdownH2(h2);
    }
  }

  /**
   * Migrates {@code db} to {@code schemaVersion} and adds the later columns today's repository
   * writes, so that the ledger written next is what that version stored.
   */
  static void startAt(DataSource db, int schemaVersion) throws SQLException {
    Migrations.migrate(db, schemaVersion);
    LaterColumns.addAfter(db, schemaVersion);
  }

  /**
   * Drops the later columns {@link #startAt} added, so the upgrade meets {@code schemaVersion}'s
   * schema exactly, and migrates {@code db} to the latest version: the upgrade under test.
   */
  static void upgradeFrom(DataSource db, int schemaVersion) throws SQLException {
    LaterColumns.dropAfter(db, schemaVersion);
    Migrations.migrate(db);
  }

  /** An engine on {@code repo}, ready to build or to be given more (a gateway, a card minimum). */
  static BillingBuilder engine(Repository repo, PlanCatalogue catalogue, Clock clock) {
    return Billing.builder()
        .repository(repo)
        .catalogue(catalogue)
        .clock(clock)
        .appUrl("https://relays.example");
  }

  /**
   * Runs {@code sql} as is, for the checks the upgrade must leave refusing what no engine writes.
   */
  static void execute(DataSource db, String sql) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
