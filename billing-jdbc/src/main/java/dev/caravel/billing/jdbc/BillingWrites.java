package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.JdbcRepository.lockTenants;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.InvoiceNumbering;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.UnclaimedTotal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * The writes of a poll's page, each under the locks of the tenants it touches (taken in key order,
 * so two batches never deadlock): reconciliations, renewals (S6, with their snapshots, S17) and
 * claims onto invoices with their numbers drawn in the same transaction (S14). A few statements per
 * page, whatever its number of tenants, activities or items.
 */
final class BillingWrites {
  private final Transactions transactions;

  BillingWrites(Transactions transactions) {
    this.transactions = transactions;
  }

  int recordReconciliations(List<Reconciliation> reconciliations, OptionalLong pricedWith) {
    Objects.requireNonNull(reconciliations, "reconciliations");
    Objects.requireNonNull(pricedWith, "pricedWith");
    if (reconciliations.isEmpty()) {
      return 0;
    }
    return transactions.write(
        "recording reconciliations",
        (c, d) -> {
          if (!CatalogueStatements.stillAt(c, d, pricedWith)) {
            return 0;
          }
          // Under the tenant locks no other write can bill these activities before this one
          // commits.
          lockTenants(
              c, d, distinctTenants(reconciliations.stream().map(Reconciliation::tenant).toList()));
          Map<String, String> ownerOf = new HashMap<>();
          Set<String> billed = new HashSet<>();
          List<String> ids =
              reconciliations.stream().map(Reconciliation::activityId).distinct().toList();
          for (List<String> chunk : Dialect.chunks(ids)) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT id, tenant, billed FROM billing_activity WHERE id = ANY (?)")) {
              ps.setArray(1, d.textArray(c, chunk));
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  ownerOf.put(rs.getString(1), rs.getString(2));
                  if (rs.getBoolean(3)) {
                    billed.add(rs.getString(1));
                  }
                }
              }
            }
          }
          List<String> toMark = new ArrayList<>();
          List<InvoiceItem> items = new ArrayList<>();
          for (Reconciliation r : reconciliations) {
            if (!r.tenant().equals(ownerOf.get(r.activityId()))) {
              throw new InvalidInputException(
                  "no activity " + r.activityId() + " for tenant " + r.tenant());
            }
            if (billed.add(r.activityId())) {
              toMark.add(r.activityId());
              r.item().ifPresent(items::add);
            }
          }
          for (List<String> chunk : Dialect.chunks(toMark)) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "UPDATE billing_activity SET billed = TRUE WHERE id = ANY (?) AND billed = FALSE")) {
              ps.setArray(1, d.textArray(c, chunk));
              if (ps.executeUpdate() != chunk.size()) {
                throw new SQLException("activities changed under the tenant lock", "40001");
              }
            }
          }
          insertItems(c, d, items);
          Map<String, Integer> marked = new HashMap<>();
          for (String id : toMark) {
            marked.merge(ownerOf.get(id), 1, Integer::sum);
          }
          if (!marked.isEmpty()) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "UPDATE billing_tenant SET unbilled_count = unbilled_count - ? WHERE pubkey = ?")) {
              for (Map.Entry<String, Integer> e : marked.entrySet()) {
                ps.setInt(1, e.getValue());
                ps.setString(2, e.getKey());
                ps.addBatch();
              }
              ps.executeBatch();
            }
          }
          if (!items.isEmpty()) {
            DueIndex.markDueKeepingTake(c, d, items.stream().map(InvoiceItem::tenant).toList());
          }
          return toMark.size();
        });
  }

  int applyRenewals(List<Renewal> renewals, OptionalLong pricedWith) {
    Objects.requireNonNull(renewals, "renewals");
    Objects.requireNonNull(pricedWith, "pricedWith");
    if (renewals.isEmpty()) {
      return 0;
    }
    return transactions.write(
        "applying renewals",
        (c, d) -> {
          if (!CatalogueStatements.stillAt(c, d, pricedWith)) {
            return 0;
          }
          // The lock and the marks come from one statement: FOR UPDATE returns the latest committed
          // row.
          // tenant -> {renewed_through, activity_count, unbilled_count}
          Map<String, int[]> marks = new HashMap<>();
          for (List<String> chunk :
              Dialect.chunks(distinctTenants(renewals.stream().map(Renewal::tenant).toList()))) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT pubkey, renewed_through, activity_count, unbilled_count "
                        + "FROM billing_tenant WHERE pubkey = ANY (?) ORDER BY pubkey FOR UPDATE")) {
              ps.setArray(1, d.textArray(c, chunk));
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  marks.put(rs.getString(1), new int[] {rs.getInt(2), rs.getInt(3), rs.getInt(4)});
                }
              }
            }
          }
          Map<String, Integer> before = new HashMap<>();
          Map<String, Renewal> last = new LinkedHashMap<>();
          List<InvoiceItem> items = new ArrayList<>();
          List<BillingEvent> events = new ArrayList<>();
          int applied = 0;
          for (Renewal r : renewals) {
            int[] mark = marks.get(r.tenant());
            if (mark == null || mark[0] != r.period() - 1 || mark[1] != r.logSize()) {
              continue;
            }
            before.putIfAbsent(r.tenant(), mark[0]);
            mark[0] = r.period();
            last.put(r.tenant(), r);
            items.addAll(r.items());
            r.event().ifPresent(events::add); // S20's trial ending and ended
            applied++;
          }
          insertItems(c, d, items);
          if (!events.isEmpty()) {
            EventFeed.append(c, events);
          }
          if (!last.isEmpty()) {
            // The snapshot advances only over a fully billed log (an activity before its point
            // would never be reconciled), to the last renewal applied.
            List<Renewal> snapshots = new ArrayList<>();
            for (Renewal r : last.values()) {
              if (r.snapshot().isPresent() && marks.get(r.tenant())[2] == 0) {
                snapshots.add(r);
              }
            }
            // A tenant given items is due at once (keeping the visit's take), to be claimed.
            Set<String> due = new HashSet<>();
            items.forEach(item -> due.add(item.tenant()));
            d.moveRenewalMarks(c, new ArrayList<>(last.values()), before, snapshots, due);
          }
          return applied;
        });
  }

  /** {@link dev.caravel.billing.spi.Repository#unclaimedTotals}, a statement per chunk. */
  List<UnclaimedTotal> unclaimedTotals(List<String> tenants) {
    Objects.requireNonNull(tenants, "tenants");
    if (tenants.isEmpty()) {
      return List.of();
    }
    return transactions.read(
        "reading unclaimed totals",
        (c, d) -> {
          Map<String, UnclaimedTotal> read = unclaimed(c, d, distinctTenants(tenants));
          List<UnclaimedTotal> out = new ArrayList<>();
          for (String tenant : new LinkedHashSet<>(tenants)) {
            out.add(read.getOrDefault(tenant, UnclaimedTotal.none(tenant)));
          }
          return out;
        });
  }

  /**
   * The unclaimed items of each tenant that has any, summed exactly and counted: the partial index
   * on unclaimed items, never the tenants' claimed history.
   */
  private static Map<String, UnclaimedTotal> unclaimed(
      Connection c, Dialect d, List<String> tenants) throws SQLException {
    Map<String, UnclaimedTotal> out = new HashMap<>();
    for (List<String> chunk : Dialect.chunks(tenants)) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT tenant, SUM(amount), COUNT(*) FROM billing_item "
                  + "WHERE tenant = ANY (?) AND invoice_id IS NULL GROUP BY tenant")) {
        ps.setArray(1, d.textArray(c, chunk));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.put(
                rs.getString(1),
                new UnclaimedTotal(
                    rs.getString(1), rs.getBigDecimal(2).toBigIntegerExact(), rs.getInt(3)));
          }
        }
      }
    }
    return out;
  }

  List<Invoice> claim(List<Claim> claims, InvoiceNumbering numbering) {
    Objects.requireNonNull(claims, "claims");
    Objects.requireNonNull(numbering, "numbering");
    if (claims.isEmpty()) {
      return List.of();
    }
    return transactions.write(
        "claiming items",
        (c, d) -> {
          List<String> tenants = distinctTenants(claims.stream().map(Claim::tenant).toList());
          // Under the tenant locks no item is added or claimed for them until this one commits.
          Set<String> known = lockTenants(c, d, tenants);
          Map<String, UnclaimedTotal> unclaimed = unclaimed(c, d, tenants);
          // A discount was decided from the tenant's latest redemption as read (S21).
          Set<String> redemptionMoved = CouponStatements.redemptionMoved(c, d, claims);
          // The engine decided from what it read: a claim whose items moved since records nothing.
          List<Claim> matching = new ArrayList<>();
          List<String> moved = new ArrayList<>();
          Set<String> seen = new HashSet<>();
          for (Claim claim : claims) {
            if (!known.contains(claim.tenant()) || !seen.add(claim.tenant())) {
              continue;
            }
            UnclaimedTotal now =
                unclaimed.getOrDefault(claim.tenant(), UnclaimedTotal.none(claim.tenant()));
            if (now.equals(claim.read()) && !redemptionMoved.contains(claim.tenant())) {
              matching.add(claim);
            } else {
              moved.add(claim.tenant());
            }
          }
          DueIndex.afterClaim(c, d, matching);
          if (!moved.isEmpty()) {
            DueIndex.markDueKeepingTake(c, d, moved);
          }
          // Numbers are drawn only for the invoices made, in claim order (Repository#claim).
          List<Claim> making = matching.stream().filter(Claim::invoice).toList();
          if (making.isEmpty()) {
            return List.<Invoice>of();
          }
          // Under the counter row's lock until commit: claims on every instance take turns here,
          // and a rollback gives the numbers back, so they are gapless (see Counters).
          long first = Counters.draw(c, Counters.INVOICE_NUMBER, making.size()) - making.size() + 1;
          List<Invoice> created = new ArrayList<>();
          List<Long> numbers = new ArrayList<>();
          Set<String> drawn = new HashSet<>();
          int items = 0;
          for (int k = 0; k < making.size(); k++) {
            Claim claim = making.get(k);
            numbers.add(first + k);
            String invoiceId = numbering.id(first + k, claim);
            if (invoiceId == null || invoiceId.isBlank() || !drawn.add(invoiceId)) {
              throw new InvalidInputException(
                  "invoice id " + invoiceId + " is blank or given twice");
            }
            items += claim.read().count();
            created.add(
                new Invoice(
                    invoiceId,
                    claim.tenant(),
                    claim.periodStart(),
                    claim.periodEnd(),
                    claim.total(),
                    claim.currency(),
                    claim.createdAt(),
                    Optional.empty(),
                    claim.closure(), // S25: closed as carried, if the engine decided so
                    claim.tax()));
          }
          for (List<String> chunk : Dialect.chunks(List.copyOf(drawn))) {
            try (PreparedStatement ps =
                c.prepareStatement("SELECT id FROM billing_invoice WHERE id = ANY (?)")) {
              ps.setArray(1, d.textArray(c, chunk));
              List<String> taken = Rows.firstColumn(ps);
              if (!taken.isEmpty()) {
                throw new InvalidInputException("invoice id " + taken.get(0) + " is taken");
              }
            }
          }
          d.insertInvoicesClaimingItems(c, created, numbers, items);
          recordTaxLines(c, created);
          EventFeed.append(c, CarriedClaims.record(c, making, created));
          return List.copyOf(CouponStatements.recordDiscounts(c, making, created));
        });
  }

  /**
   * Each taxed invoice's tax line (S24), as the engine computed it, on the row just inserted:
   * shared SQL for both dialects, and no statement at all while no tenant is taxed.
   */
  private static void recordTaxLines(Connection c, List<Invoice> created) throws SQLException {
    List<Invoice> taxed = created.stream().filter(i -> i.tax().isPresent()).toList();
    if (taxed.isEmpty()) {
      return;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE billing_invoice SET tax_amount = ?, tax_bps = ?, tax_label = ?, tax_mode = ? "
                + "WHERE id = ?")) {
      for (Invoice invoice : taxed) {
        ps.setLong(1, invoice.tax().get().amount());
        Rows.setTax(ps, 2, invoice.tax().map(Invoice.Tax::setting));
        ps.setString(5, invoice.id());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static void insertItems(Connection c, Dialect d, List<InvoiceItem> items)
      throws SQLException {
    if (!items.isEmpty()) {
      d.insertItems(c, items);
    }
  }

  private static List<String> distinctTenants(List<String> tenants) {
    return new ArrayList<>(new TreeSet<>(tenants));
  }
}
