package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.CollectionStatements.STANDING_CHECK_BY;
import static dev.caravel.billing.jdbc.CollectionStatements.checkStandingBy;
import static dev.caravel.billing.jdbc.CollectionStatements.endLease;
import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Payment;
import dev.caravel.billing.spi.PaymentEvents;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.PaymentRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;

/**
 * {@link dev.caravel.billing.spi.Repository#markPaid}: money that reached an invoice, recorded by
 * one conditional write and nothing more. The payment is set by a compare-and-set statement on
 * "open" (unpaid, not closed), which takes the invoice's row lock, so of racing payments one sets
 * it and the others find it paid (PostgreSQL checks the condition again on the row as committed; H2
 * waits on the lock and reads it afresh). A write that loses locks the row and inserts the
 * (invoice, reference) second payment if the invoice holds that reference in neither table. The
 * events are the engine's, appended as given: what a payment or a second payment means is not
 * judged here.
 */
final class PaymentStatements {
  private final Transactions transactions;

  PaymentStatements(Transactions transactions) {
    this.transactions = transactions;
  }

  PaymentRecord markPaid(String invoiceId, Payment payment, PaymentEvents events) {
    Objects.requireNonNull(payment, "payment");
    Objects.requireNonNull(events, "events");
    if (setAlone(invoiceId, payment, events, null)) {
      return PaymentRecord.PAID;
    }
    return transactions.write(
        "marking invoice " + invoiceId + " paid",
        (c, d) -> record(c, d, invoiceId, payment, events, null));
  }

  /**
   * {@link dev.caravel.billing.spi.Repository#endRound} with a payment ({@link
   * dev.caravel.billing.spi.RoundEnd.Paid}): {@link #markPaid} and the lease's round ended (no next
   * round) in one transaction. The payment's compare-and-set ends the round in the same update (one
   * statement on PostgreSQL), and a payment that is not the invoice's still ends it, as a finished
   * round would.
   */
  PaymentRecord markPaidFinishingRound(PaymentLease lease, Payment payment, PaymentEvents events) {
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(payment, "payment");
    Objects.requireNonNull(events, "events");
    if (setAlone(lease.invoiceId(), payment, events, lease.token())) {
      return PaymentRecord.PAID; // the same update ended the lease's round
    }
    return transactions.write(
        "marking invoice " + lease.invoiceId() + " paid",
        (c, d) -> {
          PaymentRecord recorded = record(c, d, lease.invoiceId(), payment, events, lease.token());
          if (recorded != PaymentRecord.PAID && endLease(c, d, lease, null, true)) {
            checkStandingBy(c, lease.invoiceId(), lease.until());
          }
          return recorded;
        });
  }

  /**
   * On PostgreSQL, the usual case first: the payment set on an open invoice by {@link
   * #setInOneStatement}, committed by itself (autocommit: one round trip, no COMMIT after it). That
   * statement is the whole write when it wins; when it finds the invoice not open it writes
   * nothing, and the caller's transaction then does the rest (a second payment, the round's end),
   * whose compare-and-set finds it not open again. False on H2, which writes statement by
   * statement.
   */
  private boolean setAlone(
      String invoiceId, Payment payment, PaymentEvents events, String leaseToken) {
    if (transactions.dialect() != Dialect.POSTGRESQL) {
      return false;
    }
    return transactions.statement(
        "marking invoice " + invoiceId + " paid",
        c -> setInOneStatement(c, invoiceId, payment, events.asPayment(), leaseToken));
  }

  /**
   * The write, in the caller's transaction: the payment set if the invoice is open, else the second
   * payment inserted if new. With {@code leaseToken}, setting the payment also ends the round that
   * lease holds (if it still does) in the same update.
   */
  private static PaymentRecord record(
      Connection c,
      Dialect d,
      String invoiceId,
      Payment payment,
      PaymentEvents events,
      String leaseToken)
      throws SQLException {
    boolean set =
        d == Dialect.POSTGRESQL
            ? setInOneStatement(c, invoiceId, payment, events.asPayment(), leaseToken)
            : set(c, invoiceId, payment, events.asPayment(), leaseToken);
    if (set) {
      return PaymentRecord.PAID;
    }
    return insertSecondPayment(c, invoiceId, payment, events.asSecondPayment())
        ? PaymentRecord.SECOND_PAYMENT
        : PaymentRecord.NOTHING;
  }

  /** The compare-and-set: the invoice's columns of a payment, only while it is open. */
  private static final String SET_IF_OPEN =
      "UPDATE billing_invoice SET paid = TRUE, next_attempt_at = NULL, hold_reason = NULL, "
          + "hold_detail = NULL%s WHERE id = ? AND paid = FALSE AND closed_status IS NULL";

  /** The round the lease holds, ended in the payment's update; nothing if another holds it now. */
  private static final String END_ROUND =
      ", round_open = CASE WHEN lease_token = ? THEN FALSE ELSE round_open END, "
          + "lease_until = CASE WHEN lease_token = ? THEN NULL ELSE lease_until END, "
          + "lease_token = CASE WHEN lease_token = ? THEN NULL ELSE lease_token END";

  private static String setIfOpen(String leaseToken) {
    return String.format(SET_IF_OPEN, leaseToken == null ? "" : END_ROUND);
  }

