package dev.caravel.billing.jdbc;

import dev.caravel.billing.spi.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Applies the versioned scripts under {@code db/caravel-billing/<dialect>/} for hosts without
 * Flyway, recording each in {@link SchemaHistory} ({@code caravel_billing_schema_history}) as
 * Flyway would. The starter's Flyway, when there is one, runs the same folder into the same table
 * instead. A database from the earlier layout ({@code db/migration/<dialect>}, recorded in {@code
 * billing_schema_version} or in a Flyway table) is adopted first ({@link EarlierHistory}).
 */
final class Migrations {
  /** Where the scripts are, under the class path: a folder of billing's own, per dialect. */
  static final String FOLDER = "db/caravel-billing";

  /** Every script, oldest first. A new script is a new file here and a new entry in this list. */
  static final List<Migration> ALL =
      List.of(
          new Migration(1, "billing_schema"),
          new Migration(2, "collection_hold"),
          new Migration(3, "catalogue_history"),
          new Migration(4, "ledger_operations"),
          new Migration(5, "due_tracking"),
          new Migration(6, "event_sequencing"),
          new Migration(7, "room_to_update"),
          new Migration(8, "refund_failed"),
          new Migration(9, "item_keys_by_kind"),
          new Migration(10, "charges_anchor"),
          new Migration(11, "bolt11_watch"),
          new Migration(12, "attention_holds"),
          new Migration(13, "standing_revision"),
          new Migration(14, "tax"),
          new Migration(15, "plan_intervals"),
          new Migration(16, "trials"),
          new Migration(17, "coupons"),
          new Migration(18, "term_end_changes"),
          new Migration(19, "carried"),
          new Migration(20, "unclaimed_items"));

  /** Arbitrary but fixed: the PostgreSQL advisory lock that serializes concurrent migrations. */
  private static final long LOCK_KEY = 0x63617261_76656c31L;

  record Migration(int version, String description) {
    String fileName() {
      return "V" + version + "__" + description + ".sql";
    }

    /** The description Flyway reads from the file name: underscores as spaces. */
    String flywayDescription() {
      return description.replace('_', ' ');
    }
  }

  private Migrations() {}

  static Optional<Migration> byVersion(int version) {
    return ALL.stream().filter(m -> m.version() == version).findFirst();
  }

  static Optional<Migration> byVersion(String version) {
    try {
      return byVersion(Integer.parseInt(version.strip()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** {@code classpath:db/caravel-billing/postgresql} or {@code .../h2}, as Flyway names it. */
  static String location(DataSource dataSource) {
    try (Connection c = dataSource.getConnection()) {
      return "classpath:" + FOLDER + "/" + Dialect.of(c).migrationFolder;
    } catch (SQLException e) {
      throw new StorageException("cannot tell the database's kind: " + e.getMessage(), e);
    }
  }

  static void migrate(DataSource dataSource) {
    migrate(dataSource, Integer.MAX_VALUE);
  }

  /**
   * Applies the pending scripts up to version {@code upTo} included: an upgrade test builds an old
   * schema this way, fills it, and migrates the rest.
   */
  static void migrate(DataSource dataSource, int upTo) {
    locked(
        dataSource,
        "migrating the billing schema",
        (c, dialect) -> {
          EarlierHistory.adopt(c, dialect, EarlierHistory.FLYWAY_DEFAULT_TABLE);
          if (!SchemaHistory.exists(c)) {
            EarlierHistory.requireRecordedOrEmpty(c, EarlierHistory.FLYWAY_DEFAULT_TABLE);
            SchemaHistory.create(c, dialect);
          }
          applyPending(c, dialect, upTo);
        });
  }

  /** {@link EarlierHistory#adopt} alone, under the migration lock, for a host's own Flyway. */
  static void adoptEarlierHistory(DataSource dataSource, String flywayTable) {
    EarlierHistory.checkTableName(flywayTable);
    locked(
        dataSource,
        "adopting the billing schema's earlier history",
        (c, dialect) -> {
          EarlierHistory.adopt(c, dialect, flywayTable);
          EarlierHistory.requireRecordedOrEmpty(c, flywayTable);
        });
  }

  private interface Step {
    void run(Connection c, Dialect dialect) throws SQLException;
  }

  private static void locked(DataSource dataSource, String what, Step step) {
    try (Connection c = dataSource.getConnection()) {
      Dialect dialect = Dialect.of(c);
      if (dialect == Dialect.POSTGRESQL) {
        inPostgresTransaction(c, step);
      } else {
        inH2(c, step);
      }
    } catch (SQLException e) {
      throw new StorageException(what + " failed: " + e.getMessage(), e);
    }
  }

  /** PostgreSQL runs DDL in transactions: one transaction, behind an advisory lock, does it all. */
  private static void inPostgresTransaction(Connection c, Step step) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        lock.setLong(1, LOCK_KEY);
        lock.executeQuery().close();
      }
      step.run(c, Dialect.POSTGRESQL);
      c.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /**
   * H2 commits every DDL statement by itself, so there is no transaction to hide behind: its
   * scripts are idempotent (IF NOT EXISTS) and concurrent runs in one JVM are serialized here.
   */
  private static void inH2(Connection c, Step step) throws SQLException {
    synchronized (Migrations.class) {
      c.setAutoCommit(true);
      step.run(c, Dialect.H2);
    }
  }

  private static void applyPending(Connection c, Dialect dialect, int upTo) throws SQLException {
    Set<Integer> applied = SchemaHistory.applied(c);
    for (Migration m : ALL) {
      if (applied.contains(m.version()) || m.version() > upTo) {
        continue;
      }
      String script = script(dialect, m);
      long started = System.nanoTime();
      try (Statement s = c.createStatement()) {
        for (String sql : statements(script)) {
          s.execute(sql);
        }
      }
      int millis = (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - started) / 1_000_000);
      SchemaHistory.insert(
          c, new SchemaHistory.Row(m, SchemaHistory.checksum(script), null, null, millis));
    }
  }

  static String script(Dialect dialect, Migration m) {
    String path = "/" + FOLDER + "/" + dialect.migrationFolder + "/" + m.fileName();
    try (InputStream in = Migrations.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new StorageException("migration script " + path + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StorageException("cannot read migration script " + path, e);
    }
  }

  /** Splits a script into statements. Our scripts keep quotes free of ';' and '--'. */
  static List<String> statements(String script) {
    StringBuilder code = new StringBuilder();
    for (String line : script.split("\n", -1)) {
      int comment = line.indexOf("--");
      code.append(comment < 0 ? line : line.substring(0, comment)).append('\n');
    }
    List<String> out = new ArrayList<>();
    for (String part : code.toString().split(";")) {
      if (!part.isBlank()) {
        out.add(part.strip());
      }
    }
    return out;
  }
}
