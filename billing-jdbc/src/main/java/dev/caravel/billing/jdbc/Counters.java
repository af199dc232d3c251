package dev.caravel.billing.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The counter rows of {@code billing_counter}, drawn inside the caller's transaction under the
 * row's lock: values are handed out in commit order and given back by a rollback, so they have no
 * gaps and never repeat, across every instance.
 */
final class Counters {
  static final String INVOICE_NUMBER = "invoice_number";
  static final String EVENT_ID = "event_id";

  private Counters() {}

  /** Moves the counter on by {@code count} and returns its new value (the last one drawn). */
  static long draw(Connection c, String name, int count) throws SQLException {
    long value;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT drawn FROM billing_counter WHERE name = ? FOR UPDATE")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("counter " + name + " is missing: is the schema migrated?");
        }
        value = rs.getLong(1);
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE billing_counter SET drawn = ? WHERE name = ?")) {
      ps.setLong(1, value + count);
      ps.setString(2, name);
      ps.executeUpdate();
    }
    return value + count;
  }
}
