package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.instant;
import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.spi.AdjustmentWrite;
import dev.caravel.billing.spi.RefundWrite;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Repository methods of running a business on the ledger (issue 14): adjustments (under the
 * tenant's lock) and refunds (under the invoice's lock); standing is in {@link StandingStatements},
 * voids and write-offs in {@link CollectionChanges}. Each appends its event last, in its own
 * transaction (see {@link EventFeed}).
 */
final class LedgerOperations {
  private static final String REFUND_COLUMNS =
      "refund_key, invoice_id, tenant, amount, reason, via, status, reference, at";

  private final Transactions transactions;

  LedgerOperations(Transactions transactions) {
    this.transactions = transactions;
  }

  // ---- adjustments ----

  AdjustmentWrite recordAdjustment(InvoiceItem item, BillingEvent event, boolean anchorIfUnset) {
    Objects.requireNonNull(item, "adjustment");
    Objects.requireNonNull(event, "event");
    if (!item.isAdjustment() || item.invoiceId().isPresent()) {
      throw new InvalidInputException("not an unclaimed adjustment: " + item.id());
    }
    return transactions.write(
        "recording adjustment " + item.id(),
        (c, d) -> {
          // The tenant lock orders racing adjustments of one key (the second finds the first),
          // and orders this one with a first activity (ActivityLog takes the same lock): whichever
          // comes second sees the anchor the first set. The item's primary key is the last line.
          Optional<Instant> anchor = lockTenantReadingAnchor(c, item.tenant());
          Optional<InvoiceItem> existing = item(c, item.id());
          if (existing.isPresent()) {
            return new AdjustmentWrite.KeyTaken(existing.get()); // the engine judges it
          }
          insertItem(c, item);
          if (anchor.isPresent()) {
            DueIndex.markDue(c, d, List.of(item.tenant()));
          } else if (anchorIfUnset) {
            // The anchor is unset under the lock: set it, and the tenant has a period to claim.
            try (PreparedStatement ps =
                c.prepareStatement(
                    "UPDATE billing_tenant SET anchor = ?, "
                        + DueIndex.MARK_DUE_COLUMNS
                        + " WHERE pubkey = ? AND anchor IS NULL")) {
              setInstant(ps, 1, item.at());
              ps.setString(2, item.tenant());
              ps.executeUpdate();
            }
          }
          // A tenant left without an anchor is not due: no period to claim into (Repository).
          EventFeed.append(c, event);
          return new AdjustmentWrite.Recorded();
        });
  }

