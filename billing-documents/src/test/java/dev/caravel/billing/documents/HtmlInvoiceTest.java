package dev.caravel.billing.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PaymentMethod;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the HTML and text documents say, and that ledger text cannot inject markup or lines. */
class HtmlInvoiceTest {
  static final String SCRIPT = "<script>window.__pwned = 'script'</script>";
  static final String IMG = "\"><img src=x onerror=\"window.__pwned='img'\">";
  static final String BREAKOUT =
      "</td></tr></table><a href='javascript:alert(1)'>Pay here</a> & more";
  static final String FORGED_LINE = "Refund\nTotal  $0.00\r\nStatus:     PAID";
  static final String BIDI = "Relay \u202Egnissecorp\u202C fee";

  static List<InvoiceItem> hostileItems() {
    return List.of(
        Fixtures.activityItem(
            "evt-1", "relay-<b>1</b>", "basic", 500, SCRIPT, "2025-01-31T10:00:00Z"),
        Fixtures.activityItem("evt-2", "relay-2", "pro\"'", 1500, IMG, "2025-02-03T08:30:00Z"),
        Fixtures.activityItem("evt-3", "relay-2", "pro", -1000, BREAKOUT, "2025-02-10T17:45:00Z"),
        Fixtures.activityItem(
            "evt-4", "relay-3", "basic", 200, FORGED_LINE, "2025-02-11T00:00:00Z"),
        Fixtures.activityItem("evt-5", "relay-3", "basic", 300, BIDI, "2025-02-12T00:00:00Z"));
  }

  static InvoiceDocument hostileDocument() {
    Invoice invoice =
        new Invoice(
            Fixtures.INVOICE_ID,
            Fixtures.TENANT,
            Fixtures.PERIOD_START,
            Fixtures.PERIOD_END,
            1500,
            "usd",
            Fixtures.CREATED,
            Optional.empty());
    return InvoiceDocument.of(invoice, hostileItems(), Fixtures.bolt11());
  }

  static InvoiceRenderer hostileSeller() {
    return InvoiceRenderer.builder()
        .sellerName("Evil <script>alert('seller')</script> & Co")
        .appUrl("https://relays.example")
        .clock(Fixtures.CLOCK)
        .build();
  }

  @Test
  void hostileTextIsEscapedEverywhere() {
    String html = hostileSeller().html(hostileDocument());
    // the only markup is the renderer's own: no script, no injected element or attribute
    assertThat(html)
        .doesNotContainIgnoringCase("<script")
        .doesNotContain("<img")
        .doesNotContain("<b>")
        .doesNotContain("onerror=\"")
        .doesNotContain("href='javascript")
        .doesNotContain("</td></tr></table><a");
    assertThat(html)
        .contains("&lt;script&gt;window.__pwned = &#39;script&#39;&lt;/script&gt;")
        .contains("&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=&#39;img&#39;&quot;&gt;")
        .contains(
            "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;a href=&#39;javascript:alert(1)&#39;&gt;Pay here&lt;/a&gt; &amp; more")
        .contains("Relay <bdi>relay-&lt;b&gt;1&lt;/b&gt;</bdi>")
        .contains("plan <bdi>pro&quot;&#39;</bdi>")
        .contains("Evil &lt;script&gt;alert(&#39;seller&#39;)&lt;/script&gt; &amp; Co")
        .contains("Relay gnissecorp fee"); // the bidi override is gone
    assertThat(html).doesNotContain("\u202E");
    // every '<' in the page opens one of the renderer's own tags
    assertThat(List.of(html.split("<", -1)).subList(1, html.split("<", -1).length))
        .allSatisfy(tag -> assertThat(tag).matches("(?s)^(/?[a-z0-9]+[ >/]|!DOCTYPE ).*"));
  }

