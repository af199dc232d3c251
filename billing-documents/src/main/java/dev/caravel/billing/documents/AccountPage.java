package dev.caravel.billing.documents;

import dev.caravel.billing.Invoice;
import dev.caravel.billing.documents.AccountView.Action;
import java.util.Map;
import java.util.Objects;

/**
 * Renders a tenant's own page (issue 24) from an {@link AccountView}: its standing, what the next
 * invoice starts from, its invoices with their links, the payment methods on file and a form per
 * action the host offers.
 *
 * <p>Plain on purpose: one inline stylesheet, no script and no external resource (its
 * Content-Security-Policy forbids both), readable at 320 px wide. Where its forms may post is the
 * serving host's header's to say ({@code form-action}): a card form lands on the card processor's
 * page through a redirect, which a {@code form-action 'self'} here would block; every control has a
 * label and is reached by keyboard in reading order; every form is a POST that repeats the view's
 * hidden fields (the link's token and the CSRF token). Texts are written for the tenant: no rail
 * detail ever reaches them. Seller, money and dates are the {@link InvoiceRenderer}'s, so both
 * pages agree.
 */
public final class AccountPage {
  private final InvoiceRenderer renderer;

  private AccountPage(InvoiceRenderer renderer) {
    this.renderer = renderer;
  }

  /** A page that shows seller, money, dates and invoice links as {@code renderer} does. */
  public static AccountPage of(InvoiceRenderer renderer) {
    return new AccountPage(Objects.requireNonNull(renderer, "renderer"));
  }

