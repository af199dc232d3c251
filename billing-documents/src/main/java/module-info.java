/**
 * Invoice documents for Caravel Billing: {@link dev.caravel.billing.documents.InvoiceRenderer}
 * renders a self-contained HTML invoice (with the BOLT11 as a QR code while unpaid), its
 * plain-text twin and a short receipt message; {@link dev.caravel.billing.documents.MoneyFormat}
 * formats minor units by the currency's own exponent and symbol.
 */
module dev.caravel.billing.documents {
  // billing-core has no module descriptor yet, so it is an automatic module named after its jar
  // (billing-core-<version>.jar). When core gets its module-info, this is the line to change.
  requires transitive billing.core;
  requires com.google.zxing;

  exports dev.caravel.billing.documents;
}
