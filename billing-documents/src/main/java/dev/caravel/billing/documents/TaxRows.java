package dev.caravel.billing.documents;

import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.TaxSetting;
import java.math.BigDecimal;
import java.util.List;

/**
 * The rows a taxed invoice shows between its credits and its total (S24): the net (the sum of its
 * items), then the tax under the tenant's label and rate, added ("VAT (20%)") or stated as included
 * ("VAT (20%) included"). None for an invoice without tax, whose total is its net.
 */
final class TaxRows {
  private TaxRows() {}

  /** One labelled amount. */
  record Row(String label, long amount) {}

  static List<Row> of(Invoice invoice) {
    if (invoice.tax().isEmpty()) {
      return List.of();
    }
    Invoice.Tax tax = invoice.tax().get();
    TaxSetting setting = tax.setting();
    String label = setting.label() + " (" + percent(setting.rateBps()) + ")";
    if (setting.mode() == TaxSetting.Mode.INCLUSIVE) {
      label += " included";
    }
    return List.of(new Row("Net", invoice.net()), new Row(label, tax.amount()));
  }

  /** Basis points as a percentage without trailing zeros: 2000 is "20%", 825 is "8.25%". */
  static String percent(int rateBps) {
    return BigDecimal.valueOf(rateBps, 2).stripTrailingZeros().toPlainString() + "%";
  }
}
