package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.instant;
import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.BillingEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The durable event feed (S16): events are written in the transaction of the change they report,
 * and numbered when the feed is read.
 *
 * <p>Why not an identity column as the feed id: identity and sequence values are drawn when a row
 * is inserted but become visible when its transaction commits, and transactions commit in any
 * order. A reader resuming after id 41 could see 43 (committed) before 42 (still in flight), move
 * its mark to 43, and never see 42. Drawing feed ids from one counter row in every writing
 * transaction orders them by commit, but then every payment, claim and closure on every instance
 * queues on that row until it commits: the renewal day's collection spent most of its database time
 * waiting there.
 *
 * <p>So a change only inserts its events into {@code billing_event_pending} (an identity column
 * orders them; no shared lock). {@link #read} first {@linkplain #number numbers} what has committed
 * there: under the {@code event_id} counter row's lock, so readers take turns, it moves the pending
 * events it can see into {@code billing_event} with the next ids, oldest first. An event committed
 * later is numbered by a later reader with a larger id, so every id below one a reader sees is in
 * the feed already, and ids have no gaps. Events of changes that happened one after another keep
 * their order: the later change drew its pending position after the earlier committed.
 */
final class EventFeed {
  /** How many pending events one read numbers at most; the next read numbers the rest. */
  static final int NUMBERING_BATCH = 5_000;

  private static final String COLUMNS = "type, tenant, invoice_id, amount, reference, detail, at";

  private EventFeed() {}

  /** Writes {@code events} (ids ignored) in the caller's transaction, to be numbered when read. */
  static void append(Connection c, List<BillingEvent> events) throws SQLException {
    if (events.isEmpty()) {
      return;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_event_pending (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      for (BillingEvent e : events) {
        ps.setString(1, e.type().name());
        ps.setString(2, e.tenant());
        ps.setString(3, e.invoiceId().orElse(null));
        ps.setLong(4, e.amount());
        ps.setString(5, e.reference().orElse(null));
        ps.setString(6, e.detail());
        setInstant(ps, 7, e.at());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  static void append(Connection c, BillingEvent event) throws SQLException {
    append(c, List.of(event));
  }

  /**
   * Numbers up to {@code max} committed pending events, oldest first, in the caller's transaction;
   * returns how many. Takes the {@code event_id} counter's row lock first and keeps it to the
   * commit: a second reader waits, then no longer sees the rows this one moved.
   */
  static int number(Connection c, int max) throws SQLException {
    long drawn;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT drawn FROM billing_counter WHERE name = ? FOR UPDATE")) {
      ps.setString(1, Counters.EVENT_ID);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("counter event_id is missing: is the schema migrated?");
        }
        drawn = rs.getLong(1);
      }
    }
    List<Long> moved = new ArrayList<>();
    try (PreparedStatement select =
            c.prepareStatement(
                "SELECT seq, " + COLUMNS + " FROM billing_event_pending ORDER BY seq LIMIT ?");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO billing_event (id, "
                    + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      select.setInt(1, max);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          moved.add(rs.getLong(1));
          insert.setLong(1, drawn + moved.size());
          insert.setString(2, rs.getString(2));
          insert.setString(3, rs.getString(3));
          insert.setString(4, rs.getString(4));
          insert.setLong(5, rs.getLong(5));
          insert.setString(6, rs.getString(6));
          insert.setString(7, rs.getString(7));
          setInstant(insert, 8, instant(rs, 8));
          insert.addBatch();
        }
      }
      if (moved.isEmpty()) {
        return 0;
      }
      insert.executeBatch();
    }
    try (PreparedStatement ps =
        c.prepareStatement("DELETE FROM billing_event_pending WHERE seq = ?")) {
      for (long seq : moved) {
        ps.setLong(1, seq);
        ps.addBatch();
      }
      for (int deleted : ps.executeBatch()) {
        if (deleted == 0) {
          // Another reader moved it under an isolation level that let both see it: start over.
          throw new SQLException("a pending event was numbered twice", "40001");
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE billing_counter SET drawn = ? WHERE name = ?")) {
      ps.setLong(1, drawn + moved.size());
      ps.setString(2, Counters.EVENT_ID);
      ps.executeUpdate();
    }
    return moved.size();
  }

  /** Numbers what has committed (a batch at most), then reads the feed after {@code afterId}. */
  static List<BillingEvent> read(Connection c, long afterId, int limit) throws SQLException {
    number(c, Math.max(limit, NUMBERING_BATCH));
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT id, " + COLUMNS + " FROM billing_event WHERE id > ? ORDER BY id LIMIT ?")) {
      ps.setLong(1, afterId);
      ps.setInt(2, limit);
      List<BillingEvent> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new BillingEvent(
                  rs.getLong(1),
                  BillingEvent.Type.valueOf(rs.getString(2)),
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
