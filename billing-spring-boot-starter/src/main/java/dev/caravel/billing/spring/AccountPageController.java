package dev.caravel.billing.spring;

import static dev.caravel.billing.spring.PageResponses.html;
import static dev.caravel.billing.spring.PageResponses.message;
import static dev.caravel.billing.spring.PageResponses.securityHeaders;

import dev.caravel.billing.Billing;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.documents.AccountPage;
import dev.caravel.billing.documents.AccountView;
import dev.caravel.billing.documents.AccountView.Action;
import dev.caravel.billing.nwc.NwcConnectionCheck;
import dev.caravel.billing.stripe.CardSetupOutcome;
import dev.caravel.billing.stripe.CardSetupRequest;
import dev.caravel.billing.stripe.CardSetupSession;
import dev.caravel.billing.stripe.StripeCards;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.EnumSet;
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
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

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
public class AccountPageController implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AccountPageController.class.getName());

  /** The page's CSRF cookie; its forms repeat it. */
  public static final String CSRF_COOKIE = "account_csrf";

  private final Billing billing;
  private final AccountPage page;
  private final String currency;
  private final boolean walletsAccepted;
  private final Optional<NwcConnectionCheck> check;
  private final Optional<WalletAuthorizations> authorizations;
  private final Optional<PaymentGateway> gateway;
  private final Optional<StripeCards> cards;

  /**
   * @param walletsAccepted whether tenants may connect a wallet here (a wallet connector and a
   *     cipher are wired)
   * @param check checks a pasted connection against its wallet before it is stored, if wired
   * @param authorizations connects a wallet by scanning a code, if relays are configured for it
   * @param gateway the card gateway, to tell whether the tenant's customer has a card saved
   * @param cards saves and removes cards through Stripe Checkout, when the gateway is Stripe's
   */
  AccountPageController(
      Billing billing,
      AccountPage page,
      String currency,
      boolean walletsAccepted,
      Optional<NwcConnectionCheck> check,
      Optional<WalletAuthorizations> authorizations,
      Optional<PaymentGateway> gateway,
      Optional<StripeCards> cards) {
    this.billing = Objects.requireNonNull(billing, "billing");
    this.page = Objects.requireNonNull(page, "page");
    this.currency = Objects.requireNonNull(currency, "currency");
    this.walletsAccepted = walletsAccepted;
    this.check = Objects.requireNonNull(check, "check");
    this.authorizations = Objects.requireNonNull(authorizations, "authorizations");
    this.gateway = Objects.requireNonNull(gateway, "gateway");
    this.cards = Objects.requireNonNull(cards, "cards");
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
      completeSetup(opened.get(), session);
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
    return act(
        origin,
        request,
        csrf,
        csrfCookie,
        tenant,
        token,
        opened -> {
          // Erases the sealed URI, keeping the card: the customer read back is saved again.
          billing.saveTenant(opened, null, billing.stripeCustomer(opened).orElse(null));
          return backToPage(opened);
        });
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
    if (!walletsAccepted) {
      return notFound();
    }
    return act(
        origin,
        request,
        csrf,
        csrfCookie,
        tenant,
        token,
        opened -> {
          String uri = nwcUri == null ? "" : nwcUri.strip();
          try {
            if (check.isPresent()
                && check.get().check(uri, NwcConnectionCheck.Use.TENANT_WALLET)
                    instanceof NwcConnectionCheck.Unusable unusable) {
              // Its step and code say why; its message may quote the wallet: the log only.
              throw new IllegalArgumentException(
                  "the connection check failed at "
                      + unusable.step()
                      + " ("
                      + unusable.code()
                      + ")");
            }
            billing.saveTenant(opened, uri, billing.stripeCustomer(opened).orElse(null));
          } catch (InvalidInputException | IllegalArgumentException e) {
            // The reason may quote the URI's parts: the log only, never the page.
            LOG.log(
                System.Logger.Level.INFO,
                "tenant {0}: a pasted wallet connection was refused: {1}",
                opened,
                e instanceof InvalidInputException ? "malformed" : e.getMessage());
            return html(
                HttpStatus.BAD_REQUEST,
                message(
                    "Not connected",
                    "That connection could not be used. Copy it again from your wallet and paste"
                        + " it whole; it starts with nostr+walletconnect://."));
          }
          return backToPage(opened);
        });
  }

  @PostMapping("/account/wallet/authorize")
  public ResponseEntity<String> authorizeWallet(
      @RequestParam(name = "tenant", required = false) String tenant,
      @RequestParam(name = "token", required = false) String token,
      @RequestParam(name = "csrf", required = false) String csrf,
      @CookieValue(name = CSRF_COOKIE, required = false) String csrfCookie,
      @RequestHeader(name = HttpHeaders.ORIGIN, required = false) String origin,
      HttpServletRequest request) {
    if (authorizations.isEmpty() || !walletsAccepted) {
      return notFound();
    }
    return act(
        origin,
        request,
        csrf,
        csrfCookie,
        tenant,
        token,
        opened -> {
          if (authorizations.get().start(opened).isEmpty()) {
            return html(
                HttpStatus.SERVICE_UNAVAILABLE,
                message(
                    "Try again in a minute",
                    "We could not start a wallet connection just now. Go back and try again in a"
                        + " minute."));
          }
          return backToPage(opened);
        });
  }

  @PostMapping("/account/card/setup")
  public ResponseEntity<String> saveCard(
      @RequestParam(name = "tenant", required = false) String tenant,
      @RequestParam(name = "token", required = false) String token,
      @RequestParam(name = "attempt", required = false) String attempt,
      @RequestParam(name = "csrf", required = false) String csrf,
      @CookieValue(name = CSRF_COOKIE, required = false) String csrfCookie,
      @RequestHeader(name = HttpHeaders.ORIGIN, required = false) String origin,
      HttpServletRequest request) {
    if (cards.isEmpty()) {
      return notFound();
    }
    return act(
        origin,
        request,
        csrf,
        csrfCookie,
        tenant,
        token,
        opened -> {
          Optional<String> customer = billing.stripeCustomer(opened);
          if (customer.isEmpty() || !FormGuard.isCsrfToken(attempt)) {
            return notFound();
          }
          String page = billing.accountLink(opened);
          try {
            // One session per form shown: a double submit opens the same one.
            CardSetupSession setup =
                cards
                    .get()
                    .startSetup(
                        new CardSetupRequest(
                            customer.get(),
                            page
                                + "&session={CHECKOUT_SESSION_ID}", // Stripe fills in the session's
                            // id
                            page,
                            "page-" + attempt));
            return ResponseEntity.status(HttpStatus.SEE_OTHER).location(setup.url()).build();
          } catch (RuntimeException e) {
            LOG.log(
                System.Logger.Level.WARNING,
                "tenant {0}: no card setup: {1}",
                opened,
                e.getMessage());
            return html(
                HttpStatus.SERVICE_UNAVAILABLE,
                message(
                    "Try again in a minute",
                    "We could not open the card form just now. Go back and try again in a"
                        + " minute."));
          }
        });
  }

  @PostMapping("/account/card/remove")
  public ResponseEntity<String> removeCard(
      @RequestParam(name = "tenant", required = false) String tenant,
      @RequestParam(name = "token", required = false) String token,
      @RequestParam(name = "csrf", required = false) String csrf,
      @CookieValue(name = CSRF_COOKIE, required = false) String csrfCookie,
      @RequestHeader(name = HttpHeaders.ORIGIN, required = false) String origin,
      HttpServletRequest request) {
    if (cards.isEmpty()) {
      return notFound();
    }
    return act(
        origin,
        request,
        csrf,
        csrfCookie,
        tenant,
        token,
        opened -> {
          Optional<String> customer = billing.stripeCustomer(opened);
          if (customer.isEmpty()) {
            return notFound();
          }
          try {
            cards.get().removeCards(customer.get());
          } catch (RuntimeException e) {
            LOG.log(
                System.Logger.Level.WARNING,
                "tenant {0}: card not removed: {1}",
                opened,
                e.getMessage());
            return html(
                HttpStatus.SERVICE_UNAVAILABLE,
                message(
                    "Try again in a minute",
                    "We could not remove your card just now. Go back and try again in a minute."));
          }
          return backToPage(opened);
        });
  }

  /**
   * Stripe sent the tenant back from its card form: the setup is applied now, checked to be this
   * tenant's own (the id comes from the browser); the webhook may come before or after, either is
   * safe. A failure leaves it to the webhook.
   */
  private void completeSetup(String tenant, String session) {
    Optional<String> customer = billing.stripeCustomer(tenant);
    if (cards.isEmpty() || customer.isEmpty() || !session.matches("cs_[A-Za-z0-9_]{1,200}")) {
      return;
    }
    try {
      CardSetupOutcome outcome = cards.get().completeSetup(session, customer.get());
      LOG.log(
          System.Logger.Level.INFO,
          "tenant {0}: card setup {1}",
          tenant,
          outcome.getClass().getSimpleName());
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "tenant {0}: card setup left to the webhook: {1}",
          tenant,
          e.getMessage());
    }
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
      if (authorizations.isPresent()) {
        actions.add(Action.CONNECT_WALLET);
      }
    }
    Optional<String> card = customer.flatMap(this::savedCard);
    if (cards.isPresent() && customer.isPresent()) {
      actions.add(Action.SAVE_CARD);
      if (card.isPresent()) {
        actions.add(Action.REMOVE_CARD);
      }
    }
    Optional<AccountView.WalletRequest> waiting =
        wallet
            ? Optional.empty()
            : authorizations
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
        billing.invoices(tenant),
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
    authorizations.ifPresent(WalletAuthorizations::close);
  }

  /** A budget as the tenant reads it: whole sats, grouped ("20,000 sats"). */
  static String sats(long msats) {
    return String.format(java.util.Locale.US, "%,d sats", msats / 1000);
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

  /**
   * Runs {@code action} on the tenant the link opens, once the form proved it came from our page
   * (this origin, the page's CSRF token): 403 otherwise, and 404 for a link that opens nothing,
   * before anything is read or written.
   */
  private ResponseEntity<String> act(
      String origin,
      HttpServletRequest request,
      String csrf,
      String csrfCookie,
      String tenant,
      String token,
      Function<String, ResponseEntity<String>> action) {
    if (!FormGuard.sameOrigin(origin, request) || !FormGuard.csrfMatches(csrf, csrfCookie)) {
      return PageResponses.forbidden("your account page");
    }
    return billing
        .accountByLink(tenant, token)
        .map(action)
        .orElseGet(AccountPageController::notFound);
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