  @Test
  void aHostileInvoiceIdIsEscapedAndEncodedInTheLink() {
    Invoice invoice =
        new Invoice(
            "inv\"><script>x</script>&a=1",
            Fixtures.TENANT,
            Fixtures.PERIOD_START,
            Fixtures.PERIOD_END,
            500,
            "usd",
            Fixtures.CREATED,
            Optional.empty());
    InvoiceItem item =
        new InvoiceItem(
            "act:e",
            Fixtures.TENANT,
            "r",
            "basic",
            500,
            "New relay created",
            Fixtures.PERIOD_START,
            Optional.of("e"),
            java.util.OptionalInt.empty(),
            Optional.empty());
    String html = Fixtures.renderer().html(InvoiceDocument.of(invoice, List.of(item)));
    assertThat(html)
        .doesNotContain("<script>")
        .contains(
            "href=\"https://relays.example/account?invoice=inv%22%3E%3Cscript%3Ex%3C%2Fscript%3E%26a%3D1\"");
  }

  @Test
  void theTextInvoiceCannotBeForgedByADescription() {
    String text = Fixtures.renderer().text(hostileDocument());
    assertThat(text.lines().filter(l -> l.strip().startsWith("Total"))).hasSize(1);
    assertThat(text.lines().filter(l -> l.startsWith("Status:")))
        .containsExactly("Status:     DUE");
    assertThat(text)
        .contains("Refund Total $0.00 Status: PAID")
        .doesNotContain("\r")
        .doesNotContain("\u202E");
  }

  @Test
  void anUnpaidInvoiceShowsWhatIsDueTheLinkAndTheQrCode() {
    String html = Fixtures.renderer().html(Fixtures.due());
    assertThat(html)
        .contains("<span id=\"invoice-id\">inv-2025-0001</span>")
        .contains("<dd id=\"period\">2025-01-31 to 2025-02-28</dd>")
        .contains("<dd id=\"status\" class=\"status due\">Due</dd>")
        .contains("<td class=\"amount\" id=\"total\">$15.00</td>")
        .contains("<strong id=\"amount-due\">$15.00</strong>")
        .contains("href=\"https://relays.example/account?invoice=inv-2025-0001\"")
        .contains("<div id=\"qr\" class=\"qr\"><svg")
        .contains("<code id=\"bolt11\">" + Fixtures.BOLT11 + "</code>")
        .contains("expires 2025-02-28 11:00 UTC");
    // the credit is marked as one, with its negative amount, and summed apart
    assertThat(html)
        .contains(
            "<tr class=\"item credit\"><td class=\"date\">2025-02-10</td><td><bdi class=\"description\">"
                + "Relay deactivated (prorated credit)</bdi> <span class=\"tag\">Credit</span>")
        .contains("<td class=\"amount\">-$10.00</td>")
        .contains("<th colspan=\"2\">Charges</th><td class=\"amount\">$25.00</td>")
        .contains("<th colspan=\"2\">Credits</th><td class=\"amount\">-$10.00</td>");
    // self-contained: nothing to fetch, no script
    assertThat(html)
        .contains("Content-Security-Policy\" content=\"default-src 'none'")
        .doesNotContain("<script")
        .doesNotContain("<link")
        .doesNotContain("src=\"http")
        .doesNotContain("url(");
  }

  @Test
  void aPaidInvoiceShowsHowItWasPaidAndNoQrCode() {
    String html =
        Fixtures.renderer()
            .html(InvoiceDocument.of(Fixtures.paidInvoice(), Fixtures.items(), Fixtures.bolt11()));
    assertThat(html)
        .contains("<dd id=\"status\" class=\"status paid\">Paid</dd>")
        .contains("Paid <strong>$15.00</strong> on 2025-02-28 10:07 UTC by card.")
        .contains("pi_3QxYz2Example")
        .doesNotContain("id=\"qr\"")
        .doesNotContain(Fixtures.BOLT11)
        .doesNotContain("Amount due");
  }

  @Test
  void anExpiredBolt11IsNotOffered() {
    InvoiceRenderer later =
        InvoiceRenderer.builder()
            .sellerName("Caravel Relays")
            .appUrl("https://relays.example")
            .clock(Clock.fixed(Instant.parse("2025-02-28T11:00:00Z"), ZoneOffset.UTC))
            .build();
    String html = later.html(Fixtures.due());
    assertThat(html)
        .doesNotContain("id=\"qr\"")
        .doesNotContain(Fixtures.BOLT11)
        .contains("has expired");
    assertThat(later.text(Fixtures.due())).doesNotContain(Fixtures.BOLT11).contains("has expired");
  }

