package dev.caravel.billing.spring;

import static dev.caravel.billing.spring.PageResponses.html;
import static dev.caravel.billing.spring.PageResponses.message;
import static dev.caravel.billing.spring.PageResponses.securityHeaders;

import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.documents.AccountPage;
import dev.caravel.billing.documents.AccountView;
import dev.caravel.billing.documents.AccountView.Action;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.CookieValue;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A tenant's own page (issue 24), at the engine's account link {@code
 * {app-url}/account?tenant={pubkey}&token={token}}: its standing, what the next invoice starts
 * from, its invoices, the payment methods on file, and forms to connect or disconnect a wallet and
 * to save or remove a card ({@link AccountWallets}, {@link AccountCards}).
 *
 * <p>The link is the capability: {@link Billing#accountByLink} opens the page only with the
 * tenant's own token, and a wrong token, an unknown or malformed tenant all get the same 404. Every
 * action is a POST from this origin that repeats the page's CSRF token ({@link FormGuard}) and the
 * link's token: without them it is refused (403, 404) before anything is read or written. An action
 * this host cannot carry out is not offered, and posting it anyway is a 404. Texts are for the
 * tenant; what went wrong in detail goes to the log.
 */
@RestController
public class AccountPageController implements AutoCloseable {
  /** The page's CSRF cookie; its forms repeat it. */
  public static final String CSRF_COOKIE = "account_csrf";

  private final Billing billing;
  private final AccountPage page;
  private final String currency;
  private final Clock clock;
  private final boolean walletsAccepted;
  private final AccountWallets wallets;
  private final AccountCards cards;

  /**
   * @param walletsAccepted whether tenants may connect a wallet here (a wallet connector and a
   *     cipher are wired)
   */
  AccountPageController(
      Billing billing,
      AccountPage page,
      String currency,
      Clock clock,
      boolean walletsAccepted,
      Function<Function<String, ResponseEntity<String>>, AccountWallets> wallets,
      Function<Function<String, ResponseEntity<String>>, AccountCards> cards) {
    this.billing = Objects.requireNonNull(billing, "billing");
    this.page = Objects.requireNonNull(page, "page");
    this.currency = Objects.requireNonNull(currency, "currency");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.walletsAccepted = walletsAccepted;
    this.wallets = wallets.apply(this::backToPage);
    this.cards = cards.apply(this::backToPage);
  }

  @GetMapping(path = "/account", params = "tenant")
  public ResponseEntity<String> page(
      @RequestParam(name = "tenant") String tenant,
      @RequestParam(name = "token", required = false) String token,
      @RequestParam(name = "session", required = false) String session,
      @CookieValue(name = CSRF_COOKIE, required = false) String csrfCookie) {
    Optional<String> opened = billing.accountByLink(tenant, token);
    if (opened.isEmpty()) {
      return notFound();
    }
    if (session != null) {
      cards.complete(opened.get(), session);
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
        .headers(securityHeaders(cards.pagePolicy()))
        .body(html);
  }

  @PostMapping("/account/wallet/disconnect")
  public ResponseEntity<String> disconnectWallet(AccountForm form, HttpServletRequest request) {
    return act(request, form, wallets::disconnect);
  }

  @PostMapping("/account/wallet/connect")
  public ResponseEntity<String> pasteWallet(AccountForm form, HttpServletRequest request) {
    if (!walletsAccepted) {
      return notFound();
    }
    return act(request, form, tenant -> wallets.paste(tenant, form.nwcUri()));
  }

  @PostMapping("/account/wallet/authorize")
  public ResponseEntity<String> scanWallet(AccountForm form, HttpServletRequest request) {
    if (!walletsAccepted || !wallets.scanning()) {
      return notFound();
    }
    return act(request, form, wallets::scan);
  }

  @PostMapping("/account/card/setup")
  public ResponseEntity<String> saveCard(AccountForm form, HttpServletRequest request) {
    if (!cards.saving()) {
      return notFound();
    }
    return act(
        request,
        form,
        tenant -> cards.setup(tenant, form.attempt()).orElseGet(AccountPageController::notFound));
  }

  @PostMapping("/account/card/remove")
  public ResponseEntity<String> removeCard(AccountForm form, HttpServletRequest request) {
    if (!cards.saving()) {
      return notFound();
    }
    return act(
        request, form, tenant -> cards.remove(tenant).orElseGet(AccountPageController::notFound));
  }

  private AccountView view(String tenant, String token, String csrf) {
    List<Invoice> invoices = billing.invoices(tenant);
    boolean wallet = billing.walletConnected(tenant);
    Optional<String> customer = billing.stripeCustomer(tenant);
    Optional<String> card = customer.flatMap(cards::saved);
    Set<Action> actions = EnumSet.noneOf(Action.class);
    if (wallet) {
      actions.add(Action.DISCONNECT_WALLET);
    }
    if (walletsAccepted) {
      actions.add(Action.PASTE_WALLET);
      if (wallets.scanning()) {
        actions.add(Action.CONNECT_WALLET);
      }
    }
    if (cards.saving() && customer.isPresent()) {
      actions.add(Action.SAVE_CARD);
      if (card.isPresent()) {
        actions.add(Action.REMOVE_CARD);
      }
    }
    Optional<AccountView.WalletRequest> waiting =
        wallet
            ? Optional.empty()
            : wallets
                .authorizations()
                .flatMap(a -> a.pending(tenant))
                .map(
                    p ->
                        new AccountView.WalletRequest(
                            p.request().uri(), sats(p.maxAmountMsats()) + " a month"));
    return new AccountView(
        tenant,
        billing.standing(tenant),
        currency,
        billing.unbilledBalance(tenant),
        billing.upcoming(tenant),
        invoices,
        wallet,
        card,
        actions,
        waiting,
        Map.of("tenant", tenant, "token", token, "csrf", csrf, "attempt", FormGuard.newCsrfToken()),
        "/account");
  }

  /** Stops the wallet connection requests still waiting (Spring calls it at shutdown). */
  @Override
  public void close() {
    wallets.authorizations().ifPresent(WalletAuthorizations::close);
  }

  /** A budget as the tenant reads it: whole sats, grouped ("20,000 sats"). */
  static String sats(long msats) {
    return String.format(java.util.Locale.US, "%,d sats", msats / 1000);
  }

  /**
   * Runs {@code action} on the tenant the link opens, once the form proved it came from our page
   * (this origin, the page's CSRF token): 403 otherwise, and 404 for a link that opens nothing,
   * before anything is read or written.
   */
  private ResponseEntity<String> act(
      HttpServletRequest request,
      AccountForm form,
      Function<String, ResponseEntity<String>> action) {
    // One Origin, ours: a request naming two is nobody's browser.
    java.util.List<String> origins =
        java.util.Collections.list(request.getHeaders(HttpHeaders.ORIGIN));
    if (origins.size() > 1
        || !FormGuard.sameOrigin(origins.isEmpty() ? null : origins.get(0), request)
        || !FormGuard.csrfMatches(form.csrf(), cookie(request, CSRF_COOKIE))) {
      return PageResponses.forbidden("your account page");
    }
    return billing
        .accountByLink(form.tenant(), form.token())
        .map(action)
        .orElseGet(AccountPageController::notFound);
  }

  private static String cookie(HttpServletRequest request, String name) {
    if (request.getCookies() == null) {
      return null;
    }
    for (Cookie c : request.getCookies()) {
      if (name.equals(c.getName())) {
        return c.getValue();
      }
    }
    return null;
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
}
