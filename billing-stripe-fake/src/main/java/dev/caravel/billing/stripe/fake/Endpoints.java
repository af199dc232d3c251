package dev.caravel.billing.stripe.fake;

import dev.caravel.billing.stripe.fake.FakeStripe.Script;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The endpoints the fake serves: which one a request names, and the object store that answers it.
 */
final class Endpoints {
  private static final Pattern INTENT_PATH = Pattern.compile("/v1/payment_intents/([A-Za-z0-9_]+)");
  private static final Pattern CANCEL_PATH =
      Pattern.compile("/v1/payment_intents/([A-Za-z0-9_]+)/cancel");
  private static final Pattern CUSTOMER_PATH = Pattern.compile("/v1/customers/([^/]+)");
  private static final Pattern SESSION_PATH = Pattern.compile("/v1/checkout/sessions/([^/]+)");
  private static final Pattern SETUP_INTENT_PATH = Pattern.compile("/v1/setup_intents/([^/]+)");
  private static final Pattern DETACH_PATH = Pattern.compile("/v1/payment_methods/([^/]+)/detach");
  private static final Pattern PAYMENT_METHODS_PATH =
      Pattern.compile("/v1/customers/([^/]+)/payment_methods");

  /**
   * An endpoint as the OpenAPI spec names it ({@code GET /v1/customers/{customer}}), and its path.
   */
  private record Route(String endpoint, Pattern path) {
    boolean takes(String method, String path) {
      return endpoint.startsWith(method + " ") && this.path.matcher(path).matches();
    }
  }

  // In the order they are tried.
  private static final List<Route> ROUTES =
      List.of(
          new Route("POST /v1/payment_intents", Pattern.compile("/v1/payment_intents")),
          new Route("POST /v1/payment_intents/{intent}/cancel", CANCEL_PATH),
          new Route("POST /v1/refunds", Pattern.compile("/v1/refunds")),
          new Route("POST /v1/checkout/sessions", Pattern.compile("/v1/checkout/sessions")),
          new Route("POST /v1/payment_methods/{payment_method}/detach", DETACH_PATH),
          new Route("POST /v1/customers/{customer}", CUSTOMER_PATH),
          new Route("GET /v1/payment_intents", Pattern.compile("/v1/payment_intents")),
          new Route("GET /v1/payment_intents/{intent}", INTENT_PATH),
          new Route("GET /v1/customers/{customer}/payment_methods", PAYMENT_METHODS_PATH),
          new Route("GET /v1/customers/{customer}", CUSTOMER_PATH),
          new Route("GET /v1/checkout/sessions/{session}", SESSION_PATH),
          new Route("GET /v1/setup_intents/{intent}", SETUP_INTENT_PATH));

  private final FakeStripe stripe;
  private final FakeCustomers customers;
  private final FakePaymentIntents intents;
  private final FakeRefunds refunds;
  private final FakeCheckout checkout;

  Endpoints(
      FakeStripe stripe,
      FakeCustomers customers,
      FakePaymentIntents intents,
      FakeRefunds refunds,
      FakeCheckout checkout) {
    this.stripe = stripe;
    this.customers = customers;
    this.intents = intents;
    this.refunds = refunds;
    this.checkout = checkout;
  }

  /** The endpoint a request names, as the OpenAPI spec names it; empty if Stripe has none. */
  static Optional<String> endpoint(String method, String path) {
    return ROUTES.stream()
        .filter(route -> route.takes(method, path))
        .map(Route::endpoint)
        .findFirst();
  }

  /** The one id in a path the pattern took: the customer in {@code /v1/customers/cus_1}. */
  private static String id(Pattern pattern, String path) {
    Matcher m = pattern.matcher(path);
    m.matches();
    return m.group(1);
  }

  /** Answers a GET. */
  Reply read(String endpoint, String path, Map<String, String> params) {
    synchronized (stripe) {
      switch (endpoint) {
        case "GET /v1/customers/{customer}":
          return customers.read(id(CUSTOMER_PATH, path), params);
        case "GET /v1/customers/{customer}/payment_methods":
          return customers.listPaymentMethods(id(PAYMENT_METHODS_PATH, path), params);
        case "GET /v1/payment_intents/{intent}":
          return intents.retrieve(id(INTENT_PATH, path));
        case "GET /v1/payment_intents":
          return intents.list(params);
        case "GET /v1/checkout/sessions/{session}":
          return checkout.retrieveSession(id(SESSION_PATH, path));
        case "GET /v1/setup_intents/{intent}":
          return checkout.retrieveSetupIntent(
              id(SETUP_INTENT_PATH, path), FormParams.expands(params, "payment_method"));
        default:
          throw new IllegalStateException(endpoint);
      }
    }
  }

  /** Runs a POST (inside the idempotency layer) with the script for it. */
  Reply execute(String endpoint, String path, Map<String, String> params, Script script) {
    switch (endpoint) {
      case "POST /v1/payment_intents":
        return intents.create(params, script);
      case "POST /v1/payment_intents/{intent}/cancel":
        return intents.cancel(id(CANCEL_PATH, path), params, script);
      case "POST /v1/refunds":
        return refunds.create(params, script);
      case "POST /v1/checkout/sessions":
        return checkout.createSession(params);
      case "POST /v1/customers/{customer}":
        return checkout.updateCustomer(id(CUSTOMER_PATH, path), params);
      case "POST /v1/payment_methods/{payment_method}/detach":
        return checkout.detach(id(DETACH_PATH, path));
      default:
        throw new IllegalStateException(endpoint);
    }
  }
}
