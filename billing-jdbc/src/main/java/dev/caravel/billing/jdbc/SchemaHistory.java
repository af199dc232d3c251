package dev.caravel.billing.jdbc;

import dev.caravel.billing.spi.StorageException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * {@code caravel_billing_schema_history}: which of billing's scripts a database holds, in the table
 * format Flyway keeps (its columns, its checksums, its descriptions). Whoever applies the scripts,
 * the starter's own Flyway or {@link Migrations}, writes the same rows here, so either can take
 * over from the other and Flyway's validation passes on what the built-in migrator recorded. It is
 * not Flyway's default {@code flyway_schema_history}: a host's own migrations never meet billing's.
 */
final class SchemaHistory {
  /** The table's name, lower case and quoted in SQL, as Flyway creates it. */
  static final String TABLE = "caravel_billing_schema_history";

  private static final String QUOTED = "\"" + TABLE + "\"";

  private SchemaHistory() {}

  /** One row: a script applied (or an earlier record of one, adopted). */
  record Row(
      Migrations.Migration migration,
      int checksum,
      String installedBy,
      Timestamp installedOn,
      int executionMillis) {}

  static boolean exists(Connection c) throws SQLException {
    return tableExists(c, TABLE);
  }

  /** Flyway's DDL for the history table (flyway-core 11, PostgreSQLDatabase / H2Database). */
  static void create(Connection c, Dialect dialect) throws SQLException {
    String columns =
        "\"installed_rank\" INT NOT NULL, \"version\" VARCHAR(50), "
            + "\"description\" VARCHAR(200) NOT NULL, \"type\" VARCHAR(20) NOT NULL, "
            + "\"script\" VARCHAR(1000) NOT NULL, \"checksum\" INTEGER, "
            + "\"installed_by\" VARCHAR(100) NOT NULL, "
            + (dialect == Dialect.POSTGRESQL
                ? "\"installed_on\" TIMESTAMP NOT NULL DEFAULT now(), "
                : "\"installed_on\" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, ")
            + "\"execution_time\" INTEGER NOT NULL, \"success\" BOOLEAN NOT NULL, "
            + "CONSTRAINT \""
            + TABLE
            + "_pk\" PRIMARY KEY (\"installed_rank\")";
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + QUOTED + " (" + columns + ")");
      s.execute("CREATE INDEX \"" + TABLE + "_s_idx\" ON " + QUOTED + " (\"success\")");
    }
  }

  /**
   * The versions applied: every successful SQL row, and every version up to a baseline (Flyway's
   * meaning of one; the starter's Flyway baselines at 0, below every script). A failed row stops
   * everything, as it stops Flyway: the schema is in a state no script expects.
   */
  static Set<Integer> applied(Connection c) throws SQLException {
    Set<Integer> applied = new HashSet<>();
    int baseline = 0;
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT \"version\", \"type\", \"success\", \"script\" FROM "
                    + QUOTED
                    + " WHERE \"version\" IS NOT NULL")) {
      while (rs.next()) {
        String version = rs.getString(1);
        String type = rs.getString(2);
        if (type.equals("BASELINE")) {
          baseline = Math.max(baseline, versionNumber(version));
        } else if (type.equals("SQL")) {
          if (!rs.getBoolean(3)) {
            throw new StorageException(
                "billing's migration "
                    + rs.getString(4)
                    + " failed earlier ("
                    + TABLE
                    + " records it as unsuccessful): repair the schema by hand, delete that row,"
                    + " and start again");
          }
          applied.add(versionNumber(version));
        }
      }
    }
    for (Migrations.Migration m : Migrations.ALL) {
      if (m.version() <= baseline) {
        applied.add(m.version());
      }
    }
    return applied;
  }

  /** Appends a successful row, ranked after every row there. */
  static void insert(Connection c, Row row) throws SQLException {
    int rank;
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT COALESCE(MAX(\"installed_rank\"), 0) + 1 FROM " + QUOTED)) {
      rs.next();
      rank = rs.getInt(1);
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + QUOTED
                + " (\"installed_rank\", \"version\", \"description\", \"type\", \"script\","
                + " \"checksum\", \"installed_by\", \"installed_on\", \"execution_time\","
                + " \"success\") VALUES (?, ?, ?, 'SQL', ?, ?,"
                + " COALESCE(CAST(? AS VARCHAR(100)), CAST(CURRENT_USER AS VARCHAR(100))),"
                + " COALESCE(CAST(? AS TIMESTAMP), LOCALTIMESTAMP), ?, TRUE)")) {
      Migrations.Migration m = row.migration();
      ps.setInt(1, rank);
      ps.setString(2, Integer.toString(m.version()));
      ps.setString(3, m.flywayDescription());
      ps.setString(4, m.fileName());
      ps.setInt(5, row.checksum());
      ps.setString(6, row.installedBy());
      ps.setTimestamp(7, row.installedOn());
      ps.setInt(8, row.executionMillis());
      ps.executeUpdate();
    }
  }

  /**
   * Flyway's checksum of a script: CRC-32 over its lines' UTF-8 bytes, line breaks left out and a
   * byte-order mark dropped, so CRLF and LF copies of a script agree.
   */
  static int checksum(String script) {
    String text = script.startsWith("\uFEFF") ? script.substring(1) : script;
    CRC32 crc = new CRC32();
    for (String line : text.split("\r\n|\r|\n", -1)) {
      crc.update(line.getBytes(StandardCharsets.UTF_8));
    }
    return (int) crc.getValue();
  }

  static boolean tableExists(Connection c, String name) throws SQLException {
    return findTable(c, name).isPresent();
  }

  /**
   * A table of the connection's current schema by its name as given (quoted names, such as
   * Flyway's) or upper-cased (unquoted names on H2): its name as stored, to quote in SQL.
   */
  static Optional<String> findTable(Connection c, String name) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT table_name FROM information_schema.tables "
                + "WHERE table_schema = CURRENT_SCHEMA AND table_name IN (?, ?) "
                + "ORDER BY table_name DESC")) {
      ps.setString(1, name);
      ps.setString(2, name.toUpperCase(Locale.ROOT));
      try (ResultSet rs = ps.executeQuery()) {
        // DESC puts lower case first: the name as given wins over an upper-cased twin
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /** The tables billing's V1 creates; any of them means a billing schema is there. */
  static final List<String> BILLING_TABLES = List.of("billing_tenant", "billing_invoice");

  private static int versionNumber(String version) {
    try {
      return Integer.parseInt(version.strip());
    } catch (NumberFormatException e) {
      // Billing's versions are whole numbers; anything else is no script of ours.
      return -1;
    }
  }
}
