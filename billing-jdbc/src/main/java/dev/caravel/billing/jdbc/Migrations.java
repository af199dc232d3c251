package dev.caravel.billing.jdbc;

import dev.caravel.billing.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Applies the versioned scripts under {@code db/migration/<dialect>/} for hosts without Flyway,
 * recording each applied version in {@code billing_schema_version}. Flyway users point it at the
 * same folder instead and never call this.
 */
final class Migrations {
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
          new Migration(10, "attention_holds"));

  /** Arbitrary but fixed: the PostgreSQL advisory lock that serializes concurrent migrations. */
  private static final long LOCK_KEY = 0x63617261_76656c31L;

  record Migration(int version, String description) {
    String fileName() {
      return "V" + version + "__" + description + ".sql";
    }
  }

  private Migrations() {}

  static void migrate(DataSource dataSource) {
    migrate(dataSource, Integer.MAX_VALUE);
  }

  /**
   * Applies the pending scripts up to version {@code upTo} included: an upgrade test builds an old
   * schema this way, fills it, and migrates the rest.
   */
  static void migrate(DataSource dataSource, int upTo) {
    try (Connection c = dataSource.getConnection()) {
      Dialect dialect = Dialect.of(c);
      if (dialect == Dialect.POSTGRESQL) {
        migratePostgres(c, upTo);
      } else {
        migrateH2(c, upTo);
      }
    } catch (SQLException e) {
      throw new StorageException("migrating the billing schema failed: " + e.getMessage(), e);
    }
  }

  /** PostgreSQL runs DDL in transactions: one transaction, behind an advisory lock, does it all. */
  private static void migratePostgres(Connection c, int upTo) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        lock.setLong(1, LOCK_KEY);
        lock.executeQuery().close();
      }
      try (Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE IF NOT EXISTS billing_schema_version (version INTEGER PRIMARY KEY, "
                + "description VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
      }
      applyPending(c, Dialect.POSTGRESQL, upTo);
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
  private static void migrateH2(Connection c, int upTo) throws SQLException {
    synchronized (Migrations.class) {
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE IF NOT EXISTS billing_schema_version (version INTEGER PRIMARY KEY, "
                + "description VARCHAR NOT NULL, applied_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL)");
      }
      applyPending(c, Dialect.H2, upTo);
    }
  }

  private static void applyPending(Connection c, Dialect dialect, int upTo) throws SQLException {
    Set<Integer> applied = new HashSet<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version FROM billing_schema_version")) {
      while (rs.next()) {
        applied.add(rs.getInt(1));
      }
    }
    String record =
        dialect == Dialect.H2
            ? "MERGE INTO billing_schema_version (version, description) KEY (version) VALUES (?, ?)"
            : "INSERT INTO billing_schema_version (version, description) VALUES (?, ?)";
    for (Migration m : ALL) {
      if (applied.contains(m.version()) || m.version() > upTo) {
        continue;
      }
      try (Statement s = c.createStatement()) {
        for (String sql : statements(script(dialect, m))) {
          s.execute(sql);
        }
      }
      try (PreparedStatement ps = c.prepareStatement(record)) {
        ps.setInt(1, m.version());
        ps.setString(2, m.description());
        ps.executeUpdate();
      }
    }
  }

  static String script(Dialect dialect, Migration m) {
    String path = "/db/migration/" + dialect.migrationFolder + "/" + m.fileName();
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
