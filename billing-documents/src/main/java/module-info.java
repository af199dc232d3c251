/**
 * Invoice documents for Caravel Billing: {@link dev.caravel.billing.documents.InvoiceRenderer}
 * renders a self-contained HTML invoice (with the BOLT11 as a QR code while unpaid), its plain-text
 * twin and a short receipt message; {@link dev.caravel.billing.documents.MoneyFormat} formats minor
 * units by the currency's own exponent and symbol.
 */
module dev.caravel.billing.documents {
  requires transitive dev.caravel.billing;
  requires com.google.zxing;

  exports dev.caravel.billing.documents;
}
