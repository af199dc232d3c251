package dev.caravel.billing.documents;

import dev.caravel.billing.Invoice;

/**
 * How a document shows an invoice closed as carried (S25): nothing is due on it, no payment link or
 * Lightning request is offered, and its amount is an item of the tenant's next invoice ("Carried
 * from INV-…"). Kept apart so the renderer states the rule once for HTML and text.
 */
final class CarriedNote {
  private CarriedNote() {}

  static final String SENTENCE =
      "Nothing is due on this invoice: it is below the card's minimum charge, so its amount is"
          + " carried to your next invoice.";

  /** The status cell's class and label: paid, carried or due. */
  static String htmlStatus(Invoice inv) {
    return inv.isPaid() ? "paid\">Paid" : inv.isCarried() ? "carried\">Carried" : "due\">Due";
  }

  /** The sentence on lines of at most 64 columns, for the text document. */
  static final java.util.List<String> TEXT_LINES =
      java.util.List.of(
          "Nothing is due on this invoice: it is below the card's minimum",
          "charge, so its amount is carried to your next invoice.");

  /** The text document's status word. */
  static String textStatus(Invoice inv) {
    return inv.isPaid() ? "PAID" : inv.isCarried() ? "CARRIED" : "DUE";
  }

  /** The HTML section in place of the payment one. */
  static String htmlSection() {
    return "<section class=\"payment carried\" id=\"payment\">\n<p id=\"carried\">"
        + Html.escape(SENTENCE)
        + "</p>\n</section>\n";
  }
}