  @Test
  void aSettledBolt11IsNotOfferedAgain() {
    var settled = Fixtures.bolt11().settled(Instant.parse("2025-02-28T10:03:00Z"));
    String html =
        Fixtures.renderer()
            .html(
                InvoiceDocument.of(Fixtures.invoice(Optional.empty()), Fixtures.items(), settled));
    assertThat(html).doesNotContain("id=\"qr\"").contains("has been received");
  }

  @Test
  void eachPaymentMethodIsNamed() {
    for (PaymentMethod m : PaymentMethod.values()) {
      Invoice inv = Fixtures.invoice(Optional.of(new Payment(m, "ref", Fixtures.CREATED)));
      assertThat(Fixtures.renderer().text(InvoiceDocument.of(inv, Fixtures.items())))
          .contains(" by " + InvoiceRenderer.methodLabel(m) + ".");
    }
  }

  @Test
  void otherCurrenciesUseTheirOwnExponent() {
    Invoice jpy =
        new Invoice(
            "inv-jpy",
            Fixtures.TENANT,
            Fixtures.PERIOD_START,
            Fixtures.PERIOD_END,
            1200,
            "jpy",
            Fixtures.CREATED,
            Optional.empty());
    InvoiceItem a =
        new InvoiceItem(
            "act:j1",
            Fixtures.TENANT,
            "r",
            "basic",
            1500,
            "New relay created",
            Fixtures.PERIOD_START,
            Optional.of("j1"),
            java.util.OptionalInt.empty(),
            Optional.empty());
    InvoiceItem b =
        new InvoiceItem(
            "act:j2",
            Fixtures.TENANT,
            "r",
            "basic",
            -300,
            "Goodwill credit",
            Fixtures.PERIOD_START.plusSeconds(60),
            Optional.of("j2"),
            java.util.OptionalInt.empty(),
            Optional.empty());
    String text = Fixtures.renderer().text(InvoiceDocument.of(jpy, List.of(a, b)));
    assertThat(text)
        .contains("¥1,500")
        .contains("-¥300")
        .contains("Total  ¥1,200")
        .contains("Goodwill credit [credit]");
  }

  @Test
  void aDocumentWhoseLinesDoNotAddUpIsRefused() {
    Invoice invoice = Fixtures.invoice(Optional.empty());
    assertThatThrownBy(() -> InvoiceDocument.of(invoice, Fixtures.items().subList(0, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sum to 1000, not to its net 1500");
    InvoiceItem elsewhere = Fixtures.items().get(1).onInvoice("inv-other");
    assertThatThrownBy(() -> InvoiceDocument.of(invoice, List.of(elsewhere)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is on invoice inv-other");
    assertThatThrownBy(() -> InvoiceDocument.of(invoice, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theBuilderChecksWhatItIsGiven() {
    assertThatThrownBy(() -> InvoiceRenderer.builder().appUrl("javascript:alert(1)"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InvoiceRenderer.builder().appUrl("https://x.example/?a=b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InvoiceRenderer.builder().sellerName(" "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InvoiceRenderer.builder().sellerName(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> InvoiceRenderer.builder().sellerName("S").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("appUrl");
  }

  @Test
  void theReceiptIsShortAndPlain() {
    String receipt = Fixtures.renderer().receipt(Fixtures.paidInvoice());
    assertThat(receipt)
        .isEqualTo(
            "Caravel Relays: received $15.00 for invoice inv-2025-0001 (2025-01-31 to 2025-02-28),"
                + " paid on 2025-02-28 by card. Thank you!\nhttps://relays.example/account?invoice=inv-2025-0001");
    assertThatThrownBy(() -> Fixtures.renderer().receipt(Fixtures.invoice(Optional.empty())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not paid");
  }
}