  private static int bindSet(PreparedStatement ps, String invoiceId, String leaseToken)
      throws SQLException {
    int k = 1;
    if (leaseToken != null) {
      ps.setString(k++, leaseToken);
      ps.setString(k++, leaseToken);
      ps.setString(k++, leaseToken);
    }
    ps.setString(k++, invoiceId);
    return k;
  }

  /**
   * Statement by statement: the compare-and-set, then (if it won) the payment row, the standing
   * check and the event. True if the payment was set.
   */
  private static boolean set(
      Connection c, String invoiceId, Payment payment, BillingEvent event, String leaseToken)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(setIfOpen(leaseToken))) {
      bindSet(ps, invoiceId, leaseToken);
      if (ps.executeUpdate() != 1) {
        return false;
      }
    }
    // The payment table's primary key admits one row: the last line of defence.
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_payment (invoice_id, method, reference, paid_at) VALUES (?, ?, ?, ?)")) {
      ps.setString(1, invoiceId);
      ps.setString(2, payment.method().wireName());
      ps.setString(3, payment.reference());
      setInstant(ps, 4, payment.paidAt());
      ps.executeUpdate();
    }
    checkStandingBy(c, invoiceId, payment.paidAt());
    EventFeed.append(c, event);
    return true;
  }

  /**
   * The same writes as {@link #set}, as one statement on PostgreSQL: the compare-and-set is the
   * first data-modifying CTE, and the payment row, the standing check and the event are written
   * only from the row it returns (each table written once). One round trip for a paid round.
   */
  private static boolean setInOneStatement(
      Connection c, String invoiceId, Payment payment, BillingEvent event, String leaseToken)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "WITH paid AS ("
                + setIfOpen(leaseToken)
                + " RETURNING id, tenant), "
                + "payment AS (INSERT INTO billing_payment (invoice_id, method, reference, paid_at) "
                + "SELECT id, CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS TIMESTAMPTZ) FROM paid), "
                + "standing AS (UPDATE billing_tenant SET standing_revision = standing_revision + 1, "
                + STANDING_CHECK_BY
                + " WHERE pubkey = (SELECT tenant FROM paid)) "
                + "INSERT INTO billing_event_pending (type, tenant, invoice_id, amount, reference, "
                + "detail, at) SELECT CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), "
                + "CAST(? AS BIGINT), CAST(? AS VARCHAR), CAST(? AS VARCHAR), "
                + "CAST(? AS TIMESTAMPTZ) FROM paid")) {
      int k = bindSet(ps, invoiceId, leaseToken);
      ps.setString(k++, payment.method().wireName());
      ps.setString(k++, payment.reference());
      setInstant(ps, k++, payment.paidAt());
      setInstant(ps, k++, payment.paidAt());
      setInstant(ps, k++, payment.paidAt());
      ps.setString(k++, event.type().name());
      ps.setString(k++, event.tenant());
      ps.setString(k++, event.invoiceId().orElse(null));
      ps.setLong(k++, event.amount());
      ps.setString(k++, event.reference().orElse(null));
      ps.setString(k++, event.detail());
      setInstant(ps, k, event.at());
      return ps.executeUpdate() == 1;
    }
  }

  /**
   * The invoice was not open at the compare-and-set: under its row lock, inserts the (invoice,
   * reference) second payment unless the reference is the invoice's payment or a second payment
   * already, with its event. True only when this call inserted it. An invoice found open after all
   * (none returns to open today, but the write does not rely on it) fails the transaction as a
   * serialization failure, which {@link Transactions} retries from the compare-and-set: money is
   * never recorded as a second payment of an open invoice.
   */
  private static boolean insertSecondPayment(
      Connection c, String invoiceId, Payment payment, BillingEvent event) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT paid, closed_status FROM billing_invoice WHERE id = ? FOR UPDATE")) {
      ps.setString(1, invoiceId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return false;
        }
        if (!rs.getBoolean(1) && rs.getString(2) == null) {
          throw new SQLException(
              "invoice " + invoiceId + " is open again under its lock: write again", "40001");
        }
      }
    }
    // Under the lock, this statement sees every payment committed before it: one per reference.
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_extra_payment (invoice_id, reference, method, paid_at) "
                + "SELECT i.id, CAST(? AS VARCHAR), CAST(? AS VARCHAR), "
                + "CAST(? AS TIMESTAMP WITH TIME ZONE) FROM billing_invoice i WHERE i.id = ? "
                + "AND NOT EXISTS (SELECT 1 FROM billing_payment p "
                + "WHERE p.invoice_id = i.id AND p.reference = ?) "
                + "AND NOT EXISTS (SELECT 1 FROM billing_extra_payment e "
                + "WHERE e.invoice_id = i.id AND e.reference = ?)")) {
      ps.setString(1, payment.reference());
      ps.setString(2, payment.method().wireName());
      setInstant(ps, 3, payment.paidAt());
      ps.setString(4, invoiceId);
      ps.setString(5, payment.reference());
      ps.setString(6, payment.reference());
      if (ps.executeUpdate() != 1) {
        return false;
      }
    }
    EventFeed.append(c, event);
    return true;
  }
}
