package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.instant;
import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.spi.Claim;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Each tenant's next instant of work (S17, schema V5): {@code billing_tenant.due_at}, indexed, so a
 * poll finds the tenants due without reading anyone's log, and {@code due_taken_until}, the take of
 * the poll doing them (taken with {@code FOR UPDATE SKIP LOCKED}, so instances share the work).
 * Every write that leaves work for a poll calls {@link #markDue} in its own transaction, under the
 * tenant locks it holds.
 */
final class DueIndex {
  /** "Due now": before any instant a poll runs at. */
  static final Instant DUE_NOW = Instant.EPOCH;

  /** The columns {@link #markDue} sets, for a write that updates the tenant row anyway. */
  static final String MARK_DUE_COLUMNS =
      "due_at = CAST('1970-01-01 00:00:00+00' AS TIMESTAMP WITH TIME ZONE), due_taken_until = NULL";

  private DueIndex() {}

  /**
   * Makes the tenants due at once and ends any take of them: the one step every write calls that
   * adds work from outside a poll (an activity, a manual adjustment), so the next poll visits them
   * even if one took them a moment ago.
   */
  static void markDue(Connection c, Dialect d, List<String> tenants) throws SQLException {
    update(
        c, d, tenants, "UPDATE billing_tenant SET " + MARK_DUE_COLUMNS + " WHERE pubkey = ANY (?)");
  }

  /**
   * Makes the tenants due at once, keeping any take: for the items a poll's own visit writes
   * (reconciliation, renewal), which the same visit claims next; ending the take there would let
   * another instance take the tenant in the middle of the visit.
   */
  static void markDueKeepingTake(Connection c, Dialect d, List<String> tenants)
      throws SQLException {
    update(
        c,
        d,
        tenants,
        "UPDATE billing_tenant SET due_at = CAST('1970-01-01 00:00:00+00' AS TIMESTAMP WITH TIME"
            + " ZONE) WHERE pubkey = ANY (?)");
  }

  private static void update(Connection c, Dialect d, List<String> tenants, String sql)
      throws SQLException {
    for (List<String> chunk : Dialect.chunks(new ArrayList<>(new TreeSet<>(tenants)))) {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setArray(1, d.textArray(c, chunk));
        ps.executeUpdate();
      }
    }
  }

  /**
   * Moves the tenant's next work to {@code retryAt} and ends any take of it: a tenant whose billing
   * failed is tried again then (Repository#recordBillingFailure). Nothing for an unknown tenant.
   */
  static void defer(Connection c, String tenant, Instant retryAt) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE billing_tenant SET due_at = ?, due_taken_until = NULL WHERE pubkey = ?")) {
      setInstant(ps, 1, retryAt);
      ps.setString(2, tenant);
      ps.executeUpdate();
    }
  }

  /**
   * After claiming, under the tenant locks: each tenant's next work is its claim's period end when
   * that follows its last renewed period (the claim's period is the one after the renewal mark's
   * start, or the anchor's) and nothing is unbilled. Otherwise it stays due, keeping its take so
   * that the poll which took it moves on.
   */
  static void afterClaim(Connection c, Dialect d, List<Claim> claims) throws SQLException {
    Map<String, Claim> first = new LinkedHashMap<>();
    for (Claim claim : claims) {
      first.putIfAbsent(claim.tenant(), claim);
    }
    Map<String, Instant> markStart = new HashMap<>();
    for (List<String> chunk : Dialect.chunks(new ArrayList<>(new TreeSet<>(first.keySet())))) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT pubkey, anchor, renewed_through, renewed_period_start, unbilled_count "
                  + "FROM billing_tenant WHERE pubkey = ANY (?)")) {
        ps.setArray(1, d.textArray(c, chunk));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            // The mark's start (a trial's marks have one too, S20); the anchor's when none.
            Instant start = instant(rs, 4) != null ? instant(rs, 4) : instant(rs, 2);
            if (rs.getInt(5) == 0 && start != null) {
              markStart.put(rs.getString(1), start);
            }
          }
        }
      }
    }
    List<Claim> idle = new ArrayList<>();
    List<String> stillDue = new ArrayList<>();
    for (Claim claim : first.values()) {
      Instant start = markStart.get(claim.tenant());
      if (start != null && start.equals(claim.periodStart())) {
        idle.add(claim);
      } else {
        stillDue.add(claim.tenant());
      }
    }
    if (!idle.isEmpty()) {
      d.dueAfterClaims(c, idle);
    }
    if (!stillDue.isEmpty()) {
      markDueKeepingTake(c, d, stillDue);
    }
  }

  /**
   * Takes up to {@code limit} due tenants for {@code instance}'s {@code cycle}, until {@code now +
   * ttl}: those no live take holds, or only one of an earlier cycle of the same instance. Rows
   * another transaction holds locked (a tenant being written, or taken by another instance this
   * instant) are skipped, not waited for: they are done by whoever holds them, or by a later poll.
   */
  static List<String> take(
      Connection c, Dialect d, String instance, String cycle, Instant now, Duration ttl, int limit)
      throws SQLException {
    List<String> taken;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT pubkey FROM billing_tenant WHERE due_at <= ? "
                + "AND (due_taken_until IS NULL OR due_taken_until <= ? "
                + "OR (due_taken_by = ? AND due_taken_cycle <> ?)) "
                + "ORDER BY due_at, pubkey LIMIT ? FOR UPDATE SKIP LOCKED")) {
      setInstant(ps, 1, now);
      setInstant(ps, 2, now);
      ps.setString(3, instance);
      ps.setString(4, cycle);
      ps.setInt(5, limit);
      taken = Rows.firstColumn(ps);
    }
    for (List<String> chunk : Dialect.chunks(taken)) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE billing_tenant SET due_taken_until = ?, due_taken_by = ?, due_taken_cycle = ? "
                  + "WHERE pubkey = ANY (?)")) {
        setInstant(ps, 1, now.plus(ttl));
        ps.setString(2, instance);
        ps.setString(3, cycle);
        ps.setArray(4, d.textArray(c, chunk));
        ps.executeUpdate();
      }
    }
    return taken;
  }
}
