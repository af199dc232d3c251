package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.COLLECTION_STATE_COLUMNS;
import static dev.caravel.billing.jdbc.Rows.instant;
import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.ConflictingKeyException;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.Standing;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.StandingRule;
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
 * tenant's lock), refunds (under the invoice's lock), standing (under the tenant's lock); voids and
 * write-offs are {@link CollectionChanges}. Each appends its event last, in its own transaction
 * (see {@link EventFeed}).
 */
final class LedgerOperations {
  private static final String REFUND_COLUMNS =
      "refund_key, invoice_id, tenant, amount, reason, via, status, reference, at";

  private final Transactions transactions;

  LedgerOperations(Transactions transactions) {
    this.transactions = transactions;
  }

  // ---- adjustments ----

  boolean recordAdjustment(InvoiceItem item, boolean anchorIfUnset) {
    Objects.requireNonNull(item, "adjustment");
    if (!item.isAdjustment() || item.invoiceId().isPresent()) {
      throw new InvalidInputException("not an unclaimed adjustment: " + item.id());
    }
    return transactions.write(
        "recording adjustment " + item.id(),
        (c, d) -> {
          // The tenant lock orders racing adjustments of one key (the second finds the first),
          // and orders this one with a first activity (ActivityLog takes the same lock): whichever
          // comes second sees the anchor the first set.
          Optional<Instant> anchor = lockTenantReadingAnchor(c, item.tenant());
          Optional<InvoiceItem> existing = item(c, item.id());
          if (existing.isPresent()) {
            if (existing.get().sameAdjustment(item)) {
              return false;
            }
            throw new ConflictingKeyException(
                "adjustment key "
                    + item.adjustmentKey().get()
                    + " was used already for another adjustment");
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
          EventFeed.append(c, BillingEvent.adjusted(item));
          return true;
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

  /** Inserts an adjustment's item, unclaimed. */
  private static void insertItem(Connection c, InvoiceItem item) throws SQLException {
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

  Payment.Refund recordRefund(Payment.Refund refund) {
    Objects.requireNonNull(refund, "refund");
    return transactions.write(
        "recording refund " + refund.key(),
        (c, d) -> {
          // The invoice row lock serializes the refunds of one invoice: the bound holds.
          Invoice invoice;
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
            return existing.get();
          }
          invoice = CollectionStatements.invoice(c, refund.invoiceId());
          if (!invoice.isPaid()) {
            throw new InvalidInputException("invoice " + refund.invoiceId() + " is not paid");
          }
          if (!invoice.tenant().equals(refund.tenant())) {
            throw new InvalidInputException(
                "invoice " + refund.invoiceId() + " is another tenant's");
          }
          long refunded;
          try (PreparedStatement ps =
              c.prepareStatement(
                  // Failed refunds moved no money: they take nothing from the payment.
                  "SELECT COALESCE(SUM(amount), 0) FROM billing_refund "
                      + "WHERE invoice_id = ? AND status <> 'FAILED'")) {
            ps.setString(1, refund.invoiceId());
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              refunded = rs.getLong(1);
            }
          }
          if (refunded + refund.amount() > invoice.total()) {
            throw new InvalidInputException(
                "invoice "
                    + refund.invoiceId()
                    + " has "
                    + (invoice.total() - refunded)
                    + " left to refund, not "
                    + refund.amount());
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
          if (refund.via() == Payment.Refund.Via.CREDIT) {
            insertAdjustment(c, d, InvoiceItem.forRefundCredit(refund));
          }
          if (refund.status() != Payment.Refund.Status.PENDING) {
            EventFeed.append(c, BillingEvent.refund(refund, refund.at()));
          }
          return refund;
        });
  }

  boolean completeRefund(String key, String reference, Instant at) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(at, "at");
    return transactions.write(
        "completing refund " + key,
        (c, d) -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE billing_refund SET status = 'DONE', reference = ? "
                      + "WHERE refund_key = ? AND status IN ('PENDING', 'OWED')")) {
            ps.setString(1, reference);
            ps.setString(2, key);
            if (ps.executeUpdate() != 1) {
              return false;
            }
          }
          EventFeed.append(c, BillingEvent.refund(refund(c, key).orElseThrow(), at));
          return true;
        });
  }

  boolean failRefund(String key, String reason, Instant at) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(at, "at");
    return transactions.write(
        "failing refund " + key,
        (c, d) -> {
          // One guarded statement: of racing completes and fails, exactly one moves the refund.
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE billing_refund SET status = 'FAILED', reference = ? "
                      + "WHERE refund_key = ? AND status = 'PENDING'")) {
            ps.setString(1, reason);
            ps.setString(2, key);
            if (ps.executeUpdate() != 1) {
              return false;
            }
          }
          EventFeed.append(c, BillingEvent.refund(refund(c, key).orElseThrow(), at));
          return true;
        });
  }

  // ---- standing ----

  Optional<BillingEvent> refreshStanding(String tenant, Instant now, StandingRule rule) {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(rule, "rule");
    return transactions.write(
        "refreshing the standing of " + tenant,
        (c, d) -> {
          // Under the tenant lock, and reading after taking it: racing refreshes take turns, and
          // the later one judges what the earlier one saw or newer, so the last word is current.
          Standing before;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT standing FROM billing_tenant WHERE pubkey = ? FOR UPDATE")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.<BillingEvent>empty();
              }
              before = Standing.valueOf(rs.getString(1));
            }
          }
          List<CollectionState> open = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + COLLECTION_STATE_COLUMNS
                      + " FROM billing_invoice WHERE tenant = ? AND NOT paid "
                      + "AND closed_status IS NULL ORDER BY seq")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                open.add(Rows.collectionState(rs));
              }
            }
          }
          StandingRule.Verdict verdict = rule.judge(open, now);
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE billing_tenant SET standing = ?, standing_check_at = ? WHERE pubkey = ?")) {
            ps.setString(1, verdict.standing().name());
            setInstant(ps, 2, verdict.recheckAt().orElse(null));
            ps.setString(3, tenant);
            ps.executeUpdate();
          }
          if (verdict.standing() == before) {
            return Optional.<BillingEvent>empty();
          }
          BillingEvent changed =
              BillingEvent.standingChanged(tenant, before, verdict.standing(), now);
          EventFeed.append(c, changed);
          return Optional.of(changed); // numbered when the feed is read
        });
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
