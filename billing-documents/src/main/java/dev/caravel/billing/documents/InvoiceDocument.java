package dev.caravel.billing.documents;

import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.InvoiceItem;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one invoice document shows: the invoice, the items claimed onto it, and, while it is unpaid,
 * the BOLT11 request made for it (S10), if any.
 *
 * <p>It refuses a document whose lines would not add up: the items must be the tenant's, on this
 * invoice (or not yet marked with any), and sum exactly to the invoice's net (its total less any
 * tax it adds, S24); the BOLT11 must be for this invoice. Items are kept oldest first (then by id),
 * so a document reads the same whatever order the repository returned them in.
 *
 * @param invoice the invoice
 * @param items its items: charges (positive) and credits (negative)
 * @param bolt11 the Lightning request for it, shown as a QR code while the invoice is unpaid
 */
public record InvoiceDocument(
    Invoice invoice, List<InvoiceItem> items, Optional<Bolt11Request> bolt11) {

  private static final Comparator<InvoiceItem> ORDER =
      Comparator.comparing(InvoiceItem::at).thenComparing(InvoiceItem::id);

  /**
   * @throws NullPointerException if an argument or an item is null
   * @throws IllegalArgumentException if the items or the BOLT11 do not belong to the invoice, or
   *     the items do not sum to its net
   */
  public InvoiceDocument {
    Objects.requireNonNull(invoice, "invoice");
    Objects.requireNonNull(items, "items");
    Objects.requireNonNull(bolt11, "bolt11");
    items = items.stream().map(i -> Objects.requireNonNull(i, "item")).sorted(ORDER).toList();
    if (items.isEmpty()) {
      throw new IllegalArgumentException("invoice " + invoice.id() + " has no items");
    }
    long sum = 0;
    for (InvoiceItem item : items) {
      if (!item.tenant().equals(invoice.tenant())) {
        throw new IllegalArgumentException("item " + item.id() + " is another tenant's");
      }
      if (item.invoiceId().isPresent() && !item.invoiceId().get().equals(invoice.id())) {
        throw new IllegalArgumentException(
            "item " + item.id() + " is on invoice " + item.invoiceId().get());
      }
      sum = Math.addExact(sum, item.amount());
    }
    if (sum != invoice.net()) {
      throw new IllegalArgumentException(
          "the items of invoice "
              + invoice.id()
              + " sum to "
              + sum
              + ", not to its net "
              + invoice.net());
    }
    bolt11.ifPresent(
        b -> {
          if (!b.invoiceId().equals(invoice.id())) {
            throw new IllegalArgumentException(
                "the BOLT11 request is for invoice " + b.invoiceId());
          }
        });
  }

  /** A document without a Lightning request (a paid invoice, or one not offered over Lightning). */
  public static InvoiceDocument of(Invoice invoice, List<InvoiceItem> items) {
    return new InvoiceDocument(invoice, items, Optional.empty());
  }

  /** A document offering {@code bolt11} as a QR code while the invoice is unpaid. */
  public static InvoiceDocument of(Invoice invoice, List<InvoiceItem> items, Bolt11Request bolt11) {
    return new InvoiceDocument(
        invoice, items, Optional.of(Objects.requireNonNull(bolt11, "bolt11")));
  }

  /** The sum of the positive items. */
  public long charges() {
    return items.stream()
        .mapToLong(InvoiceItem::amount)
        .filter(a -> a > 0)
        .reduce(0, Math::addExact);
  }

  /** The sum of the negative items (zero or less). */
  public long credits() {
    return items.stream()
        .mapToLong(InvoiceItem::amount)
        .filter(a -> a < 0)
        .reduce(0, Math::addExact);
  }
}
