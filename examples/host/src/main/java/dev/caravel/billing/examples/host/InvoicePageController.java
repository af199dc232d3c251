package dev.caravel.billing.examples.host;

import dev.caravel.billing.Billing;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.RailException;
import dev.caravel.billing.documents.InvoiceDocument;
import dev.caravel.billing.documents.InvoiceRenderer;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The page a payment DM links to, {@code {appUrl}/account?invoice={id}}: billing-documents' invoice
 * (items, total, the BOLT11 as a QR code while unpaid) and, while unpaid, a "Pay by card" form that
 * charges the tenant's card through the engine.
 *
 * <p>The page shows one invoice, found by its id, and only what that invoice holds: its own items
 * and its own tenant. A demo has no login; a real host would check that the signed-in tenant owns
 * the invoice (and add CSRF protection to the form) before either handler runs.
 */
@RestController
class InvoicePageController {
  private static final Logger LOG = LoggerFactory.getLogger(InvoicePageController.class);

  /** The document's own policy, plus: the form may post only back here. */
  static final String CSP =
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self';"
          + " frame-ancestors 'none'; base-uri 'none'";

  private static final MediaType HTML = new MediaType("text", "html", StandardCharsets.UTF_8);

  private final Billing billing;
  private final InvoiceRenderer renderer;

  InvoicePageController(Billing billing, InvoiceRenderer renderer) {
    this.billing = billing;
    this.renderer = renderer;
  }

  @GetMapping("/account")
  ResponseEntity<String> page(@RequestParam(name = "invoice", required = false) String id) {
    Optional<Invoice> found = find(id);
    if (found.isEmpty()) {
      return notFound();
    }
    Invoice invoice = found.get();
    InvoiceDocument document =
        invoice.isPaid()
            ? InvoiceDocument.of(invoice, billing.invoiceItems(invoice.id()))
            : bolt11(invoice)
                .map(b -> InvoiceDocument.of(invoice, billing.invoiceItems(invoice.id()), b))
                .orElseGet(() -> InvoiceDocument.of(invoice, billing.invoiceItems(invoice.id())));
    String html = renderer.html(document);
    if (!invoice.isPaid()) {
      html = withPayButton(html, invoice.id());
    }
    return html(HttpStatus.OK, html);
  }

  @PostMapping("/account/pay")
  ResponseEntity<String> pay(@RequestParam(name = "invoice", required = false) String id) {
    Optional<Invoice> found = find(id);
    if (found.isEmpty()) {
      return notFound();
    }
    Invoice invoice = found.get();
    if (!invoice.isPaid()) {
      PaymentResult result = billing.retryNow(invoice.id());
      boolean paid =
          result instanceof PaymentResult.Paid
              || result instanceof PaymentResult.Skipped s
                  && s.reason() == PaymentResult.Skipped.Reason.ALREADY_PAID;
      if (!paid) {
        LOG.info("pay by card for {}: {}", invoice.id(), result);
        return html(
            HttpStatus.CONFLICT,
            message(
                "Not paid",
                "The card payment did not complete ("
                    + result.getClass().getSimpleName()
                    + "). Go back to the invoice and try again later."));
      }
    }
    // Post/Redirect/Get: back to the invoice, which now shows paid.
    return ResponseEntity.status(HttpStatus.SEE_OTHER)
        .location(URI.create("/account?invoice=" + encode(invoice.id())))
        .build();
  }

  private Optional<Invoice> find(String id) {
    if (id == null || id.isBlank()) {
      return Optional.empty();
    }
    try {
      return billing.invoice(id);
    } catch (InvalidInputException e) { // not an id at all
      return Optional.empty();
    }
  }

  /**
   * The BOLT11 to show; none when the Lightning rail cannot make one now, or the invoice is no
   * longer open (voided, written off, or paid since it was read): no payable request for it.
   */
  private Optional<Bolt11Request> bolt11(Invoice invoice) {
    try {
      return Optional.of(billing.bolt11(invoice.id()));
    } catch (RailException | IllegalStateException | InvalidInputException e) {
      LOG.warn("no BOLT11 for {}: {}", invoice.id(), e.getMessage());
      return Optional.empty();
    }
  }

  /** The form goes above the document's footer; the seller's name there is escaped text. */
  static String withPayButton(String html, String invoiceId) {
    String form =
        "<form id=\"pay-form\" method=\"post\" action=\"/account/pay?invoice="
            + HtmlUtils.htmlEscape(encode(invoiceId))
            + "\" style=\"margin:1.5em 0\"><button id=\"pay-by-card\" type=\"submit\""
            + " style=\"font-size:1.1em;padding:.5em 1.2em\">Pay by card</button>"
            + " <span class=\"detail\">charges the saved card (demo Visa ending 4242)</span>"
            + "</form>\n";
    int at = html.lastIndexOf("<footer>");
    if (at < 0) {
      throw new IllegalStateException("the invoice document has no footer");
    }
    return html.substring(0, at) + form + html.substring(at);
  }

  private static ResponseEntity<String> notFound() {
    return html(
        HttpStatus.NOT_FOUND,
        message("Invoice not found", "There is no such invoice. Check the link in your message."));
  }

  private static String message(String title, String text) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
        + HtmlUtils.htmlEscape(title)
        + "</title>\n</head>\n<body>\n<main id=\"message\"><h1>"
        + HtmlUtils.htmlEscape(title)
        + "</h1>\n<p>"
        + HtmlUtils.htmlEscape(text)
        + "</p></main>\n</body>\n</html>\n";
  }

  private static ResponseEntity<String> html(HttpStatus status, String body) {
    return ResponseEntity.status(status)
        .contentType(HTML)
        .header("Content-Security-Policy", CSP)
        .header(HttpHeaders.CACHE_CONTROL, "no-store")
        .header("X-Content-Type-Options", "nosniff")
        .body(body);
  }

  private static String encode(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8);
  }
}
