package dev.caravel.billing.spring;

import dev.caravel.billing.jdbc.JdbcRepository;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.Location;

/**
 * Billing's scripts through a Flyway of billing's own: their folder ({@link
 * JdbcRepository#migrationLocation}) and their history table ({@link
 * JdbcRepository#SCHEMA_HISTORY_TABLE}), beside the host's Flyway and never mixed with it. Loaded
 * only when Flyway is on the class path.
 */
final class BillingFlyway {
  /** Flyway's default history table, where a host's Flyway keeps its own record. */
  static final String DEFAULT_TABLE = "flyway_schema_history";

  private BillingFlyway() {}

  /**
   * The bean that takes billing's rows out of the host's Flyway history before that Flyway runs
   * (the earlier layout put them there): {@code hostsTable} is where they were looked for.
   */
  record EarlierHistoryTakenOver(String hostsTable) {}

  /** The host Flyway's history table, or Flyway's default when the host has no Flyway bean. */
  static String hostsTable(Flyway hostsFlyway) {
    return hostsFlyway == null ? DEFAULT_TABLE : hostsFlyway.getConfiguration().getTable();
  }

  /**
   * Refuses a host Flyway that runs billing's folder itself: with the starter's own Flyway beside
   * it, every script would be applied twice, and the second time fail half way.
   */
  static void checkHostsLocations(Flyway hostsFlyway) {
    for (Location location : hostsFlyway.getConfiguration().getLocations()) {
      if (location.getDescriptor().contains("caravel-billing")) {
        throw new IllegalStateException(
            "spring.flyway.locations includes "
                + location.getDescriptor()
                + ": the starter runs billing's scripts with a Flyway of its own (history table "
                + JdbcRepository.SCHEMA_HISTORY_TABLE
                + "). Take billing's folder out of spring.flyway.locations, or set"
                + " caravel.billing.jdbc.migration=none to migrate billing yourself");
      }
    }
  }

  /**
   * Brings billing's schema up to date: first the earlier layout's record is taken over (from
   * {@code billing_schema_version} or the host's Flyway table), then Flyway runs billing's folder.
   * The schema may already hold the host's tables: then billing's history starts with a baseline at
   * version 0, below every script, so all of them run.
   */
  static void migrate(DataSource dataSource, Flyway hostsFlyway) {
    if (hostsFlyway != null) {
      checkHostsLocations(hostsFlyway);
    }
    JdbcRepository.adoptEarlierHistory(dataSource, hostsTable(hostsFlyway));
    Flyway.configure(BillingFlyway.class.getClassLoader())
        .dataSource(dataSource)
        .locations(JdbcRepository.migrationLocation(dataSource))
        .table(JdbcRepository.SCHEMA_HISTORY_TABLE)
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .baselineDescription("<< Caravel Billing: the schema held other tables >>")
        // Billing's scripts have no placeholders; a "${" in one must never be replaced.
        .placeholderReplacement(false)
        .failOnMissingLocations(true)
        .load()
        .migrate();
  }
}
