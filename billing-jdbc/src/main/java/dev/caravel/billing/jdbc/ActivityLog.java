package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.instant;
import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.Activity;
import dev.caravel.billing.ActivityType;
import dev.caravel.billing.spi.ActivityWrite;
import dev.caravel.billing.spi.Anchoring;
import dev.caravel.billing.spi.TenantLedger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Appending to a tenant's activity log, inside the caller's transaction: a compare-and-set on the
 * log the engine read (its activity count, anchor, last renewed period and trial, on the tenant's
 * row) and an insert-if-absent on the activity's id. The engine judged the activity against that
 * read; this only compares and records. The tenant's row lock, taken before the compare, serializes
 * appends to one tenant.
 */
final class ActivityLog {
  private ActivityLog() {}

  static ActivityWrite append(
      Connection c, Activity activity, Optional<TenantLedger> read, Anchoring anchoring)
      throws SQLException {
    Optional<Activity> existing = find(c, activity.id());
    if (existing.isPresent()) {
      return new ActivityWrite.IdTaken(existing.get());
    }
    TenantMarks tenant = lockTenant(c, activity.tenant());
    if (tenant == null && read.isEmpty()) {
      // A concurrent first append for this tenant makes this insert fail on the key; the
      // transaction is then run again, finds the row, and answers that the log moved.
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO billing_tenant (pubkey) VALUES (?)")) {
        ps.setString(1, activity.tenant());
        ps.executeUpdate();
      }
    } else if (tenant == null || read.isEmpty() || !tenant.matches(read.get())) {
      return new ActivityWrite.LogMoved();
    }
    if (activity.type() == ActivityType.CREATE_RELAY) {
      // The relay's primary key is the last line of defence against a second create.
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO billing_relay (tenant, relay) VALUES (?, ?)")) {
        ps.setString(1, activity.tenant());
        ps.setString(2, activity.relay());
        ps.executeUpdate();
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_activity (id, tenant, type, relay, plan, at) VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, activity.id());
      ps.setString(2, activity.tenant());
      ps.setString(3, activity.type().wireName());
      ps.setString(4, activity.relay());
      ps.setString(5, activity.plan().orElse(null));
      setInstant(ps, 6, activity.at());
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            // The engine's anchoring (S1, S20), recorded only where no anchor is set: every
            // right-hand side reads the row as it was before this statement.
            "UPDATE billing_tenant SET anchor = COALESCE(anchor, ?), "
                + "renewed_through = CASE WHEN anchor IS NULL THEN ? ELSE renewed_through END, "
                + "renewed_period_start = "
                + "CASE WHEN anchor IS NULL THEN ? ELSE renewed_period_start END, "
                + "last_activity_at = ?, activity_count = activity_count + 1, "
                + "unbilled_count = unbilled_count + 1, "
                // DueIndex.markDue, in the statement that updates the row anyway
                + DueIndex.MARK_DUE_COLUMNS
                + " WHERE pubkey = ?")) {
      setInstant(ps, 1, anchoring.anchor());
      ps.setInt(2, anchoring.renewedThrough());
      setInstant(ps, 3, anchoring.markStart().orElse(null));
      setInstant(ps, 4, activity.at());
      ps.setString(5, activity.tenant());
      ps.executeUpdate();
    }
    return new ActivityWrite.Appended();
  }

  /** What the compare reads of the tenant's row, under its lock. */
  private record TenantMarks(
      int activityCount, Instant anchor, int renewedThrough, OptionalInt trialDays) {
    boolean matches(TenantLedger read) {
      return activityCount == read.activityCount()
          && Objects.equals(anchor, read.anchor().orElse(null))
          && renewedThrough == read.renewedThrough()
          && trialDays.equals(read.trialDays());
    }
  }

  private static TenantMarks lockTenant(Connection c, String pubkey) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT activity_count, anchor, renewed_through, trial_days FROM billing_tenant "
                + "WHERE pubkey = ? FOR UPDATE")) {
      ps.setString(1, pubkey);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? new TenantMarks(rs.getInt(1), instant(rs, 2), rs.getInt(3), Rows.optionalInt(rs, 4))
            : null;
      }
    }
  }

  /** The activity stored under {@code id}, of any tenant. */
  static Optional<Activity> find(Connection c, String id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT tenant, type, relay, plan, at FROM billing_activity WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(Rows.activity(rs, id, rs.getString(1), 2))
            : Optional.<Activity>empty();
      }
    }
  }
}
