package dev.caravel.billing.memory;

import dev.caravel.billing.Invoice;
import dev.caravel.billing.spi.CollectionHold;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An invoice and its collection state as {@link InMemoryRepository} keeps them; read and written
 * only under the one lock.
 */
final class InvoiceRow {
  Invoice invoice;
  final List<String> itemIds = new ArrayList<>();
  int rounds;
  boolean roundOpen;
  Instant firstAttemptAt;
  Instant nextAttemptAt;
  String leaseToken;
  Instant leaseUntil;
  CollectionHold hold;

  InvoiceRow(Invoice invoice) {
    this.invoice = invoice;
  }

  boolean leasedAt(Instant now) {
    return leaseToken != null && leaseUntil.isAfter(now);
  }

  boolean dueAt(Instant now) {
    return invoice.isOpen()
        && nextAttemptAt != null
        && !nextAttemptAt.isAfter(now)
        && !leasedAt(now);
  }
}
