package dev.caravel.billing.documents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Invoice;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * S25 on the documents: an invoice closed as carried says so and that nothing is due on it, and
 * offers no payment link, amount due or Lightning request.
 */
class CarriedInvoiceDocumentTest {
  private static InvoiceDocument carried() {
    Invoice invoice =
        new Invoice(
            Fixtures.INVOICE_ID,
            Fixtures.TENANT,
            Fixtures.PERIOD_START,
            Fixtures.PERIOD_END,
            Fixtures.total(),
            "usd",
            Fixtures.CREATED,
            Optional.empty(),
            Optional.of(
                new Invoice.Closure(
                    Invoice.Status.CARRIED, "below the card minimum", Fixtures.CREATED)));
    return InvoiceDocument.of(invoice, Fixtures.items());
  }

  @Test
  void aCarriedInvoiceSaysNothingIsDueAndOffersNoWayToPay() {
    String html = Fixtures.renderer().html(carried());
    assertThat(html)
        .contains("<dd id=\"status\" class=\"status carried\">Carried</dd>")
        .contains("carried to your next invoice")
        .doesNotContain("amount-due")
        .doesNotContain("payment-link")
        .doesNotContain("<figure class=\"bolt11\"");
    String text = Fixtures.renderer().text(carried());
    assertThat(text)
        .contains("Status:     CARRIED")
        .contains("carried to your next invoice")
        .doesNotContain("Amount due")
        .doesNotContain("Pay online");
    assertThat(text.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(72));
  }

  @Test
  void theAccountPageListsItAsCarried() {
    assertThat(AccountPage.statusLabel(Invoice.Status.CARRIED))
        .isEqualTo("Carried to the next invoice");
  }
}
