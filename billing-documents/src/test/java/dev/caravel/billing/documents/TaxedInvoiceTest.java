package dev.caravel.billing.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.TaxSetting;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * S24 on the documents: a taxed invoice shows its net, its tax under the tenant's label and rate,
 * and its total, the amount due; an untaxed one shows neither net nor tax.
 */
class TaxedInvoiceTest {
  /** The fixture's invoice (items summing to $15.00) taxed by {@code setting}. */
  private static InvoiceDocument taxed(TaxSetting setting) {
    Invoice.Tax tax = setting.on(Fixtures.total());
    Invoice invoice =
        new Invoice(
            Fixtures.INVOICE_ID,
            Fixtures.TENANT,
            Fixtures.PERIOD_START,
            Fixtures.PERIOD_END,
            Fixtures.total() + tax.added(),
            "usd",
            Fixtures.CREATED,
            Optional.empty(),
            Optional.empty(),
            Optional.of(tax));
    return InvoiceDocument.of(invoice, Fixtures.items());
  }

  @Test
  void exclusiveTaxShowsTheNetTheTaxUnderItsLabelAndTheTotalDue() {
    InvoiceDocument doc = taxed(new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE));
    String html = Fixtures.renderer().html(doc);
    assertThat(html)
        .contains("<tr class=\"tax\"><th colspan=\"2\">Net</th><td class=\"amount\">$15.00</td>")
        .contains(
            "<tr class=\"tax\"><th colspan=\"2\">VAT (20%)</th><td class=\"amount\">$3.00</td>")
        .contains("<td class=\"amount\" id=\"total\">$18.00</td>")
        .contains("<strong id=\"amount-due\">$18.00</strong>");
    assertThat(html.indexOf("VAT (20%)")).isLessThan(html.indexOf("id=\"total\""));
    String text = Fixtures.renderer().text(doc);
    assertThat(text.lines().map(TaxedInvoiceTest::folded))
        .containsSubsequence("Net $15.00", "VAT (20%) $3.00", "Total $18.00")
        .contains("Amount due: $18.00");
  }

  @Test
  void inclusiveTaxIsStatedAsIncludedAndTheTotalIsTheNet() {
    InvoiceDocument doc = taxed(new TaxSetting(825, "Sales tax", TaxSetting.Mode.INCLUSIVE));
    String html = Fixtures.renderer().html(doc);
    // 1500 × 825 / 10825 = 114.3...
    assertThat(html)
        .contains(
            "<th colspan=\"2\">Sales tax (8.25%) included</th><td class=\"amount\">$1.14</td>")
        .contains("<td class=\"amount\" id=\"total\">$15.00</td>");
    assertThat(Fixtures.renderer().text(doc).lines().map(TaxedInvoiceTest::folded))
        .containsSubsequence("Net $15.00", "Sales tax (8.25%) included $1.14", "Total $15.00");
  }

  @Test
  void anUntaxedInvoiceShowsNoNetAndNoTax() {
    String html = Fixtures.renderer().html(Fixtures.due());
    assertThat(html).doesNotContain("class=\"tax\"").doesNotContain(">Net<");
    assertThat(Fixtures.renderer().text(Fixtures.due())).doesNotContain("Net");
  }

  @Test
  void itemsMustSumToTheNetNotToTheTotalWithTax() {
    Invoice.Tax tax = new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE).on(1500);
    Invoice claimsTheTaxAsItems =
        new Invoice(
            Fixtures.INVOICE_ID,
            Fixtures.TENANT,
            Fixtures.PERIOD_START,
            Fixtures.PERIOD_END,
            Fixtures.total(),
            "usd",
            Fixtures.CREATED,
            Optional.empty(),
            Optional.empty(),
            Optional.of(tax));
    assertThatThrownBy(() -> InvoiceDocument.of(claimsTheTaxAsItems, Fixtures.items()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not to its net 1200");
  }

  /** A text line with its padding folded to single spaces. */
  private static String folded(String line) {
    return line.strip().replaceAll("\\s+", " ");
  }

  @Test
  void ratesReadAsPercentagesWithoutTrailingZeros() {
    assertThat(TaxRows.percent(2_000)).isEqualTo("20%");
    assertThat(TaxRows.percent(825)).isEqualTo("8.25%");
    assertThat(TaxRows.percent(1_950)).isEqualTo("19.5%");
    assertThat(TaxRows.percent(5)).isEqualTo("0.05%");
    assertThat(TaxRows.percent(0)).isEqualTo("0%");
  }
}
