package dev.caravel.billing.documents;

import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PaymentMethod;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Renders an {@link InvoiceDocument} as a self-contained HTML page, as plain text, and, once the
 * invoice is paid, as a short receipt message for the host's {@code Messenger}.
 *
 * <p>The HTML page needs nothing from the network: its CSS is inline, the QR code is an inline SVG,
 * and its Content-Security-Policy forbids scripts and every fetch. Both versions show the invoice
 * id, the period, every item with its date and description (credits marked as such), the charges,
 * credits, the net and the tax under its label when the invoice was taxed (S24), and the total,
 * whether it is paid (when, how) or due, the payment link {@code {appUrl}/account?invoice={id}},
 * and, while it is unpaid and the request is still payable, the BOLT11 (as a QR code in the HTML).
 * Every piece of ledger text is escaped in the HTML and folded to one line in the text, so a
 * description cannot inject markup or forge a line.
 *
 * <p>Labels are English; the locale gives the currency symbol and number separators (see {@link
 * MoneyFormat}), the zone the dates. Instances are immutable and thread-safe.
 */
public final class InvoiceRenderer {
  /** Width of the plain-text invoice, in columns. */
  static final int TEXT_WIDTH = 72;

  private final String sellerName;
  private final Function<String, String> links;
  private final Locale locale;
  private final ZoneId zone;
  private final Clock clock;
  private final Map<String, MoneyFormat> formats;
  private final DateTimeFormatter date;
  private final DateTimeFormatter dateTime;