  /** The page as one self-contained HTML document (UTF-8). */
  public String html(AccountView view) {
    Objects.requireNonNull(view, "view");
    String seller = Html.escape(renderer.sellerName());
    StringBuilder h = new StringBuilder(8_192);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
                + " style-src 'unsafe-inline'; img-src data:\">\n")
        .append("<title>Your account · ")
        .append(seller)
        .append("</title>\n<style>")
        .append(CSS)
        .append("</style>\n</head>\n<body>\n<main class=\"account\" id=\"account\">\n")
        .append("<header><h1>Your account</h1><p class=\"seller\">")
        .append(seller)
        .append("</p></header>\n<p class=\"mono tenant\" id=\"tenant\">")
        .append(Html.escape(view.tenant()))
        .append("</p>\n");
    standing(h, view);
    nextCharge(h, view);
    methods(h, view);
    invoices(h, view);
    h.append("<footer>").append(seller).append("</footer>\n</main>\n</body>\n</html>\n");
    return h.toString();
  }

  private static void standing(StringBuilder h, AccountView view) {
    String text =
        switch (view.standing()) {
          case GOOD -> "Your account is in good standing.";
          case PAST_DUE -> "A payment is overdue. Pay the invoice marked due below.";
          case SUSPENDED ->
              "Your relays are suspended until the invoices marked due below are paid.";
        };
    h.append("<section aria-labelledby=\"standing-title\"><h2 id=\"standing-title\">Status</h2>")
        .append("<p id=\"standing\" class=\"standing ")
        .append(view.standing().name().toLowerCase(java.util.Locale.ROOT))
        .append("\">")
        .append(text)
        .append("</p></section>\n");
  }

  private void nextCharge(StringBuilder h, AccountView view) {
    MoneyFormat money = renderer.moneyFormat(view.currency());
    long next = view.nextCharge();
    String text =
        next > 0
            ? "Your next invoice starts from " + money.format(next) + "."
            : next < 0
                ? "A credit of " + money.format(-next) + " goes to your next invoice."
                : "Nothing is waiting for your next invoice yet.";
    // What the next period's start will bill, if nothing changes before (S23).
    text +=
        view.upcoming()
            .map(
                up ->
                    " On "
                        + renderer.date(up.at())
                        + ", when your next period starts, it comes to "
                        + renderer.moneyFormat(up.currency()).format(up.total())
                        + ".")
            .orElse("");
    h.append("<section aria-labelledby=\"next-title\"><h2 id=\"next-title\">Next invoice</h2>")
        .append("<p id=\"next-charge\">")
        .append(Html.escape(text))
        .append("</p></section>\n");
  }

  private void methods(StringBuilder h, AccountView view) {
    h.append("<section aria-labelledby=\"methods-title\" id=\"methods\">")
        .append("<h2 id=\"methods-title\">How you pay</h2>\n")
        .append("<h3>Lightning wallet</h3>\n<p id=\"wallet-status\">")
        .append(
            view.walletConnected()
                ? "A wallet is connected: invoices are paid from it first."
                : "No wallet is connected.")
        .append("</p>\n");
    view.walletRequest()
        .ifPresent(
            request -> {
              String uri = Html.escape(request.uri());
              h.append("<figure class=\"request\" id=\"wallet-request\">")
                  .append(Qr.svg(request.uri(), "Scan with your wallet"))
                  .append("<figcaption>Scan this code with your wallet, or ")
                  .append("<a id=\"wallet-request-link\" href=\"")
                  .append(uri)
                  .append("\">open it in your wallet</a>. It asks for up to ")
                  .append(Html.escape(request.budget()))
                  .append(". Once you approve it, reload this page.</figcaption></figure>\n");
            });
    if (view.walletConnected()) {
      form(h, view, Action.DISCONNECT_WALLET, "Disconnect wallet", "");
    } else {
      form(h, view, Action.CONNECT_WALLET, "Connect a wallet", "");
    }
    form(
        h,
        view,
        Action.PASTE_WALLET,
        view.walletConnected() ? "Replace connection" : "Save connection",
        "<label for=\"nwc-uri\">Or paste a connection from your wallet"
            + " (nostr+walletconnect://…)</label>"
            + "<input id=\"nwc-uri\" name=\"nwc_uri\" type=\"text\" required"
            + " autocomplete=\"off\" spellcheck=\"false\">");
    h.append("<h3>Card</h3>\n<p id=\"card-status\">")
        .append(
            view.card().isPresent()
                ? Html.escape(view.card().get()) + " is saved: charged if the wallet cannot pay."
                : "No card is saved.")
        .append("</p>\n");
    form(h, view, Action.SAVE_CARD, view.card().isPresent() ? "Replace card" : "Save a card", "");
    if (view.card().isPresent()) {
      form(h, view, Action.REMOVE_CARD, "Remove card", "");
    }
    h.append("</section>\n");
  }

  /** A form for {@code action}, if the view offers it: its fields, the hidden ones, a button. */
  private static void form(
      StringBuilder h, AccountView view, Action action, String button, String fields) {
    if (!view.actions().contains(action)) {
      return;
    }
    String id = action.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    h.append("<form method=\"post\" id=\"")
        .append(id)
        .append("\" action=\"")
        .append(Html.escape(view.actionBase() + "/" + action.path()))
        .append("\">")
        .append(fields);
    for (Map.Entry<String, String> field : new java.util.TreeMap<>(view.formFields()).entrySet()) {
      h.append("<input type=\"hidden\" name=\"")
          .append(Html.escape(field.getKey()))
          .append("\" value=\"")
          .append(Html.escape(field.getValue()))
          .append("\">");
    }
    h.append("<button type=\"submit\" id=\"")
        .append(id)
        .append("-button\">")
        .append(Html.escape(button))
        .append("</button></form>\n");
  }

  private void invoices(StringBuilder h, AccountView view) {
    h.append("<section aria-labelledby=\"invoices-title\">")
        .append("<h2 id=\"invoices-title\">Invoices</h2>\n");
    if (view.invoices().isEmpty()) {
      h.append("<p id=\"no-invoices\">No invoices yet.</p></section>\n");
      return;
    }
    h.append("<table id=\"invoices\"><thead><tr><th scope=\"col\">Invoice</th>")
        .append("<th scope=\"col\">Period</th><th scope=\"col\">Status</th>")
        .append("<th scope=\"col\" class=\"amount\">Total</th></tr></thead>\n<tbody>\n");
    for (int i = view.invoices().size() - 1; i >= 0; i--) {
      Invoice inv = view.invoices().get(i);
      h.append("<tr class=\"invoice-row\"><td><a href=\"")
          .append(Html.escape(renderer.paymentLink(inv.id())))
          .append("\">")
          .append(Html.escape(inv.id()))
          .append("</a></td><td>")
          .append(renderer.date(inv.periodStart()))
          .append(" – ")
          .append(renderer.date(inv.periodEnd()))
          .append("</td><td class=\"status ")
          .append(inv.status().name().toLowerCase(java.util.Locale.ROOT))
          .append("\">")
          .append(statusLabel(inv.status()))
          .append("</td><td class=\"amount\">")
          .append(Html.escape(renderer.moneyFormat(inv.currency()).format(inv.total())))
          .append("</td></tr>\n");
    }
    h.append("</tbody></table></section>\n");
  }

  static String statusLabel(Invoice.Status status) {
    return switch (status) {
      case OPEN -> "Due";
      case PAID -> "Paid";
      case VOID -> "Cancelled";
      case UNCOLLECTIBLE -> "Closed";
      case CARRIED -> "Carried to the next invoice";
    };
  }

  private static final String CSS =
      String.join(
          "",
          "*{box-sizing:border-box}",
          "body{margin:0;padding:12px;background:#f4f4f5;color:#18181b;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
          ".account{max-width:760px;margin:0 auto;background:#fff;padding:16px;border-radius:8px}",
          "header{display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap;gap:8px}",
          "h1{margin:0;font-size:24px}h2{font-size:19px;margin:24px 0 8px}h3{font-size:16px;margin:16px 0 4px}",
          ".seller{margin:0;font-weight:600}.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;overflow-wrap:anywhere}",
          ".standing.good{color:#15803d}.standing.past_due,.standing.suspended{color:#b45309;font-weight:600}",
          "form{margin:8px 0}label{display:block;margin-bottom:4px}",
          "input[type=text]{width:100%;padding:8px;font:inherit;border:1px solid #a1a1aa;border-radius:4px;margin-bottom:8px}",
          "button{font:inherit;padding:8px 16px;border-radius:4px;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}",
          "button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}",
          "table{width:100%;border-collapse:collapse}th,td{padding:8px 4px;text-align:left;border-bottom:1px solid #e4e4e7;vertical-align:top}",
          ".amount{text-align:right;white-space:nowrap}.status.open{color:#b45309;font-weight:600}.status.paid{color:#15803d}",
          "a{color:#1d4ed8;overflow-wrap:anywhere}.request svg{max-width:100%;height:auto;display:block}",
          "figure{margin:8px 0}footer{margin-top:24px;color:#71717a;font-size:13px}",
          "@media (max-width:480px){th,td{font-size:14px}}");
}
