package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.instant;
import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.BillingListener.Event;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The durable event feed (S16): events are appended in the transaction of the change they report,
 * and read by id.
 *
 * <p>Why a counter row and not an identity column: identity and sequence values are drawn when a
 * row is inserted but become visible when its transaction commits, and transactions commit in any
 * order. A reader resuming after id 41 could see 43 (committed) before 42 (still in flight), move
 * its mark to 43, and never see 42. Here every appending transaction draws its ids by updating one
 * counter row, whose lock it holds until it commits: ids are handed out in commit order, so every
 * id below one a reader sees is committed already. The price is that event-writing transactions
 * serialize on that row from the append to the commit; the append is therefore always the last
 * statement of its transaction (after the tenant, invoice and number locks), which keeps the lock
 * short and the lock order acyclic. A rolled-back transaction gives its ids back, so ids have no
 * gaps either.
 */
final class EventFeed {
  private EventFeed() {}

  /** Appends {@code events} (ids ignored) as the last work of the caller's transaction. */
  static void append(Connection c, List<Event> events) throws SQLException {
    if (events.isEmpty()) {
      return;
    }
    long last = Counters.draw(c, Counters.EVENT_ID, events.size());
    long id = last - events.size();
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_event (id, type, tenant, invoice_id, amount, reference, detail, at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (Event e : events) {
        ps.setLong(1, ++id);
        ps.setString(2, e.type().name());
        ps.setString(3, e.tenant());
        ps.setString(4, e.invoiceId().orElse(null));
        ps.setLong(5, e.amount());
        ps.setString(6, e.reference().orElse(null));
        ps.setString(7, e.detail());
        setInstant(ps, 8, e.at());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  static void append(Connection c, Event event) throws SQLException {
    append(c, List.of(event));
  }

  static List<Event> read(Connection c, long afterId, int limit) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT id, type, tenant, invoice_id, amount, reference, detail, at FROM billing_event "
                + "WHERE id > ? ORDER BY id LIMIT ?")) {
      ps.setLong(1, afterId);
      ps.setInt(2, limit);
      List<Event> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Event(
                  rs.getLong(1),
                  Event.Type.valueOf(rs.getString(2)),
                  rs.getString(3),
                  Optional.ofNullable(rs.getString(4)),
                  rs.getLong(5),
                  Optional.ofNullable(rs.getString(6)),
                  rs.getString(7),
                  instant(rs, 8)));
        }
      }
      return out;
    }
  }
}