  private InvoiceRenderer(Builder b) {
    this.sellerName = b.sellerName;
    this.links = b.links;
    this.locale = b.locale;
    this.zone = b.zone;
    this.clock = b.clock;
    this.formats = Map.copyOf(b.formats);
    this.date = DateTimeFormatter.ofPattern("uuuu-MM-dd", Locale.ROOT).withZone(zone);
    String zoneName = zone.normalized().equals(ZoneOffset.UTC) ? "UTC" : zone.getId();
    this.dateTime =
        DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm '" + zoneName + "'", Locale.ROOT)
            .withZone(zone);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The invoice's page: the engine's capability link ({@link Builder#paymentLinks}), or, built from
   * {@link Builder#appUrl} alone, {@code {appUrl}/account?invoice={id}} with the id URL-encoded
   * (which a page opens only while the engine accepts untokenized links).
   */
  public String paymentLink(String invoiceId) {
    Objects.requireNonNull(invoiceId, "invoiceId");
    return links.apply(invoiceId);
  }

  /** The seller's name, as the documents show it. */
  String sellerName() {
    return sellerName;
  }

  /** Dates as the documents print them, {@code uuuu-MM-dd} in the renderer's zone. */
  String date(Instant at) {
    return date.format(at);
  }

  /** The money format this renderer uses for {@code currency}. */
  public MoneyFormat moneyFormat(String currency) {
    MoneyFormat custom = formats.get(currency.toUpperCase(Locale.ROOT));
    return custom != null ? custom : MoneyFormat.of(currency, locale);
  }

  // ---------------------------------------------------------------- HTML

  /** The document as one self-contained HTML page (UTF-8). */
  public String html(InvoiceDocument doc) {
    Invoice inv = doc.invoice();
    MoneyFormat money = moneyFormat(inv.currency());
    String id = Html.escape(inv.id());
    String seller = Html.escape(sellerName);
    String link = Html.escape(paymentLink(inv.id()));
    StringBuilder h = new StringBuilder(16_384);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n")
        .append("<title>Invoice ")
        .append(id)
        .append(" · ")
        .append(seller)
        .append("</title>\n")
        .append("<style>")
        .append(InvoiceStyle.CSS)
        .append("</style>\n</head>\n<body>\n")
        .append("<main class=\"invoice\" id=\"invoice\">\n")
        .append("<header><h1>Invoice <span id=\"invoice-id\">")
        .append(id)
        .append("</span></h1>")
        .append("<p class=\"seller\" id=\"seller\">")
        .append(seller)
        .append("</p></header>\n")
        .append("<dl class=\"meta\">\n")
        .append("<dt>Invoice</dt><dd>")
        .append(id)
        .append("</dd>\n")
        .append("<dt>Billed to</dt><dd class=\"mono\">")
        .append(Html.escape(inv.tenant()))
        .append("</dd>\n")
        .append("<dt>Period</dt><dd id=\"period\">")
        .append(period(inv))
        .append("</dd>\n")
        .append("<dt>Issued</dt><dd>")
        .append(date.format(inv.createdAt()))
        .append("</dd>\n")
        .append("<dt>Status</dt><dd id=\"status\" class=\"status ")
        .append(CarriedNote.htmlStatus(inv))
        .append("</dd>\n</dl>\n");

    h.append("<table class=\"items\" id=\"items\">\n<thead><tr><th>Date</th><th>Description</th>")
        .append("<th class=\"amount\">Amount</th></tr></thead>\n<tbody>\n");
    for (InvoiceItem item : doc.items()) {
      boolean credit = item.amount() < 0;
      h.append("<tr class=\"item")
          .append(credit ? " credit" : "")
          .append("\">")
          .append("<td class=\"date\">")
          .append(date.format(item.at()))
          .append("</td>")
          .append("<td><bdi class=\"description\">")
          .append(Html.escape(item.description()))
          .append("</bdi>")
          .append(credit ? " <span class=\"tag\">Credit</span>" : "")
          .append("<div class=\"detail\">Relay <bdi>")
          .append(Html.escape(item.relay()))
          .append("</bdi> · plan <bdi>")
          .append(Html.escape(item.plan()))
          .append("</bdi></div></td>")
          .append("<td class=\"amount\">")
          .append(Html.escape(money.format(item.amount())))
          .append("</td></tr>\n");
    }
    h.append("</tbody>\n<tfoot>\n")
        .append("<tr><th colspan=\"2\">Charges</th><td class=\"amount\">")
        .append(Html.escape(money.format(doc.charges())))
        .append("</td></tr>\n");
    if (doc.credits() != 0) {
      h.append("<tr class=\"credit\"><th colspan=\"2\">Credits</th><td class=\"amount\">")
          .append(Html.escape(money.format(doc.credits())))
          .append("</td></tr>\n");
    }
    for (TaxRows.Row row : TaxRows.of(inv)) {
      h.append("<tr class=\"tax\"><th colspan=\"2\">")
          .append(Html.escape(row.label()))
          .append("</th><td class=\"amount\">")
          .append(Html.escape(money.format(row.amount())))
          .append("</td></tr>\n");
    }
    h.append("<tr class=\"total\"><th colspan=\"2\">Total</th><td class=\"amount\" id=\"total\">")
        .append(Html.escape(money.format(inv.total())))
        .append("</td></tr>\n</tfoot>\n</table>\n");

    if (inv.isPaid()) {
      Payment p = inv.payment().orElseThrow();
      h.append("<section class=\"payment paid\" id=\"payment\">\n<p>Paid <strong>")
          .append(Html.escape(money.format(inv.total())))
          .append("</strong> on ")
          .append(dateTime.format(p.paidAt()))
          .append(" by ")
          .append(Html.escape(methodLabel(p.method())))
          .append(".</p>\n<p class=\"detail\">Reference <span class=\"mono\">")
          .append(Html.escape(p.reference()))
          .append("</span></p>\n<p>View it in your account: <a id=\"payment-link\" href=\"")
          .append(link)
          .append("\">")
          .append(link)
          .append("</a></p>\n</section>\n");
    } else if (inv.isCarried()) {
      h.append(CarriedNote.htmlSection());
    } else {
      h.append(
              "<section class=\"payment due\" id=\"payment\">\n<p>Amount due: <strong id=\"amount-due\">")
          .append(Html.escape(money.format(inv.total())))
          .append("</strong></p>\n")
          .append("<p>Pay online: <a id=\"payment-link\" href=\"")
          .append(link)
          .append("\">")
          .append(link)
          .append("</a></p>\n");
      switch (lightning(doc)) {
        case PAYABLE -> {
          Bolt11Request b = doc.bolt11().orElseThrow();
          String bolt11 = Html.escape(b.bolt11());
          h.append("<figure class=\"bolt11\">\n<div id=\"qr\" class=\"qr\">")
              .append(Qr.svg(Qr.content(b.bolt11()), "Lightning invoice QR code"))
              .append(
                  "</div>\n<figcaption>Or pay with a Lightning wallet: scan the code, or copy the request")
              .append(" (expires ")
              .append(dateTime.format(b.expiresAt()))
              .append(").")
              .append("<code id=\"bolt11\">")
              .append(bolt11)
              .append("</code></figcaption>\n</figure>\n");
        }
        case EXPIRED ->
            h.append(
                    "<p class=\"detail\" id=\"lightning-note\">The Lightning request for this invoice")
                .append(" has expired; the payment link gives a new one.</p>\n");
        case SETTLED ->
            h.append(
                    "<p class=\"detail\" id=\"lightning-note\">A Lightning payment for this invoice")
                .append(" has been received and is being recorded.</p>\n");
        case NONE -> {}
      }
      h.append("</section>\n");
    }
    h.append("<footer>").append(seller).append("</footer>\n</main>\n</body>\n</html>\n");
    return h.toString();
  }

  // ---------------------------------------------------------------- text

  /**
   * The same document as plain text, lines ending in {@code \n}, at most {@value #TEXT_WIDTH}
   * columns wide except the tenant's pubkey, the payment link and the BOLT11, each on a line of its
   * own so that it can be copied whole.
   */
  public String text(InvoiceDocument doc) {
    Invoice inv = doc.invoice();
    MoneyFormat money = moneyFormat(inv.currency());
    List<String> out = new ArrayList<>();
    out.add("INVOICE " + Texts.clean(inv.id()));
    out.add(Texts.clean(sellerName));
    out.add("");
    out.add("Invoice:    " + Texts.clean(inv.id()));
    out.add("Billed to:");
    out.add(inv.tenant());
    out.add("Period:     " + period(inv));
    out.add("Issued:     " + date.format(inv.createdAt()));
    out.add("Status:     " + CarriedNote.textStatus(inv));
    out.add("");

    int amountWidth = "Amount".length();
    for (InvoiceItem item : doc.items()) {
      amountWidth = Math.max(amountWidth, Texts.width(money.format(item.amount())));
    }
    for (long a : new long[] {doc.charges(), doc.credits(), inv.total()}) {
      amountWidth = Math.max(amountWidth, Texts.width(money.format(a)));
    }
    List<TaxRows.Row> taxRows = TaxRows.of(inv);
    for (TaxRows.Row row : taxRows) {
      amountWidth = Math.max(amountWidth, Texts.width(money.format(row.amount())));
    }
    int descWidth = TEXT_WIDTH - 10 - 2 - 2 - amountWidth;
    String rule = "-".repeat(10) + "  " + "-".repeat(descWidth) + "  " + "-".repeat(amountWidth);
    out.add(
        Texts.padRight("Date", 12)
            + Texts.padRight("Description", descWidth + 2)
            + Texts.padLeft("Amount", amountWidth));
    out.add(rule);
    String indent = " ".repeat(12);
    for (InvoiceItem item : doc.items()) {
      String label = Texts.clean(item.description()) + (item.amount() < 0 ? " [credit]" : "");
      List<String> lines = Texts.wrap(label, descWidth);
      out.add(
          date.format(item.at())
              + "  "
              + Texts.padRight(lines.get(0), descWidth)
              + "  "
              + Texts.padLeft(money.format(item.amount()), amountWidth));
      for (String more : lines.subList(1, lines.size())) {
        out.add(indent + more);
      }
      for (String detail :
          Texts.wrap("relay " + item.relay() + ", plan " + item.plan(), descWidth)) {
        out.add(indent + detail);
      }
    }
    out.add(rule);
    int labelWidth = TEXT_WIDTH - 2 - amountWidth;
    out.add(
        Texts.padLeft("Charges", labelWidth)
            + "  "
            + Texts.padLeft(money.format(doc.charges()), amountWidth));
    if (doc.credits() != 0) {
      out.add(
          Texts.padLeft("Credits", labelWidth)
              + "  "
              + Texts.padLeft(money.format(doc.credits()), amountWidth));
    }
    for (TaxRows.Row row : taxRows) {
      out.add(
          Texts.padLeft(Texts.clean(row.label()), labelWidth)
              + "  "
              + Texts.padLeft(money.format(row.amount()), amountWidth));
    }
    out.add(
        Texts.padLeft("Total", labelWidth)
            + "  "
            + Texts.padLeft(money.format(inv.total()), amountWidth));
    out.add("");

    if (inv.isPaid()) {
      Payment p = inv.payment().orElseThrow();
      out.add(
          "Paid "
              + money.format(inv.total())
              + " on "
              + dateTime.format(p.paidAt())
              + " by "
              + methodLabel(p.method())
              + ".");
      out.add("Reference: " + Texts.clean(p.reference()));
      out.add("View it in your account:");
      out.add(paymentLink(inv.id()));
    } else if (inv.isCarried()) {
      out.addAll(CarriedNote.TEXT_LINES);
    } else {
      out.add("Amount due: " + money.format(inv.total()));
      out.add("Pay online:");
      out.add(paymentLink(inv.id()));
      switch (lightning(doc)) {
        case PAYABLE -> {
          Bolt11Request b = doc.bolt11().orElseThrow();
          out.add("");
          out.add(
              "Or pay with a Lightning wallet (expires " + dateTime.format(b.expiresAt()) + "):");
          out.add(Texts.clean(b.bolt11()));
        }
        case EXPIRED ->
            out.add(
                "The Lightning request for this invoice has expired; the payment link gives a new one.");
        case SETTLED ->
            out.add(
                "A Lightning payment for this invoice has been received and is being recorded.");
        case NONE -> {}
      }
    }
    return String.join("\n", out) + "\n";
  }

  // ---------------------------------------------------------------- receipt

  /**
   * A short plain receipt for a paid invoice, for the host to send with {@code
   * messenger.send(invoice.tenant(), renderer.receipt(invoice))}: two lines, the second the link to
   * the invoice.
   *
   * @throws IllegalArgumentException if the invoice is not paid
   */
  public String receipt(Invoice invoice) {
    Objects.requireNonNull(invoice, "invoice");
    Payment p =
        invoice
            .payment()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "invoice " + invoice.id() + " is not paid: no receipt"));
    return Texts.clean(sellerName)
        + ": received "
        + moneyFormat(invoice.currency()).format(invoice.total())
        + " for invoice "
        + Texts.clean(invoice.id())
        + " ("
        + period(invoice)
        + "), paid on "
        + date.format(p.paidAt())
        + " by "
        + methodLabel(p.method())
        + ". Thank you!\n"
        + paymentLink(invoice.id());
  }

  // ---------------------------------------------------------------- shared

  private String period(Invoice inv) {
    return date.format(inv.periodStart()) + " to " + date.format(inv.periodEnd());
  }

  /** How the payment is named to the tenant. */
  static String methodLabel(PaymentMethod method) {
    return switch (method) {
      case NWC -> "Lightning (Nostr Wallet Connect)";
      case OOB -> "Lightning";
      case STRIPE -> "card";
      case MANUAL -> "manual payment";
    };
  }

  private enum Lightning {
    NONE,
    PAYABLE,
    EXPIRED,
    SETTLED
  }

  /** Whether an unpaid document shows its BOLT11: only while it can still be paid (S10). */
  private Lightning lightning(InvoiceDocument doc) {
    Optional<Bolt11Request> b = doc.bolt11();
    if (b.isEmpty()) {
      return Lightning.NONE;
    }
    if (b.get().isSettled()) {
      return Lightning.SETTLED;
    }
    return b.get().isUsableAt(Instant.now(clock)) ? Lightning.PAYABLE : Lightning.EXPIRED;
  }

  /**
   * Options for an {@link InvoiceRenderer}; {@link #sellerName} is required, and one of {@link
   * #paymentLinks} (preferred) or {@link #appUrl}.
   */
  public static final class Builder {
    private String sellerName;
    private Function<String, String> links;
    private Locale locale = Locale.US;
    private ZoneId zone = ZoneOffset.UTC;
    private Clock clock = Clock.systemUTC();
    private final Map<String, MoneyFormat> formats = new HashMap<>();

    private Builder() {}

    /**
     * The name the invoice is from.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if blank
     */
    public Builder sellerName(String sellerName) {
      Objects.requireNonNull(sellerName, "sellerName");
      if (sellerName.isBlank()) {
        throw new IllegalArgumentException("sellerName must not be blank");
      }
      this.sellerName = sellerName;
      return this;
    }

    /**
     * The host's base URL, as given to {@code Billing.builder().appUrl}: the payment link is {@code
     * {appUrl}/account?invoice={id}}, without the capability token, which pages open only while the
     * engine accepts untokenized links; prefer {@link #paymentLinks}. A trailing {@code /} is
     * dropped. Replaces {@link #paymentLinks}.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException unless an absolute http or https URL with a host, and no
     *     query or fragment
     */
    public Builder appUrl(String appUrl) {
      Objects.requireNonNull(appUrl, "appUrl");
      URI uri;
      try {
        uri = new URI(appUrl);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("appUrl is not a URL: " + e.getMessage(), e);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
        throw new IllegalArgumentException(
            "appUrl must be an absolute http(s) URL, got \"" + appUrl + "\"");
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw new IllegalArgumentException(
            "appUrl must have no query or fragment, got \"" + appUrl + "\"");
      }
      String base = appUrl.endsWith("/") ? appUrl.substring(0, appUrl.length() - 1) : appUrl;
      this.links = id -> base + "/account?invoice=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
      return this;
    }

    /**
     * Currency symbols and number separators; {@link Locale#US} by default. Labels stay English.
     */
    public Builder locale(Locale locale) {
      this.locale = Objects.requireNonNull(locale, "locale");
      return this;
    }

    /** The zone dates are shown in; UTC by default. */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /** Decides whether a BOLT11 request has expired; the system UTC clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** A format for a currency ISO 4217 does not define, or to override one (by its code). */
    public Builder moneyFormat(MoneyFormat format) {
      Objects.requireNonNull(format, "format");
      formats.put(format.currencyCode(), format);
      return this;
    }

    /**
     * The invoice's link, as the engine makes it: {@code billing::invoiceLink}, the capability link
     * its DMs carry (issue 22), so the document links where the DM does. Replaces {@link #appUrl}.
     *
     * @throws NullPointerException if null
     */
    public Builder paymentLinks(Function<String, String> invoiceLink) {
      this.links = Objects.requireNonNull(invoiceLink, "invoiceLink");
      return this;
    }

    /**
     * @throws IllegalStateException if the seller name or the links (paymentLinks or appUrl) are
     *     missing
     */
    public InvoiceRenderer build() {
      if (sellerName == null) {
        throw new IllegalStateException("sellerName is required");
      }
      if (links == null) {
        throw new IllegalStateException("paymentLinks (or appUrl) is required");
      }
      return new InvoiceRenderer(this);
    }
  }
}
