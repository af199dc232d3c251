package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.Standing;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.StandingRead;
import dev.caravel.billing.spi.StandingVerdict;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The Repository methods of standing (S13): the engine judges, this records. A read is one
 * statement (one snapshot: the tenant's standing and revision with its open invoices), a verdict
 * one guarded update of the tenant's row, compared on {@code standing_revision} (V13), with its
 * event in the same transaction when it carries one. Every write that may move the standing bumps
 * the revision in its own transaction ({@link CollectionStatements#checkStandingBy}), so a verdict
 * judged before it loses.
 */
final class StandingStatements {
  /** The open invoices' collection state, qualified, first: {@link Rows#collectionState} order. */
  private static final String READ =
      "SELECT "
          + Arrays.stream(Rows.COLLECTION_STATE_COLUMNS.split(",\\s*"))
              .map(column -> "i." + column)
              .collect(Collectors.joining(", "))
          + ", t.standing, t.standing_revision, i.id FROM billing_tenant t "
          + "LEFT JOIN billing_invoice i ON i.tenant = t.pubkey AND NOT i.paid "
          + "AND i.closed_status IS NULL WHERE t.pubkey = ? ORDER BY i.seq";

  private static final String RECORD =
      "UPDATE billing_tenant SET standing = ?, standing_check_at = ?, "
          + "standing_revision = standing_revision + 1 WHERE pubkey = ? AND standing_revision = ?";

  private final Transactions transactions;

  StandingStatements(Transactions transactions) {
    this.transactions = transactions;
  }

  Optional<StandingRead> readStanding(String tenant) {
    Objects.requireNonNull(tenant, "tenant");
    return transactions.read(
        "reading the standing of " + tenant,
        (c, d) -> {
          try (PreparedStatement ps = c.prepareStatement(READ)) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.<StandingRead>empty();
              }
              Standing stored = Standing.valueOf(rs.getString(8));
              long revision = rs.getLong(9);
              List<CollectionState> open = new ArrayList<>();
              do {
                if (rs.getString(10) != null) { // null: the tenant has no open invoice
                  open.add(Rows.collectionState(rs));
                }
              } while (rs.next());
              return Optional.of(new StandingRead(stored, revision, open));
            }
          }
        });
  }

  boolean recordStanding(StandingVerdict verdict) {
    Objects.requireNonNull(verdict, "verdict");
    String what = "recording the standing of " + verdict.tenant();
    if (verdict.changed().isEmpty()) {
      // The poll's usual case, nothing changed: one statement, committed by itself.
      return transactions.statement(what, c -> record(c, verdict));
    }
    return transactions.write(
        what,
        (c, d) -> {
          if (!record(c, verdict)) {
            return false;
          }
          EventFeed.append(c, verdict.changed().get());
          return true;
        });
  }

  private static boolean record(Connection c, StandingVerdict verdict) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(RECORD)) {
      ps.setString(1, verdict.standing().name());
      setInstant(ps, 2, verdict.recheckAt().orElse(null));
      ps.setString(3, verdict.tenant());
      ps.setLong(4, verdict.readRevision());
      return ps.executeUpdate() == 1;
    }
  }

  List<String> standingChecksDue(Instant now, int limit) {
    Objects.requireNonNull(now, "now");
    if (limit < 1) {
      return List.of();
    }
    return transactions.read(
        "listing standing checks due",
        (c, d) -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT pubkey FROM billing_tenant WHERE standing_check_at <= ? "
                      + "ORDER BY standing_check_at, pubkey LIMIT ?")) {
            setInstant(ps, 1, now);
            ps.setInt(2, limit);
            return Rows.firstColumn(ps);
          }
        });
  }
}
