package dev.caravel.billing.jdbc;

import dev.caravel.billing.spi.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Databases migrated under the earlier layout, where the scripts sat in {@code
 * db/migration/{vendor}} (Spring's default location, where they met a host's own scripts): their
 * record moves into {@link SchemaHistory}, once, so they upgrade in place and nothing runs twice.
 * Two records existed:
 *
 * <ul>
 *   <li>{@code billing_schema_version} (version, description, applied_at), written by {@code
 *       JdbcRepository.migrate}. Its rows are copied; the table is left as it was.
 *   <li>a host's Flyway table (by default {@code flyway_schema_history}), when the host pointed its
 *       own Flyway at the scripts. Billing's rows (type SQL, successful, its version and its script
 *       name) are copied with their checksums and then deleted there: those scripts are no longer
 *       where that Flyway looks, and left behind they would fail its validation as missing.
 * </ul>
 *
 * The caller holds the migration lock.
 */
final class EarlierHistory {
  /** What {@code JdbcRepository.migrate} recorded before. */
  static final String BUILT_IN_TABLE = "billing_schema_version";

  /** Flyway's default table. */
  static final String FLYWAY_DEFAULT_TABLE = "flyway_schema_history";

  private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  private static final System.Logger LOG = System.getLogger(EarlierHistory.class.getName());

  private EarlierHistory() {}

  /** A plain table name, safe to quote in SQL; anything else is a programming mistake. */
  static String checkTableName(String name) {
    if (name == null || !TABLE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a Flyway history table is a plain table name (letters, digits, _), got " + name);
    }
    return name;
  }

  /**
   * Moves the earlier record into {@link SchemaHistory} when there is one and the history table is
   * not there yet; creates nothing otherwise (a host's own Flyway may still need the schema empty).
   */
  static void adopt(Connection c, Dialect dialect, String flywayTable) throws SQLException {
    if (SchemaHistory.exists(c)) {
      return;
    }
    Map<Integer, SchemaHistory.Row> found = new TreeMap<>();
    Optional<String> builtIn = SchemaHistory.findTable(c, BUILT_IN_TABLE);
    if (builtIn.isPresent()) {
      readBuiltIn(c, dialect, builtIn.get(), found);
    }
    List<Integer> flywayRanks = new ArrayList<>();
    Optional<String> flyway = SchemaHistory.findTable(c, flywayTable);
    if (flyway.isPresent()) {
      readFlyway(c, dialect, flyway.get(), found, flywayRanks);
    }
    if (found.isEmpty()) {
      return;
    }
    SchemaHistory.create(c, dialect);
    for (SchemaHistory.Row row : found.values()) {
      SchemaHistory.insert(c, row);
    }
    if (!flywayRanks.isEmpty()) {
      try (PreparedStatement ps =
          c.prepareStatement("DELETE FROM \"" + flyway.get() + "\" WHERE \"installed_rank\" = ?")) {
        for (int rank : flywayRanks) {
          ps.setInt(1, rank);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    LOG.log(
        System.Logger.Level.INFO,
        "billing schema: the record of versions {0} moved into {1} (from {2})",
        found.keySet(),
        SchemaHistory.TABLE,
        (builtIn.isPresent() ? BUILT_IN_TABLE : "")
            + (builtIn.isPresent() && !flywayRanks.isEmpty() ? " and " : "")
            + (flywayRanks.isEmpty() ? "" : flyway.get()));
  }

  /**
   * Refuses to migrate over billing tables that nothing records: applying V1 again would fail half
   * way, or worse, on H2 where the scripts are idempotent, seem to work.
   */
  static void requireRecordedOrEmpty(Connection c, String flywayTable) throws SQLException {
    if (SchemaHistory.exists(c)) {
      return;
    }
    for (String table : SchemaHistory.BILLING_TABLES) {
      if (SchemaHistory.tableExists(c, table)) {
        throw new StorageException(
            "the billing tables exist, but neither "
                + SchemaHistory.TABLE
                + ", "
                + BUILT_IN_TABLE
                + " nor "
                + flywayTable
                + " in the current schema records billing's migrations. If another Flyway table"
                + " holds them, call JdbcRepository.adoptEarlierHistory(dataSource, thatTable)"
                + " once before migrating");
      }
    }
  }

  private static void readBuiltIn(
      Connection c, Dialect dialect, String table, Map<Integer, SchemaHistory.Row> found)
      throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version, applied_at FROM " + table)) {
      while (rs.next()) {
        int version = rs.getInt(1);
        Optional<Migrations.Migration> m = Migrations.byVersion(version);
        if (m.isPresent()) {
          found.put(
              version,
              new SchemaHistory.Row(
                  m.get(),
                  SchemaHistory.checksum(Migrations.script(dialect, m.get())),
                  null,
                  rs.getTimestamp(2),
                  0));
        }
      }
    }
  }

  private static void readFlyway(
      Connection c,
      Dialect dialect,
      String table,
      Map<Integer, SchemaHistory.Row> found,
      List<Integer> ranks)
      throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT \"installed_rank\", \"version\", \"script\", \"checksum\","
                    + " \"installed_by\", \"installed_on\", \"execution_time\" FROM \""
                    + table
                    + "\" WHERE \"type\" = 'SQL' AND \"success\" AND \"version\" IS NOT NULL")) {
      while (rs.next()) {
        Optional<Migrations.Migration> m = Migrations.byVersion(rs.getString(2));
        if (m.isEmpty() || !m.get().fileName().equals(rs.getString(3))) {
          continue; // the host's own script
        }
        // Flyway's own checksum, kept as it is: if it differs from the script's, validation should
        // say
        int checksum = rs.getInt(4);
        if (rs.wasNull()) {
          checksum = SchemaHistory.checksum(Migrations.script(dialect, m.get()));
        }
        found.put(
            m.get().version(),
            new SchemaHistory.Row(
                m.get(), checksum, rs.getString(5), rs.getTimestamp(6), rs.getInt(7)));
        ranks.add(rs.getInt(1));
      }
    }
  }
}
