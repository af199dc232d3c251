package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.INVOICE_COLUMNS;
import static dev.caravel.billing.jdbc.Rows.INVOICE_FROM;
import static dev.caravel.billing.jdbc.Rows.ITEM_COLUMNS;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The Repository's reads of tenants, ledgers, invoices and items. They run outside any transaction
 * ({@link Transactions#read}) and lock nothing; each statement sees one snapshot.
 */
final class LedgerReads {
  private final Transactions transactions;

  LedgerReads(Transactions transactions) {
    this.transactions = transactions;
  }

  Optional<Tenant> findTenant(String pubkey) {
    return transactions.read(
        "reading tenant",
        (c, d) -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT sealed_nwc_uri, stripe_customer_id FROM billing_tenant WHERE pubkey = ?")) {
            ps.setString(1, pubkey);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(Rows.tenant(rs, pubkey)) : Optional.<Tenant>empty();
            }
          }
        });
  }

  List<String> tenantPage(String after, int limit) {
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    return transactions.read(
        "listing tenants",
        (c, d) -> {
          String sql =
              after == null
                  ? "SELECT pubkey FROM billing_tenant ORDER BY pubkey LIMIT ?"
                  : "SELECT pubkey FROM billing_tenant WHERE pubkey > ? ORDER BY pubkey LIMIT ?";
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (after != null) {
              ps.setString(i++, after);
            }
            ps.setInt(i, limit);
            return Rows.firstColumn(ps);
          }
        });
  }

  List<TenantLedger> ledgers(List<String> tenants) {
    Objects.requireNonNull(tenants, "tenants");
    if (tenants.isEmpty()) {
      return List.of();
    }
    Map<String, TenantLedger> found =
        transactions.read(
            "reading ledgers",
            (c, d) -> {
              Map<String, TenantLedger> out = new HashMap<>();
              // One statement per chunk reads each tenant and its whole log from one snapshot.
              String sql =
                  "SELECT t.pubkey, t.anchor, t.renewed_through, a.id, a.type, a.relay, a.plan, a.at, a.billed "
                      + "FROM billing_tenant t LEFT JOIN billing_activity a ON a.tenant = t.pubkey "
                      + "WHERE t.pubkey = ANY (?) ORDER BY t.pubkey, a.at, a.seq";
              for (List<String> chunk : Dialect.chunks(new ArrayList<>(new TreeSet<>(tenants)))) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                  ps.setArray(1, d.textArray(c, chunk));
                  try (ResultSet rs = ps.executeQuery()) {
                    Rows.ledgers(rs, out);
                  }
                }
              }
              return out;
            });
    List<TenantLedger> ordered = new ArrayList<>();
    for (String tenant : tenants) {
      TenantLedger ledger = found.get(tenant);
      if (ledger != null) {
        ordered.add(ledger);
      }
    }
    return ordered;
  }

  Optional<Invoice> findInvoice(String invoiceId) {
    return transactions.read(
        "reading invoice",
        (c, d) -> {
          List<Invoice> found =
              queryInvoices(
                  c, "SELECT " + INVOICE_COLUMNS + INVOICE_FROM + " WHERE i.id = ?", invoiceId);
          return found.isEmpty() ? Optional.<Invoice>empty() : Optional.of(found.get(0));
        });
  }

  List<Invoice> invoices(String tenant) {
    return transactions.read(
        "reading invoices",
        (c, d) ->
            queryInvoices(
                c,
                "SELECT " + INVOICE_COLUMNS + INVOICE_FROM + " WHERE i.tenant = ? ORDER BY i.seq",
                tenant));
  }

  List<InvoiceItem> items(String tenant) {
    return transactions.read(
        "reading items",
        (c, d) ->
            queryItems(
                c,
                "SELECT " + ITEM_COLUMNS + " FROM billing_item WHERE tenant = ? ORDER BY at, seq",
                tenant));
  }

  List<InvoiceItem> invoiceItems(String invoiceId) {
    return transactions.read(
        "reading invoice items",
        (c, d) ->
            queryItems(
                c,
                "SELECT "
                    + ITEM_COLUMNS
                    + " FROM billing_item WHERE tenant = (SELECT tenant FROM billing_invoice WHERE id = ?) "
                    + "AND invoice_id = ? ORDER BY at, seq",
                invoiceId,
                invoiceId));
  }

  List<InvoiceItem> unclaimedItems(String tenant) {
    return transactions.read(
        "reading unclaimed items",
        (c, d) ->
            queryItems(
                c,
                "SELECT "
                    + ITEM_COLUMNS
                    + " FROM billing_item WHERE tenant = ? AND invoice_id IS NULL ORDER BY at, seq",
                tenant));
  }

  private static List<Invoice> queryInvoices(Connection c, String sql, String key)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, key);
      List<Invoice> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(Rows.invoice(rs));
        }
      }
      return out;
    }
  }

  private static List<InvoiceItem> queryItems(Connection c, String sql, String... keys)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < keys.length; i++) {
        ps.setString(i + 1, keys[i]);
      }
      List<InvoiceItem> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(Rows.item(rs));
        }
      }
      return out;
    }
  }
}
