package dev.caravel.billing.jdbc;

import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.PlanCatalogue.Version;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The catalogue's history (S15, schema V3; each plan's interval, S19, V15). Every write first locks
 * the one {@code billing_catalogue} row, so catalogue writes are serialized across instances; reads
 * take no lock.
 */
final class CatalogueStatements {
  private static final String VERSIONS =
      "SELECT plan, name, amount, effective_at, retired, grandfathered, interval_months"
          + " FROM billing_plan_version ORDER BY plan, effective_at";

  private final Transactions transactions;

  CatalogueStatements(Transactions transactions) {
    this.transactions = transactions;
  }

  Optional<PlanCatalogue> catalogue() {
    return transactions.read("reading the catalogue", (c, d) -> read(c));
  }

  /** The catalogue's version (V5): one row by its key, bumped by every write below. */
  long version() {
    return transactions.read(
        "reading the catalogue version",
        (c, d) -> {
          try (PreparedStatement ps =
                  c.prepareStatement("SELECT version FROM billing_catalogue WHERE id = 1");
              ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0L;
          }
        });
  }

  /**
   * Whether the stored catalogue is still at {@code pricedWith} (empty: unchecked), read under a
   * share lock of the catalogue row, held to the caller's commit. Every catalogue write takes that
   * row for update, so either it commits first and this sees its version (the caller prices again),
   * or it waits for the caller's commit and then sees the items and marks the caller wrote (its
   * "already billed" check refuses a change that would reprice them). H2 has no share lock: there
   * the row is taken for update, which serializes these writes with each other too.
   */
  static boolean stillAt(Connection c, Dialect d, OptionalLong pricedWith) throws SQLException {
    if (pricedWith.isEmpty()) {
      return true;
    }
    String lock = d == Dialect.POSTGRESQL ? " FOR SHARE" : " FOR UPDATE";
    try (PreparedStatement ps =
            c.prepareStatement("SELECT version FROM billing_catalogue WHERE id = 1" + lock);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() && rs.getLong(1) == pricedWith.getAsLong();
    }
  }

  /** Under the catalogue lock: caches keyed by the version read this write's result again. */
  private static void bump(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE billing_catalogue SET version = version + 1 WHERE id = 1")) {
      ps.executeUpdate();
    }
  }

  PlanCatalogue seed(PlanCatalogue seed) {
    return transactions.write(
        "seeding the catalogue",
        (c, d) -> {
          String currency = lock(c).currency();
          boolean changed = currency == null;
          if (currency == null) {
            try (PreparedStatement ps =
                c.prepareStatement("UPDATE billing_catalogue SET currency = ? WHERE id = 1")) {
              ps.setString(1, seed.currency());
              ps.executeUpdate();
            }
            currency = seed.currency();
          }
          if (currency.equals(seed.currency())) {
            PlanCatalogue stored = read(c).orElseThrow();
            for (Version v : seed.versions()) {
              if (stored.history(v.plan()).isEmpty()) {
                insert(c, v);
                changed = true;
              }
            }
          }
          if (changed) {
            bump(c);
          }
          return read(c).orElseThrow();
        });
  }

  /**
   * {@link dev.caravel.billing.spi.Repository#addPlanVersion}: compares, under the catalogue row's
   * lock, the version and the billed-through instant the engine read, and records.
   */
  boolean add(Version version, long catalogueRead, Optional<Instant> billedThroughRead) {
    return transactions.write(
        "adding a version of plan " + version.plan(),
        (c, d) -> {
          if (lock(c).version() != catalogueRead
              || !Optional.ofNullable(billedThrough(c)).equals(billedThroughRead)) {
            return false;
          }
          insert(c, version);
          bump(c);
          return true;
        });
  }

  Optional<Instant> billedThrough() {
    return transactions.read(
        "reading what the ledger is billed through",
        (c, d) -> Optional.ofNullable(billedThrough(c)));
  }

  /** The latest activity or renewed period start of any tenant; null when there is none. */
  private static Instant billedThrough(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT max(last_activity_at), max(renewed_period_start) FROM billing_tenant");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      Instant activity = Rows.instant(rs, 1);
      Instant renewed = Rows.instant(rs, 2);
      if (activity == null) {
        return renewed;
      }
      return renewed == null || activity.isAfter(renewed) ? activity : renewed;
    }
  }

  /** The catalogue row, as read under its lock. */
  private record LockedRow(String currency, long version) {}

  /** Locks the catalogue row; its currency (null before seeding) and version. */
  private static LockedRow lock(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT currency, version FROM billing_catalogue WHERE id = 1 FOR UPDATE");
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("billing_catalogue has no row: is the schema at V3?");
      }
      return new LockedRow(rs.getString(1), rs.getLong(2));
    }
  }

  private static void insert(Connection c, Version v) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_plan_version (plan, name, amount, effective_at, retired,"
                + " grandfathered, interval_months) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, v.plan());
      ps.setString(2, v.name());
      ps.setLong(3, v.amount());
      Rows.setInstant(ps, 4, v.effective());
      ps.setBoolean(5, v.retired());
      ps.setBoolean(6, v.grandfathered());
      ps.setInt(7, v.intervalMonths());
      ps.executeUpdate();
    }
  }

  private static Optional<PlanCatalogue> read(Connection c) throws SQLException {
    String currency;
    try (PreparedStatement ps =
            c.prepareStatement("SELECT currency FROM billing_catalogue WHERE id = 1");
        ResultSet rs = ps.executeQuery()) {
      currency = rs.next() ? rs.getString(1) : null;
    }
    if (currency == null) {
      return Optional.empty();
    }
    List<Version> versions = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(VERSIONS);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        versions.add(
            new Version(
                rs.getString(1),
                rs.getString(2),
                rs.getLong(3),
                Rows.instant(rs, 4),
                rs.getBoolean(5),
                rs.getBoolean(6),
                rs.getInt(7)));
      }
    }
    return Optional.of(PlanCatalogue.withHistory(currency, versions));
  }
}
