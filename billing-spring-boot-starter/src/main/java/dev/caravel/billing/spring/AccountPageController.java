package dev.caravel.billing.spring;

import dev.caravel.billing.Billing;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.documents.AccountPage;
import dev.caravel.billing.documents.AccountView;
import dev.caravel.billing.documents.AccountView.Action;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
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
 * A tenant's own page (issue 24), at the engine's account link {@code
 * {app-url}/account?tenant={pubkey}&token={token}}: its standing, what the next invoice starts
 * from, its invoices, the payment methods on file, and forms to connect or disconnect a wallet.
 *
 * <p>The link is the capability: {@link Billing#accountByLink} opens the page only with the
 * tenant's own token, and a wrong token, an unknown or malformed tenant all get the same 404. Every
 * action is a POST from this origin that repeats the page's CSRF token ({@link FormGuard}) and the
 * link's token: without them it is refused (403, 404) before anything is read or written. Texts are
 * for the tenant; what went wrong in detail goes to the log.
 */
@RestController
public class AccountPageController {
  private static final System.Logger LOG = System.getLogger(AccountPageController.class.getName());

  /** The page's CSRF cookie; its forms repeat it. */
  public static final String CSRF_COOKIE = "account_csrf";

  /** The page's policy: nothing from the network, no script, forms post only back here. */
  static final String CSP =
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self';"
          + " frame-ancestors 'none'; base-uri 'none'";

  private static final MediaType HTML = new MediaType("text", "html", StandardCharsets.UTF_8);

  private final Billing billing;
  private final AccountPage page;
  private final String currency;
  private final boolean walletsAccepted;
  private final Optional<PaymentGateway> gateway;

  /**
   * @param walletsAccepted whether tenants may connect a wallet here (a wallet connector and a
   *     cipher are wired)
   * @param gateway the card gateway, to tell whether the tenant's customer has a card saved
   */
  public AccountPageController(
      Billing billing,
      AccountPage page,
      String currency,
      boolean walletsAccepted,
      Optional<PaymentGateway> gateway) {
    this.billing = Objects.requireNonNull(billing, "billing");
    this.page = Objects.requireNonNull(page, "page");
    this.currency = Objects.requireNonNull(currency, "currency");
    this.walletsAccepted = walletsAccepted;
    this.gateway = Objects.requireNonNull(gateway, "gateway");
  }

  @GetMapping(path = "/account", params = "tenant")
  public ResponseEntity<String> page(
      @RequestParam(name = "tenant") String tenant,
      @RequestParam(name = "token", required = false) String token,
      @CookieValue(name = CSRF_COOKIE, required = false) String csrfCookie) {
    Optional<String> opened = billing.accountByLink(tenant, token);
    if (opened.isEmpty()) {
      return notFound();
    }
    String csrf = FormGuard.isCsrfToken(csrfCookie) ? csrfCookie : FormGuard.newCsrfToken();
    String html = page.html(view(opened.get(), token, csrf));
    ResponseCookie cookie =
        ResponseCookie.from(CSRF_COOKIE, csrf)
            .path("/account")
            .httpOnly(true)
            .sameSite("Strict")
            .build();
    return ResponseEntity.ok()
        .header(HttpHeaders.SET_COOKIE, cookie.toString())
        .headers(securityHeaders())
        .body(html);
  }

  @PostMapping("/account/wallet/disconnect")
  public ResponseEntity<String> disconnectWallet(
      @RequestParam(name = "tenant", required = false) String tenant,
      @RequestParam(name = "token", required = false) String token,
      @RequestParam(name = "csrf", required = false) String csrf,
      @CookieValue(name = CSRF_COOKIE, required = false) String csrfCookie,
      @RequestHeader(name = HttpHeaders.ORIGIN, required = false) String origin,
      HttpServletRequest request) {
    Optional<ResponseEntity<String>> refused = refused(origin, request, csrf, csrfCookie);
    if (refused.isPresent()) {
      return refused.get();
    }
    Optional<String> opened = billing.accountByLink(tenant, token);
    if (opened.isEmpty()) {
      return notFound();
    }
    // Erases the sealed URI, keeping the card: the customer read back is saved again.
    billing.saveTenant(opened.get(), null, billing.stripeCustomer(opened.get()).orElse(null));
    return backToPage(opened.get());
  }

  @PostMapping("/account/wallet/connect")
  public ResponseEntity<String> connectWallet(
      @RequestParam(name = "tenant", required = false) String tenant,
      @RequestParam(name = "token", required = false) String token,
      @RequestParam(name = "nwc_uri", required = false) String nwcUri,
      @RequestParam(name = "csrf", required = false) String csrf,
      @CookieValue(name = CSRF_COOKIE, required = false) String csrfCookie,
      @RequestHeader(name = HttpHeaders.ORIGIN, required = false) String origin,
      HttpServletRequest request) {
    Optional<ResponseEntity<String>> refused = refused(origin, request, csrf, csrfCookie);
    if (refused.isPresent()) {
      return refused.get();
    }
    Optional<String> opened = billing.accountByLink(tenant, token);
    if (opened.isEmpty() || !walletsAccepted) {
      return notFound();
    }
    String uri = nwcUri == null ? "" : nwcUri.strip();
    try {
      billing.saveTenant(opened.get(), uri, billing.stripeCustomer(opened.get()).orElse(null));
    } catch (InvalidInputException | IllegalArgumentException e) {
      // The reason may quote the URI's parts: the log only, never the page.
      LOG.log(
          System.Logger.Level.INFO,
          "tenant {0}: a pasted wallet connection was refused: {1}",
          opened.get(),
          e.getClass().getSimpleName());
      return html(
          HttpStatus.BAD_REQUEST,
          message(
              "Not connected",
              "That connection could not be used. Copy it again from your wallet and paste it"
                  + " whole; it starts with nostr+walletconnect://."));
    }
    return backToPage(opened.get());
  }

  private AccountView view(String tenant, String token, String csrf) {
    boolean wallet = billing.walletConnected(tenant);
    Optional<String> customer = billing.stripeCustomer(tenant);
    Set<Action> actions = EnumSet.noneOf(Action.class);
    if (wallet) {
      actions.add(Action.DISCONNECT_WALLET);
    }
    if (walletsAccepted) {
      actions.add(Action.PASTE_WALLET);
    }
    return new AccountView(
        tenant,
        billing.standing(tenant),
        currency,
        billing.unbilledBalance(tenant),
        billing.invoices(tenant),
        wallet,
        customer.flatMap(this::savedCard),
        actions,
        Optional.empty(),
        Map.of("tenant", tenant, "token", token, "csrf", csrf),
        "/account");
  }

  /** "A saved card" when the customer has one; unknown (none shown) when the gateway fails. */
  private Optional<String> savedCard(String customer) {
    if (gateway.isEmpty()) {
      return Optional.empty();
    }
    try {
      return gateway.get().savedPaymentMethod(customer).map(pm -> "A card");
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "could not read the saved card of {0}: {1}",
          customer,
          e.getMessage());
      return Optional.empty();
    }
  }

  private static Optional<ResponseEntity<String>> refused(
      String origin, HttpServletRequest request, String csrf, String csrfCookie) {
    if (!FormGuard.sameOrigin(origin, request) || !FormGuard.csrfMatches(csrf, csrfCookie)) {
      return Optional.of(
          html(
              HttpStatus.FORBIDDEN,
              message("Forbidden", "This request did not come from your account page.")));
    }
    return Optional.empty();
  }

  /** Post/Redirect/Get, to the page's path and query: relative, so the host's own origin. */
  private ResponseEntity<String> backToPage(String tenant) {
    URI link = URI.create(billing.accountLink(tenant));
    return ResponseEntity.status(HttpStatus.SEE_OTHER)
        .location(URI.create(link.getRawPath() + "?" + link.getRawQuery()))
        .build();
  }

  private static ResponseEntity<String> notFound() {
    return html(
        HttpStatus.NOT_FOUND,
        message("Page not found", "There is no such page. Check the link in your message."));
  }

  private static String message(String title, String text) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
        + HtmlUtils.htmlEscape(title)
        + "</title>\n</head>\n<body>\n<main id=\"message\"><h1>"
        + HtmlUtils.htmlEscape(title)
        + "</h1>\n<p>"
        + HtmlUtils.htmlEscape(text)
        + "</p></main>\n</body>\n</html>\n";
  }

  private static ResponseEntity<String> html(HttpStatus status, String body) {
    return ResponseEntity.status(status).headers(securityHeaders()).body(body);
  }

  /** The link's token must not leak to another site through Referer; nothing is cached. */
  private static HttpHeaders securityHeaders() {
    HttpHeaders headers = new HttpHeaders();
    headers.setContentType(HTML);
    headers.set("Content-Security-Policy", CSP);
    headers.setCacheControl("no-store");
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "same-origin");
    return headers;
  }
}
