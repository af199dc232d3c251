package dev.caravel.billing.examples.host;

import static dev.caravel.billing.spring.PageResponses.html;
import static dev.caravel.billing.spring.PageResponses.message;
import static dev.caravel.billing.spring.PageResponses.securityHeaders;

import dev.caravel.billing.Billing;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.RailException;
import dev.caravel.billing.documents.InvoiceDocument;
import dev.caravel.billing.documents.InvoiceRenderer;
import dev.caravel.billing.spring.FormGuard;
import dev.caravel.billing.spring.PageResponses;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.CookieValue;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The page a payment DM links to, {@code {appUrl}/account?invoice={id}&token={token}}:
 * billing-documents' invoice (items, total, the BOLT11 as a QR code while unpaid) and, while
 * unpaid, a "Pay by card" form that charges the tenant's card through the engine.
 *
 * <p>The link is the capability (issue 22): the engine's {@link Billing#invoiceByLink} opens an
 * invoice only with its token, and an unknown id and a wrong or missing token get the very same
 * 404. The pay action runs only on POST, with the link's token and a CSRF token (a double-submit
 * cookie, {@code SameSite=Strict}), and only from this origin ({@link FormGuard}): a cross-site
 * POST is a 403 and charges nothing. Views are limited per invoice ({@link PageViewLimiter}) before
 * the engine asks the service wallet about the BOLT11. A demo has no login; a real host may also
 * check that the signed-in tenant owns the invoice.
 */
@RestController
class InvoicePageController {
  private static final Logger LOG = LoggerFactory.getLogger(InvoicePageController.class);

  /** The CSRF cookie: the form's hidden field must repeat it (double submit). */
  static final String CSRF_COOKIE = "invoice_csrf";

  private final Billing billing;
  private final InvoiceRenderer renderer;
  private final PageViewLimiter views;

  InvoicePageController(
      Billing billing,
      InvoiceRenderer renderer,
      @Qualifier("caravelBillingClock") Clock clock,
      @Value("${host.page-views-per-minute:20}") int viewsPerMinute) {
    this.billing = billing;
    this.renderer = renderer;
    this.views = new PageViewLimiter(viewsPerMinute, clock);
  }

  @GetMapping("/account")
  ResponseEntity<String> page(
      @RequestParam(name = "invoice", required = false) String id,
      @RequestParam(name = "token", required = false) String token,
      @CookieValue(name = CSRF_COOKIE, required = false) String csrfCookie) {
    Optional<Invoice> found = find(id, token);
    if (found.isEmpty()) {
      return notFound();
    }
    Invoice invoice = found.get();
    if (token == null || token.isEmpty()) {
      // an old link, opened during the host's transition: on to the link with its token
      return ResponseEntity.status(HttpStatus.SEE_OTHER).location(pageOf(invoice.id())).build();
    }
    if (!views.tryView(invoice.id())) {
      return tooManyViews();
    }
    InvoiceDocument document =
        invoice.isPaid()
            ? InvoiceDocument.of(invoice, billing.invoiceItems(invoice.id()))
            : bolt11(invoice)
                .map(b -> InvoiceDocument.of(invoice, billing.invoiceItems(invoice.id()), b))
                .orElseGet(() -> InvoiceDocument.of(invoice, billing.invoiceItems(invoice.id())));
    String html = renderer.html(document);
    String csrf = FormGuard.isCsrfToken(csrfCookie) ? csrfCookie : FormGuard.newCsrfToken();
    if (!invoice.isPaid()) {
      html = withPayButton(html, invoice.id(), token, csrf);
    }
    html = withAccountLink(html, relative(billing.accountLink(invoice.tenant())));
    ResponseCookie cookie =
        ResponseCookie.from(CSRF_COOKIE, csrf)
            .path("/account")
            .httpOnly(true)
            .sameSite("Strict")
            .build();
    return ResponseEntity.status(HttpStatus.OK)
        .header(HttpHeaders.SET_COOKIE, cookie.toString())
        .headers(securityHeaders())
        .body(html);
  }

  @PostMapping("/account/pay")
  ResponseEntity<String> pay(
      @RequestParam(name = "invoice", required = false) String id,
      @RequestParam(name = "token", required = false) String token,
      @RequestParam(name = "csrf", required = false) String csrf,
      @CookieValue(name = CSRF_COOKIE, required = false) String csrfCookie,
      @RequestHeader(name = HttpHeaders.ORIGIN, required = false) String origin,
      HttpServletRequest request) {
    // A cross-site form post carries the victim's cookies but neither our origin nor the token
    // that only our page knows: refuse it before anything else, whatever the invoice.
    if (!FormGuard.sameOrigin(origin, request) || !FormGuard.csrfMatches(csrf, csrfCookie)) {
      return PageResponses.forbidden("the invoice page");
    }
    Optional<Invoice> found = token == null || token.isEmpty() ? Optional.empty() : find(id, token);
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
    return ResponseEntity.status(HttpStatus.SEE_OTHER).location(pageOf(invoice.id())).build();
  }

  /** The invoice the link opens; the engine answers an unknown id and a wrong token alike. */
  private Optional<Invoice> find(String id, String token) {
    if (id == null || id.isBlank()) {
      return Optional.empty();
    }
    return billing.invoiceByLink(id, token);
  }

  /** The page's path and query, from the engine's link: relative, so the host's own origin. */
  private URI pageOf(String invoiceId) {
    return relative(billing.invoiceLink(invoiceId));
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
  static String withPayButton(String html, String invoiceId, String token, String csrf) {
    String form =
        "<form id=\"pay-form\" method=\"post\" action=\"/account/pay\" style=\"margin:1.5em 0\">"
            + hidden("invoice", invoiceId)
            + hidden("token", token)
            + hidden("csrf", csrf)
            + "<button id=\"pay-by-card\" type=\"submit\""
            + " style=\"font-size:1.1em;padding:.5em 1.2em\">Pay by card</button>"
            + " <span class=\"detail\">charges the saved card (demo Visa ending 4242)</span>"
            + "</form>\n";
    int at = html.lastIndexOf("<footer>");
    if (at < 0) {
      throw new IllegalStateException("the invoice document has no footer");
    }
    return html.substring(0, at) + form + html.substring(at);
  }

  /** A link to the tenant's own page (its invoices and payment methods), above the footer. */
  static String withAccountLink(String html, URI accountPage) {
    String link =
        "<p><a id=\"account-link\" href=\""
            + HtmlUtils.htmlEscape(accountPage.toString())
            + "\">Your account: all your invoices, your wallet and your card</a></p>\n";
    int at = html.lastIndexOf("<footer>");
    if (at < 0) {
      throw new IllegalStateException("the invoice document has no footer");
    }
    return html.substring(0, at) + link + html.substring(at);
  }

  /** A link's path and query: relative, so the host's own origin. */
  private static URI relative(String link) {
    URI uri = URI.create(link);
    return URI.create(uri.getRawPath() + "?" + uri.getRawQuery());
  }

  private static String hidden(String name, String value) {
    return "<input type=\"hidden\" name=\""
        + name
        + "\" value=\""
        + HtmlUtils.htmlEscape(value)
        + "\">";
  }

  private ResponseEntity<String> tooManyViews() {
    return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
        .header(HttpHeaders.RETRY_AFTER, "60")
        .headers(securityHeaders())
        .body(
            message(
                "Too many requests",
                "This invoice was opened too often in the last minute. Try again in a minute."));
  }

  private static ResponseEntity<String> notFound() {
    return html(
        HttpStatus.NOT_FOUND,
        message("Invoice not found", "There is no such invoice. Check the link in your message."));
  }
}
