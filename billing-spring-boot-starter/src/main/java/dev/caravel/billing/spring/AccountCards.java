package dev.caravel.billing.spring;

import dev.caravel.billing.Billing;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.stripe.CardSetupOutcome;
import dev.caravel.billing.stripe.CardSetupRequest;
import dev.caravel.billing.stripe.CardSetupSession;
import dev.caravel.billing.stripe.StripeCards;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/**
 * The account page's card actions, run once the form passed the page's guard: save or replace a
 * card through Stripe Checkout (setup mode), apply the setup when Stripe sends the tenant back,
 * remove the cards. Only for a tenant with a Stripe customer on file (the host makes customers).
 */
final class AccountCards {
  private static final System.Logger LOG = System.getLogger(AccountCards.class.getName());

  /** Stripe's template for the session id in a success URL, which Stripe fills in. */
  static final String SESSION_ID = "{CHECKOUT_SESSION_ID}";

  private final Billing billing;
  private final Optional<PaymentGateway> gateway;
  private final Optional<StripeCards> cards;
  private final Function<String, ResponseEntity<String>> backToPage;
  private final String checkoutOrigin;

  /**
   * @param checkoutOrigin the origin of Stripe's hosted card page ({@code
   *     https://checkout.stripe.com}): the page's policy lets its card form land there
   */
  AccountCards(
      Billing billing,
      Optional<PaymentGateway> gateway,
      Optional<StripeCards> cards,
      String checkoutOrigin,
      Function<String, ResponseEntity<String>> backToPage) {
    this.billing = Objects.requireNonNull(billing, "billing");
    this.gateway = Objects.requireNonNull(gateway, "gateway");
    this.cards = Objects.requireNonNull(cards, "cards");
    this.checkoutOrigin = Objects.requireNonNull(checkoutOrigin, "checkoutOrigin");
    if (!checkoutOrigin.matches("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
      throw new IllegalArgumentException(
          "caravel.billing.account-page.checkout-origin is an origin (scheme://host[:port]), not "
              + checkoutOrigin);
    }
    this.backToPage = Objects.requireNonNull(backToPage, "backToPage");
  }

  /** The page's policy: its forms may land on Stripe's page only when cards are saved here. */
  String pagePolicy() {
    return saving() ? PageResponses.cspWithFormsTo(checkoutOrigin) : PageResponses.CSP;
  }

  /** Whether cards can be saved here (the gateway is Stripe's). */
  boolean saving() {
    return cards.isPresent();
  }

  /** "A card" when the customer has one; none shown when the gateway cannot say. */
  Optional<String> saved(String customer) {
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

  /** Opens Stripe's card form for the tenant's customer; one session per form shown. */
  Optional<ResponseEntity<String>> setup(String tenant, String attempt) {
    Optional<String> customer = billing.stripeCustomer(tenant);
    if (customer.isEmpty() || !FormGuard.isCsrfToken(attempt)) {
      return Optional.empty();
    }
    String page = billing.accountLink(tenant);
    try {
      CardSetupSession setup =
          cards
              .orElseThrow()
              .startSetup(
                  new CardSetupRequest(
                      customer.get(), page + "&session=" + SESSION_ID, page, "page-" + attempt));
      return Optional.of(ResponseEntity.status(HttpStatus.SEE_OTHER).location(setup.url()).build());
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING, "tenant {0}: no card setup: {1}", tenant, e.getMessage());
      return Optional.of(PageResponses.tryAgain("We could not open the card form just now."));
    }
  }

  /** Detaches the customer's cards and clears its default. */
  Optional<ResponseEntity<String>> remove(String tenant) {
    Optional<String> customer = billing.stripeCustomer(tenant);
    if (customer.isEmpty()) {
      return Optional.empty();
    }
    try {
      cards.orElseThrow().removeCards(customer.get());
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING, "tenant {0}: card not removed: {1}", tenant, e.getMessage());
      return Optional.of(PageResponses.tryAgain("We could not remove your card just now."));
    }
    return Optional.of(backToPage.apply(tenant));
  }

  /**
   * Stripe sent the tenant back from its card form: the setup is applied now if it is this tenant's
   * own (the id comes from the browser); the webhook may come before or after, either is safe. A
   * failure leaves it to the webhook.
   */
  void complete(String tenant, String session) {
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
}
