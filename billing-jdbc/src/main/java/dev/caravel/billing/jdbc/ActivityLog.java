package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.instant;
import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.Activity;
import dev.caravel.billing.ActivityRejectedException;
import dev.caravel.billing.ActivityRejectedException.Reason;
import dev.caravel.billing.ActivityType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * Appending to a tenant's activity log, inside the caller's transaction: the checks that make an
 * activity acceptable (its id, its order, the periods already billed, its relay) and the rows it
 * writes. The tenant's row lock, taken first, serializes appends to one tenant.
 */
final class ActivityLog {
  private ActivityLog() {}

  /** False when this very activity is recorded already; throws when it is refused. */
  static boolean append(Connection c, Activity activity) throws SQLException {
    // The tenant row lock orders appends to one tenant: the order and relay checks below hold.
    TenantMarks tenant = lockTenant(c, activity.tenant());
    if (tenant == null) {
      // A concurrent first append for this tenant makes this insert fail on the key; the
      // transaction is then run again and finds (and locks) the row.
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO billing_tenant (pubkey) VALUES (?)")) {
        ps.setString(1, activity.tenant());
        ps.executeUpdate();
      }
      tenant = new TenantMarks(null, null, null);
    }
    Optional<Activity> existing = findActivity(c, activity.id());
    if (existing.isPresent()) {
      if (existing.get().equals(activity)) {
        return false;
      }
      throw new ActivityRejectedException(
          Reason.CONFLICTING_ID,
          "activity " + activity.id() + " was recorded already with different content");
    }
    if (tenant.lastAt != null && activity.at().isBefore(tenant.lastAt)) {
      throw new ActivityRejectedException(
          Reason.OUT_OF_ORDER,
          "activity "
              + activity.id()
              + " at "
              + activity.at()
              + " is before the tenant's latest activity at "
              + tenant.lastAt);
    }
    if (tenant.anchor != null && activity.at().isBefore(tenant.anchor)) {
      // Only a charge sets an anchor before any activity (LedgerOperations): periods start there,
      // and an activity before it would belong to none.
      throw new ActivityRejectedException(
          Reason.OUT_OF_ORDER,
          "activity "
              + activity.id()
              + " at "
              + activity.at()
              + " is before the tenant's billing anchor at "
              + tenant.anchor);
    }
    if (tenant.renewedStart != null && activity.at().isBefore(tenant.renewedStart)) {
      throw new ActivityRejectedException(
          Reason.PERIOD_ALREADY_BILLED,
          "activity "
              + activity.id()
              + " at "
              + activity.at()
              + " falls before "
              + tenant.renewedStart
              + ", the start of a period already renewed");
    }
    boolean relayExists;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM billing_relay WHERE tenant = ? AND relay = ?")) {
      ps.setString(1, activity.tenant());
      ps.setString(2, activity.relay());
      try (ResultSet rs = ps.executeQuery()) {
        relayExists = rs.next();
      }
    }
    if (activity.type() == ActivityType.CREATE_RELAY) {
      if (relayExists) {
        throw new ActivityRejectedException(
            Reason.RELAY_EXISTS, "relay " + activity.relay() + " already exists");
      }
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO billing_relay (tenant, relay) VALUES (?, ?)")) {
        ps.setString(1, activity.tenant());
        ps.setString(2, activity.relay());
        ps.executeUpdate();
      }
    } else if (!relayExists) {
      throw new ActivityRejectedException(
          Reason.UNKNOWN_RELAY, "relay " + activity.relay() + " was never created");
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
            "UPDATE billing_tenant SET anchor = COALESCE(anchor, ?), "
                + "last_activity_at = ?, activity_count = activity_count + 1, "
                + "unbilled_count = unbilled_count + 1, "
                // DueIndex.markDue, in the statement that updates the row anyway
                + DueIndex.MARK_DUE_COLUMNS
                + " WHERE pubkey = ?")) {
      setInstant(ps, 1, activity.at());
      setInstant(ps, 2, activity.at());
      ps.setString(3, activity.tenant());
      ps.executeUpdate();
    }
    return true;
  }

  private record TenantMarks(Instant lastAt, Instant renewedStart, Instant anchor) {}

  private static TenantMarks lockTenant(Connection c, String pubkey) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT last_activity_at, renewed_period_start, anchor FROM billing_tenant "
                + "WHERE pubkey = ? FOR UPDATE")) {
      ps.setString(1, pubkey);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new TenantMarks(instant(rs, 1), instant(rs, 2), instant(rs, 3)) : null;
      }
    }
  }

  private static Optional<Activity> findActivity(Connection c, String id) throws SQLException {
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
