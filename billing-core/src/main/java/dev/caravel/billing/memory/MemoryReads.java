package dev.caravel.billing.memory;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.spi.CollectionState;
import java.util.List;
import java.util.Optional;

/**
 * Reads of invoices and items, collection state, and the durable event feed. Part of {@link
 * InMemoryRepository}: it keeps nothing of its own and takes the one {@link MemoryState#lock}
 * around every read and write.
 */
final class MemoryReads {
  private final MemoryState state;

  MemoryReads(MemoryState state) {
    this.state = state;
  }

  List<BillingEvent> events(long afterId, int limit) {
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    synchronized (state.lock) {
      int from = (int) Math.min(Math.max(afterId, 0), state.events.size());
      return List.copyOf(state.events.subList(from, Math.min(state.events.size(), from + limit)));
    }
  }

  Optional<Invoice> findInvoice(String invoiceId) {
    synchronized (state.lock) {
      InvoiceRow row = state.invoices.get(invoiceId);
      return row == null ? Optional.empty() : Optional.of(row.invoice);
    }
  }

  List<Invoice> invoices(String tenant) {
    synchronized (state.lock) {
      TenantRow row = state.tenants.get(tenant);
      return row == null
          ? List.of()
          : row.invoiceIds.stream().map(id -> state.invoices.get(id).invoice).toList();
    }
  }

  List<InvoiceItem> items(String tenant) {
    synchronized (state.lock) {
      TenantRow row = state.tenants.get(tenant);
      return row == null ? List.of() : oldestFirst(row.itemIds);
    }
  }

  List<InvoiceItem> invoiceItems(String invoiceId) {
    synchronized (state.lock) {
      InvoiceRow row = state.invoices.get(invoiceId);
      return row == null ? List.of() : oldestFirst(row.itemIds);
    }
  }

  /** By time; items of the same instant keep the order they were written in (a stable sort). */
  private List<InvoiceItem> oldestFirst(List<String> ids) {
    return ids.stream()
        .map(state.items::get)
        .sorted(java.util.Comparator.comparing(InvoiceItem::at))
        .toList();
  }

  List<InvoiceItem> unclaimedItems(String tenant) {
    return items(tenant).stream().filter(i -> i.invoiceId().isEmpty()).toList();
  }

  Optional<CollectionState> collectionState(String invoiceId) {
    synchronized (state.lock) {
      InvoiceRow row = state.invoices.get(invoiceId);
      return row == null ? Optional.empty() : Optional.of(MemoryState.stateOf(row));
    }
  }
}
