package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.BOLT11_COLUMNS;
import static dev.caravel.billing.jdbc.Rows.COLLECTION_STATE_COLUMNS;
import static dev.caravel.billing.jdbc.Rows.instant;
import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.RoundEnd;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The Repository methods that collect one invoice's payment: leases and rounds, holds, card charges
 * and BOLT11 requests (the payment's own write is {@link PaymentStatements}). Each write is one
 * transaction that locks the invoice row (or updates it in one guarded statement), so instances
 * racing on one invoice take turns. None of them locks a tenant row.
 */
final class CollectionStatements {
  private final Transactions transactions;

  CollectionStatements(Transactions transactions) {
    this.transactions = transactions;
  }

  Optional<CollectionState> collectionState(String invoiceId) {
    return transactions.read(
        "reading collection state",
        (c, d) -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT " + COLLECTION_STATE_COLUMNS + " FROM billing_invoice WHERE id = ?")) {
            ps.setString(1, invoiceId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? Optional.of(Rows.collectionState(rs))
                  : Optional.<CollectionState>empty();
            }
          }
        });
  }

  Optional<PaymentLease> acquireLease(String invoiceId, String owner, Instant now, Duration ttl) {
    if (owner == null || owner.isBlank()) {
      throw new InvalidInputException("lease owner must not be blank");
    }
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(ttl, "ttl");
    String token = owner + "/" + UUID.randomUUID();
    Instant until = now.plus(ttl);
    if (transactions.dialect() == Dialect.POSTGRESQL) {
      return transactions.statement(
          "leasing invoice " + invoiceId,
          c -> leaseInOneStatement(c, invoiceId, token, now, until));
    }
    return transactions.write(
        "leasing invoice " + invoiceId,
        (c, d) -> {
          int rounds;
          boolean open;
          Instant first;
          // The row lock makes the due check and the lease one step: no other instance can start
          // a round between them. This is the only way into a round.
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT paid, rounds, round_open, first_attempt_at, lease_until, "
                      + "next_attempt_at FROM billing_invoice WHERE id = ? FOR UPDATE")) {
            ps.setString(1, invoiceId);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next() || rs.getBoolean(1)) {
                return Optional.<PaymentLease>empty();
              }
              Instant leased = instant(rs, 5);
              Instant next = instant(rs, 6);
              if ((leased != null && leased.isAfter(now)) || next == null || next.isAfter(now)) {
                return Optional.<PaymentLease>empty();
              }
              rounds = rs.getInt(2);
              open = rs.getBoolean(3);
              first = instant(rs, 4);
            }
          }
          // A finished round starts the next; an open one (outcome unknown, holder gone) resumes.
          int round = open ? rounds : rounds + 1;
          Instant firstAttempt = first == null ? now : first;
          PaymentLease lease = new PaymentLease(invoiceId, token, round, firstAttempt, until, open);
          // Should the holder die, the open round is due again when its lease runs out.
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE billing_invoice SET rounds = ?, round_open = TRUE, "
                      + "first_attempt_at = ?, lease_token = ?, lease_until = ?, next_attempt_at = ? WHERE id = ?")) {
            ps.setInt(1, round);
            setInstant(ps, 2, firstAttempt);
            ps.setString(3, lease.token());
            setInstant(ps, 4, lease.until());
            setInstant(ps, 5, lease.until());
            ps.setString(6, invoiceId);
            ps.executeUpdate();
          }
          return Optional.of(lease);
        });
  }

  /**
   * The same lease as H2's two statements, in one on PostgreSQL: the CTE locks the row only if it
   * is due (a row locked by another lease is checked again once that commits), and the update
   * starts or resumes the round from what it locked. One round trip, no explicit transaction.
   */
  private static Optional<PaymentLease> leaseInOneStatement(
      Connection c, String invoiceId, String token, Instant now, Instant until)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "WITH due AS (SELECT id, round_open FROM billing_invoice WHERE id = ? AND NOT paid "
                + "AND (lease_until IS NULL OR lease_until <= ?) "
                + "AND next_attempt_at IS NOT NULL AND next_attempt_at <= ? FOR UPDATE) "
                + "UPDATE billing_invoice i SET "
                + "rounds = CASE WHEN due.round_open THEN i.rounds ELSE i.rounds + 1 END, "
                + "round_open = TRUE, first_attempt_at = COALESCE(i.first_attempt_at, ?), "
                + "lease_token = ?, lease_until = ?, next_attempt_at = ? "
                + "FROM due WHERE i.id = due.id "
                + "RETURNING i.rounds, i.first_attempt_at, due.round_open")) {
      ps.setString(1, invoiceId);
      setInstant(ps, 2, now);
      setInstant(ps, 3, now);
      setInstant(ps, 4, now);
      ps.setString(5, token);
      setInstant(ps, 6, until);
      setInstant(ps, 7, until);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new PaymentLease(
                invoiceId, token, rs.getInt(1), instant(rs, 2), until, rs.getBoolean(3)));
      }
    }
  }

  /**
   * {@link dev.caravel.billing.spi.Repository#endRound} for every end but a payment (which is
   * {@link PaymentStatements#markPaidFinishingRound}'s): one transaction, guarded by the lease
   * token. True if the lease still held, so the end was written.
   */
  boolean endRound(PaymentLease lease, RoundEnd end) {
    Objects.requireNonNull(lease, "lease");
    if (end instanceof RoundEnd.Finished finished) {
      return endLease(lease, finished.nextAttemptAt().orElse(null), true);
    }
    if (end instanceof RoundEnd.Held held) {
      return holdRound(lease, held.hold(), held.event());
    }
    if (end instanceof RoundEnd.LeftOpen open) {
      return endLease(lease, open.nextAttemptAt(), false);
    }
    throw new IllegalArgumentException("not a round's end without a payment: " + end);
  }

  private boolean holdRound(PaymentLease lease, CollectionHold hold, BillingEvent event) {
    return transactions.write(
        "holding invoice " + lease.invoiceId(),
        (c, d) -> {
          // Guarded by the lease token: only the lease's holder can put the invoice on hold.
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE billing_invoice SET round_open = FALSE, "
                      + "lease_token = NULL, lease_until = NULL, next_attempt_at = NULL, "
                      + "hold_reason = CASE WHEN paid THEN NULL ELSE ? END, hold_detail = CASE WHEN paid THEN NULL ELSE ? END "
                      + "WHERE id = ? AND lease_token = ?")) {
            ps.setString(1, hold.reason().name());
            ps.setString(2, hold.detail());
            ps.setString(3, lease.invoiceId());
            ps.setString(4, lease.token());
            if (ps.executeUpdate() != 1) {
              return false;
            }
          }
          Invoice invoice = invoice(c, lease.invoiceId());
          checkStandingBy(c, lease.invoiceId(), event.at());
          if (!invoice.isPaid()) {
            EventFeed.append(c, event);
          }
          return true;
        });
  }

  /** Clears the lease if the token still holds it; a paid invoice gets no next attempt. */
  private boolean endLease(PaymentLease lease, Instant next, boolean closeRound) {
    return transactions.write(
        "ending lease on " + lease.invoiceId(),
        (c, d) -> {
          if (!endLease(c, d, lease, next, closeRound)) {
            return false;
          }
          if (closeRound) {
            checkStandingBy(c, lease.invoiceId(), lease.until());
          }
          return true;
        });
  }

  static boolean endLease(
      Connection c, Dialect d, PaymentLease lease, Instant next, boolean closeRound)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE billing_invoice SET "
                + (closeRound ? "round_open = FALSE, " : "")
                + "lease_token = NULL, lease_until = NULL, "
                + "next_attempt_at = CASE WHEN paid THEN NULL ELSE CAST(? AS "
                + d.timestampType
                + ") END "
                + "WHERE id = ? AND lease_token = ?")) {
      setInstant(ps, 1, next);
      ps.setString(2, lease.invoiceId());
      ps.setString(3, lease.token());
      return ps.executeUpdate() == 1;
    }
  }

  /**
   * A change that may move the standing of the invoice's tenant makes its standing check due by
   * {@code at}, in the change's own transaction: the engine judges the tenant right after the
   * change, and if that fails (a crash, a fault), the poll does, so no transition is missed. It
   * bumps the tenant's standing revision too, so a verdict judged before the change is not recorded
   * ({@link StandingStatements}).
   */
  static void checkStandingBy(Connection c, String invoiceId, Instant at) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE billing_tenant SET standing_revision = standing_revision + 1, "
                + STANDING_CHECK_BY
                + " WHERE pubkey = (SELECT tenant FROM billing_invoice WHERE id = ?)")) {
      setInstant(ps, 1, at);
      setInstant(ps, 2, at);
      ps.setString(3, invoiceId);
      ps.executeUpdate();
    }
  }

  /**
   * Moves the standing check to the bound instant (twice) if that is earlier; SQL both dialects
   * read.
   */
  static final String STANDING_CHECK_BY =
      "standing_check_at = CASE WHEN standing_check_at IS NULL "
          + "OR standing_check_at > CAST(? AS TIMESTAMP WITH TIME ZONE) "
          + "THEN CAST(? AS TIMESTAMP WITH TIME ZONE) ELSE standing_check_at END";

  /** The invoice as this transaction sees it. */
  static Invoice invoice(Connection c, String invoiceId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT " + Rows.INVOICE_COLUMNS + Rows.INVOICE_FROM + " WHERE i.id = ?")) {
      ps.setString(1, invoiceId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("invoice " + invoiceId + " vanished under its lock", "40001");
        }
        return Rows.invoice(rs);
      }
    }
  }

  CardCharge noteCardCharge(CardCharge charge) {
    Objects.requireNonNull(charge, "charge");
    return transactions.statement(
        "noting the card charge of " + charge.invoiceId(),
        c -> {
          // The primary key admits one note per round: a racing note loses and reads the winner's.
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO billing_card_charge "
                      + "(invoice_id, round, payment_method_id, sent_at) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, charge.invoiceId());
            ps.setInt(2, charge.round());
            ps.setString(3, charge.paymentMethodId());
            setInstant(ps, 4, charge.sentAt());
            ps.executeUpdate();
            return charge;
          } catch (SQLException e) {
            Optional<CardCharge> noted = cardCharge(c, charge.invoiceId(), charge.round());
            if (noted.isEmpty()) {
              throw e; // not a taken key (no invoice, say): the refusal stands
            }
            return noted.get();
          }
        });
  }

  Optional<CardCharge> findCardCharge(String invoiceId, int round) {
    return transactions.read(
        "reading the card charge of " + invoiceId, (c, d) -> cardCharge(c, invoiceId, round));
  }

  private static Optional<CardCharge> cardCharge(Connection c, String invoiceId, int round)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT payment_method_id, sent_at FROM billing_card_charge "
                + "WHERE invoice_id = ? AND round = ?")) {
      ps.setString(1, invoiceId);
      ps.setInt(2, round);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(Rows.cardCharge(rs, invoiceId, round))
            : Optional.<CardCharge>empty();
      }
    }
  }

  List<String> dueInvoices(Instant now, int limit) {
    Objects.requireNonNull(now, "now");
    if (limit < 1) {
      return List.of();
    }
    return transactions.read(
        "listing due invoices",
        (c, d) -> {
          // SKIP LOCKED: an invoice another instance is leasing right now is not handed out again.
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT id FROM billing_invoice WHERE NOT paid "
                      + "AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) "
                      + "ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED")) {
            setInstant(ps, 1, now);
            setInstant(ps, 2, now);
            ps.setInt(3, limit);
            return Rows.firstColumn(ps);
          }
        });
  }

  // ---- BOLT11 ----

  Optional<Bolt11Request> findBolt11(String invoiceId) {
    return transactions.read("reading BOLT11", (c, d) -> liveBolt11(c, invoiceId));
  }

  Bolt11Request replaceBolt11(Bolt11Request fresh, Optional<String> expectedCurrent) {
    Objects.requireNonNull(fresh, "fresh");
    Objects.requireNonNull(expectedCurrent, "expectedCurrent");
    return transactions.write(
        "replacing BOLT11 of " + fresh.invoiceId(),
        (c, d) -> {
          // The invoice row lock makes the compare and the swap of its live request one step.
          lockInvoice(c, fresh.invoiceId());
          Optional<Bolt11Request> current = liveBolt11(c, fresh.invoiceId());
          if (current.isPresent()) {
            if (!Optional.of(current.get().bolt11()).equals(expectedCurrent)) {
              return current.get();
            }
            try (PreparedStatement ps =
                c.prepareStatement(
                    "UPDATE billing_bolt11 SET live_invoice_id = NULL WHERE live_invoice_id = ?")) {
              ps.setString(1, fresh.invoiceId());
              ps.executeUpdate();
            }
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO billing_bolt11 (live_invoice_id, "
                      + BOLT11_COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, fresh.invoiceId());
            ps.setString(2, fresh.invoiceId());
            ps.setString(3, fresh.bolt11());
            ps.setString(4, fresh.paymentHash());
            ps.setLong(5, fresh.msats());
            setInstant(ps, 6, fresh.createdAt());
            setInstant(ps, 7, fresh.expiresAt());
            setInstant(ps, 8, fresh.settledAt().orElse(null));
            ps.executeUpdate();
          }
          return fresh;
        });
  }

  void markBolt11Settled(String invoiceId, String bolt11, Instant at) {
    Objects.requireNonNull(at, "at");
    transactions.write(
        "settling BOLT11 of " + invoiceId,
        (c, d) -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE billing_bolt11 SET settled_at = ? "
                      + "WHERE live_invoice_id = ? AND bolt11 = ? AND settled_at IS NULL")) {
            setInstant(ps, 1, at);
            ps.setString(2, invoiceId);
            ps.setString(3, bolt11);
            ps.executeUpdate();
          }
          return null;
        });
  }

  List<Bolt11Request> unsettledBolt11sOfEndedInvoices(
      Instant expiringAfter, Optional<Bolt11Request> after, int limit) {
    Objects.requireNonNull(expiringAfter, "expiringAfter");
    Objects.requireNonNull(after, "after");
    if (limit < 1) {
      return List.of();
    }
    // V10's index on (expires_at, invoice_id) of unsettled requests bounds this by the requests
    // that expire later, an hour's worth; the join only drops those of open invoices.
    String page =
        after.isPresent()
            ? "AND (b.expires_at > ? OR (b.expires_at = ? AND b.invoice_id > ?)) "
            : "";
    return transactions.read(
        "listing unsettled BOLT11s of ended invoices",
        (c, d) -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT b.invoice_id, b.bolt11, b.payment_hash, b.msats, b.created_at, "
                      + "b.expires_at, b.settled_at FROM billing_bolt11 b "
                      + "JOIN billing_invoice i ON i.id = b.invoice_id "
                      + "WHERE b.settled_at IS NULL AND b.live_invoice_id IS NOT NULL "
                      + "AND b.expires_at > ? "
                      + page
                      + "AND (i.paid OR i.closed_status IS NOT NULL) "
                      + "ORDER BY b.expires_at, b.invoice_id LIMIT ?")) {
            int k = 1;
            setInstant(ps, k++, expiringAfter);
            if (after.isPresent()) {
              setInstant(ps, k++, after.get().expiresAt());
              setInstant(ps, k++, after.get().expiresAt());
              ps.setString(k++, after.get().invoiceId());
            }
            ps.setInt(k, limit);
            List<Bolt11Request> found = new java.util.ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                found.add(Rows.bolt11(rs));
              }
            }
            return found;
          }
        });
  }

  private static Optional<Bolt11Request> liveBolt11(Connection c, String invoiceId)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT " + BOLT11_COLUMNS + " FROM billing_bolt11 WHERE live_invoice_id = ?")) {
      ps.setString(1, invoiceId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Rows.bolt11(rs)) : Optional.<Bolt11Request>empty();
      }
    }
  }

  /** Locks the invoice's row until the transaction ends; refuses an unknown invoice. */
  private static void lockInvoice(Connection c, String invoiceId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT id FROM billing_invoice WHERE id = ? FOR UPDATE")) {
      ps.setString(1, invoiceId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new InvalidInputException("no invoice " + invoiceId);
        }
      }
    }
  }
}