  /** Locks the tenant's row and reads its anchor (empty: none yet). */
  private static Optional<Instant> lockTenantReadingAnchor(Connection c, String tenant)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT anchor FROM billing_tenant WHERE pubkey = ? FOR UPDATE")) {
      ps.setString(1, tenant);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new InvalidInputException("no tenant " + tenant);
        }
        return Optional.ofNullable(instant(rs, 1));
      }
    }
  }

  /** Inserts the adjustment unclaimed and makes its tenant due, so the next poll claims it. */
  private static void insertAdjustment(Connection c, Dialect d, InvoiceItem item)
      throws SQLException {
    insertItem(c, item);
    DueIndex.markDue(c, d, List.of(item.tenant()));
  }

  /**
   * Inserts an item keyed by its adjustment key, unclaimed: an adjustment, a refund's credit, or a
   * carried amount (S25, {@link CarriedClaims}).
   */
  static void insertItem(Connection c, InvoiceItem item) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at, "
                + "adjustment_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, item.id());
      ps.setString(2, item.tenant());
      ps.setString(3, item.relay());
      ps.setString(4, item.plan());
      ps.setLong(5, item.amount());
      ps.setString(6, item.description());
      setInstant(ps, 7, item.at());
      ps.setString(8, item.adjustmentKey().orElseThrow());
      ps.executeUpdate();
    }
  }

  private static Optional<InvoiceItem> item(Connection c, String id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT " + Rows.ITEM_COLUMNS + " FROM billing_item WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Rows.item(rs)) : Optional.<InvoiceItem>empty();
      }
    }
  }

  // ---- refunds ----

  List<Payment.Refund> refunds(String invoiceId) {
    return transactions.read(
        "reading refunds",
        (c, d) -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + REFUND_COLUMNS
                      + " FROM billing_refund WHERE invoice_id = ? ORDER BY seq")) {
            ps.setString(1, invoiceId);
            return refundRows(ps);
          }
        });
  }

  Optional<Payment.Refund> findRefund(String key) {
    return transactions.read("reading refund", (c, d) -> refund(c, key));
  }

  private static Optional<Payment.Refund> refund(Connection c, String key) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT " + REFUND_COLUMNS + " FROM billing_refund WHERE refund_key = ?")) {
      ps.setString(1, key);
      List<Payment.Refund> found = refundRows(ps);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }
  }

  private static List<Payment.Refund> refundRows(PreparedStatement ps) throws SQLException {
    List<Payment.Refund> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new Payment.Refund(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getLong(4),
                rs.getString(5),
                Payment.Refund.Via.valueOf(rs.getString(6)),
                Payment.Refund.Status.valueOf(rs.getString(7)),
                Optional.ofNullable(rs.getString(8)),
                instant(rs, 9)));
      }
    }
    return out;
  }

  RefundWrite recordRefund(
      Payment.Refund refund,
      int refundsRead,
      Optional<InvoiceItem> credit,
      Optional<BillingEvent> event) {
    Objects.requireNonNull(refund, "refund");
    Objects.requireNonNull(credit, "credit");
    Objects.requireNonNull(event, "event");
    return transactions.write(
        "recording refund " + refund.key(),
        (c, d) -> {
          // The invoice row lock serializes the refunds of one invoice: the count read under it
          // is the count the insert follows (a compare-and-set on what the engine read).
          try (PreparedStatement ps =
              c.prepareStatement("SELECT id FROM billing_invoice WHERE id = ? FOR UPDATE")) {
            ps.setString(1, refund.invoiceId());
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                throw new InvalidInputException("no invoice " + refund.invoiceId());
              }
            }
          }
          Optional<Payment.Refund> existing = refund(c, refund.key());
          if (existing.isPresent()) {
            return new RefundWrite.KeyTaken(existing.get()); // the engine compares
          }
          try (PreparedStatement ps =
              c.prepareStatement("SELECT COUNT(*) FROM billing_refund WHERE invoice_id = ?")) {
            ps.setString(1, refund.invoiceId());
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              // Refunds are never deleted: the same count is the same refunds.
              if (rs.getLong(1) != refundsRead) {
                return new RefundWrite.RefundsMoved();
              }
            }
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO billing_refund ("
                      + REFUND_COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, refund.key());
            ps.setString(2, refund.invoiceId());
            ps.setString(3, refund.tenant());
            ps.setLong(4, refund.amount());
            ps.setString(5, refund.reason());
            ps.setString(6, refund.via().name());
            ps.setString(7, refund.status().name());
            ps.setString(8, refund.reference().orElse(null));
            setInstant(ps, 9, refund.at());
            ps.executeUpdate();
          }
          if (credit.isPresent()) {
            insertAdjustment(c, d, credit.get());
          }
          if (event.isPresent()) {
            EventFeed.append(c, event.get());
          }
          return new RefundWrite.Recorded();
        });
  }

  boolean moveRefund(Payment.Refund read, Payment.Refund moved, BillingEvent event) {
    Objects.requireNonNull(read, "read");
    Objects.requireNonNull(moved, "moved");
    Objects.requireNonNull(event, "event");
    if (!read.withStatus(moved.status(), moved.reference()).equals(moved)) {
      throw new IllegalArgumentException(
          "a move changes a refund's status and reference only: " + read + " to " + moved);
    }
    return transactions.write(
        "moving refund " + read.key(),
        (c, d) -> {
          // One guarded statement, a compare-and-set on the status read: of racing moves of one
          // refund, exactly one wins.
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE billing_refund SET status = ?, reference = ? "
                      + "WHERE refund_key = ? AND status = ?")) {
            ps.setString(1, moved.status().name());
            ps.setString(2, moved.reference().orElse(null));
            ps.setString(3, read.key());
            ps.setString(4, read.status().name());
            if (ps.executeUpdate() != 1) {
              return false;
            }
          }
          EventFeed.append(c, event);
          return true;
        });
  }
}
