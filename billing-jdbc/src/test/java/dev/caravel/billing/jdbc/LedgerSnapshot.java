package dev.caravel.billing.jdbc;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.TenantLedger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything a ledger says, read through the {@link Repository} port, in a form two ledgers can be
 * compared by: invoice ids (random per engine) are replaced by the invoice's creation time, which
 * is unique per tenant.
 */
record LedgerSnapshot(Map<String, TenantState> tenants) {

  record TenantState(
      Optional<Instant> anchor,
      int renewedThrough,
      List<String> activityIds,
      Set<String> billed,
      List<ItemRow> items,
      List<InvoiceRow> invoices) {}

  record ItemRow(String id, long amount, Optional<Instant> invoicedAt) {}

  record InvoiceRow(
      Instant createdAt,
      Instant periodStart,
      Instant periodEnd,
      long total,
      Optional<PaymentMethod> paidBy) {}

  static LedgerSnapshot of(Repository repo) {
    Map<String, TenantState> out = new TreeMap<>();
    String after = null;
    while (true) {
      List<String> page = repo.tenantPage(after, 500);
      if (page.isEmpty()) {
        return new LedgerSnapshot(out);
      }
      for (TenantLedger ledger : repo.ledgers(page)) {
        Map<String, Instant> createdAt = new HashMap<>();
        List<InvoiceRow> invoices = new ArrayList<>();
        for (Invoice invoice : repo.invoices(ledger.tenant())) {
          createdAt.put(invoice.id(), invoice.createdAt());
          invoices.add(
              new InvoiceRow(
                  invoice.createdAt(),
                  invoice.periodStart(),
                  invoice.periodEnd(),
                  invoice.total(),
                  invoice.payment().map(p -> p.method())));
        }
        invoices.sort(Comparator.comparing(InvoiceRow::createdAt));
        List<ItemRow> items = new ArrayList<>();
        for (InvoiceItem item : repo.items(ledger.tenant())) {
          items.add(new ItemRow(item.id(), item.amount(), item.invoiceId().map(createdAt::get)));
        }
        items.sort(Comparator.comparing(ItemRow::id));
        out.put(
            ledger.tenant(),
            new TenantState(
                ledger.anchor(),
                ledger.renewedThrough(),
                ledger.activities().stream().map(Activity::id).toList(),
                ledger.billedActivityIds(),
                items,
                invoices));
      }
      after = page.get(page.size() - 1);
    }
  }

  /** The first tenant whose state differs, for a readable failure; empty when equal. */
  Optional<String> firstDifference(LedgerSnapshot expected) {
    if (!tenants.keySet().equals(expected.tenants.keySet())) {
      return Optional.of(
          "tenants differ: " + tenants.size() + " vs expected " + expected.tenants.size());
    }
    for (String tenant : tenants.keySet()) {
      TenantState mine = tenants.get(tenant);
      TenantState theirs = expected.tenants.get(tenant);
      if (!mine.equals(theirs)) {
        return Optional.of(
            "tenant " + tenant + "\n  got:      " + mine + "\n  expected: " + theirs);
      }
    }
    return Optional.empty();
  }

  long itemCount() {
    return tenants.values().stream().mapToLong(t -> t.items().size()).sum();
  }

  long invoiceCount() {
    return tenants.values().stream().mapToLong(t -> t.invoices().size()).sum();
  }

  long invoicedTotal() {
    return tenants.values().stream()
        .flatMap(t -> t.invoices().stream())
        .mapToLong(InvoiceRow::total)
        .sum();
  }
}
