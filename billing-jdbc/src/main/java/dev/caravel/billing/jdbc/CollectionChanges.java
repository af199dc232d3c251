package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.spi.CollectionChange;
import dev.caravel.billing.spi.CollectionState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link dev.caravel.billing.spi.Repository#changeCollection}: the engine's decision for an open
 * invoice outside a round (a retry, a reopen, a pending charge's failure, a void or a write-off),
 * recorded by one compare-and-set statement on the collection state the engine read. The statement
 * takes the invoice's row lock, which orders it against acquireLease, the round's ends and
 * markPaid: whichever commits first changes the row, and the other's condition no longer holds
 * (PostgreSQL checks the condition again on the row as committed; H2 waits on the lock and reads it
 * afresh). No business rule is checked here: that the change is allowed was the engine's to decide;
 * this only checks that what it decided on is still what is stored.
 */
final class CollectionChanges {
  private final Transactions transactions;

  CollectionChanges(Transactions transactions) {
    this.transactions = transactions;
  }

  boolean changeCollection(String invoiceId, CollectionState expected, CollectionChange change) {
    Objects.requireNonNull(invoiceId, "invoiceId");
    Objects.requireNonNull(expected, "expected");
    Objects.requireNonNull(change, "change");
    if (change instanceof CollectionChange.Reschedule reschedule) {
      // A hold's end may move the tenant's standing: its check is made due and its standing
      // revision bumped with it, in one transaction, as every standing-moving write does.
      return transactions.write(
          "rescheduling invoice " + invoiceId,
          (c, d) -> {
            if (!compareAndSet(
                c,
                "hold_reason = NULL, hold_detail = NULL, next_attempt_at = CAST(? AS "
                    + transactions.dialect().timestampType
                    + ")",
                List.<Object>of(reschedule.nextAttemptAt()),
                invoiceId,
                expected)) {
              return false;
            }
            CollectionStatements.checkStandingBy(c, invoiceId, reschedule.at());
            return true;
          });
    }
    CollectionChange.Close close = (CollectionChange.Close) change;
    return transactions.write(
        "closing invoice " + invoiceId,
        (c, d) -> {
          if (!compareAndSet(
              c,
              "closed_status = ?, closed_reason = ?, closed_at = ?, next_attempt_at = NULL, "
                  + "round_open = FALSE, lease_token = NULL, lease_until = NULL, "
                  + "hold_reason = NULL, hold_detail = NULL",
              List.<Object>of(
                  close.closure().status().name(), close.closure().reason(), close.closure().at()),
              invoiceId,
              expected)) {
            return false;
          }
          CollectionStatements.checkStandingBy(c, invoiceId, close.closure().at());
          EventFeed.append(c, close.event());
          return true;
        });
  }

  /**
   * Sets {@code assignments} (whose parameters are {@code values}: a string, an instant, or an
   * optional instant) on the invoice if it is open and its collection state is {@code expected},
   * column by column; a null column is matched by {@code IS NULL}, so the statement's text names
   * which fields are empty. True if it changed the row.
   */
  private static boolean compareAndSet(
      Connection c,
      String assignments,
      List<Object> values,
      String invoiceId,
      CollectionState expected)
      throws SQLException {
    List<Object> parameters = new ArrayList<>(values);
    StringBuilder sql =
        new StringBuilder("UPDATE billing_invoice SET ")
            .append(assignments)
            .append(" WHERE id = ? AND NOT paid AND closed_status IS NULL AND rounds = ? ")
            .append("AND round_open = ?");
    parameters.add(invoiceId);
    parameters.add(expected.rounds());
    parameters.add(expected.roundOpen());
    match(sql, parameters, "first_attempt_at", expected.firstAttemptAt());
    match(sql, parameters, "next_attempt_at", expected.nextAttemptAt());
    match(sql, parameters, "lease_until", expected.leaseUntil());
    match(sql, parameters, "hold_reason", expected.hold().map(h -> h.reason().name()));
    match(sql, parameters, "hold_detail", expected.hold().map(h -> h.detail()));
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < parameters.size(); i++) {
        bind(ps, i + 1, parameters.get(i));
      }
      return ps.executeUpdate() == 1;
    }
  }

  private static void match(
      StringBuilder sql, List<Object> parameters, String column, Optional<?> expected) {
    if (expected.isEmpty()) {
      sql.append(" AND ").append(column).append(" IS NULL");
    } else {
      sql.append(" AND ").append(column).append(" = ?");
      parameters.add(expected.get());
    }
  }

  private static void bind(PreparedStatement ps, int index, Object value) throws SQLException {
    if (value instanceof Optional<?> optional) {
      setInstant(ps, index, (Instant) optional.orElse(null));
    } else if (value instanceof Instant instant) {
      setInstant(ps, index, instant);
    } else if (value instanceof Integer number) {
      ps.setInt(index, number);
    } else if (value instanceof Boolean flag) {
      ps.setBoolean(index, flag);
    } else {
      ps.setString(index, (String) value);
    }
  }
}
