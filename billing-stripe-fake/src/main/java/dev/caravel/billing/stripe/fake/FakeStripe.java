package dev.caravel.billing.stripe.fake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback stand-in for api.stripe.com that is as strict as Stripe where the gateway can go
 * wrong:
 *
 * <ul>
 *   <li>every request's parameters are validated against the endpoint's schema in Stripe's
 *       published OpenAPI spec ({@link StripeSchema}): an unknown parameter is a 400 {@code
 *       invalid_request_error/parameter_unknown}, a missing required one {@code parameter_missing},
 *       and so on;
 *   <li>the {@code return_url} rule: a confirmed PaymentIntent whose automatic payment methods (the
 *       default since API 2023-08-16) allow redirects needs a {@code return_url};
 *   <li>idempotency: a POST's first executed result is saved under its {@code Idempotency-Key} and
 *       replayed ({@code Idempotent-Replayed: true}), 500s included; the same key with other
 *       parameters (or on another endpoint) is a 400 {@code idempotency_error}; a key whose first
 *       request is still executing is a 409 {@code idempotency_key_in_use}; requests refused before
 *       execution (validation, 429) are not saved;
 *   <li>{@code Stripe-Should-Retry} on the answers Stripe sends it with, and 429 {@code
 *       lock_timeout}.
 * </ul>
 *
 * Tests script what the next calls do. One instance serves a whole test class; {@link #reset()}
 * between tests.
 *
 * <p>Inside, one class a concern, all guarded by this instance's lock: {@code ApiHandler} (the HTTP
 * side, in Stripe's order), {@code Endpoints} (routing), {@code IdempotencyStore}, {@code Scripts},
 * the object stores {@code FakeCustomers}, {@code FakePaymentIntents} (with {@code IntentRules})
 * and {@code FakeRefunds}, and {@link FakeCheckout} for saving cards.
 */
public final class FakeStripe implements AutoCloseable {
  public static final String API_KEY = "sk_test_51FakeKeyDoNotLeak0123456789abcdef";

  /**
   * The Stripe API version the fake speaks: the {@code api_version} of the events it sends, and the
   * version whose rules it holds (for example a setup session's {@code currency}). billing-stripe's
   * tests check that it is the version {@code StripeGateway} pins; the fake does not depend on
   * billing-stripe, so it states the version itself.
   */
  public static final String API_VERSION = "2024-06-20";

  static final StripeSchema SCHEMA = StripeSchema.load();

  /** What the next call does instead of the plain happy path. */
  public sealed interface Script {}

  /**
   * The issuer declines: 402 card_error card_declined with this decline code. Executed and saved.
   */
  public record Decline(String declineCode, String message) implements Script {}

  /** Off-session charge of a card that needs 3-D Secure. Executed and saved. */
  public record AuthenticationRequired() implements Script {}

  /** The intent is left {@code requires_action} (a 2xx). Executed and saved. */
  public record RequiresAction() implements Script {}

  /** The intent is created but settles later (status processing). */
  public record Processing() implements Script {}

  /**
   * A 500 api_error raised before the endpoint ran: nothing executed, nothing saved. {@code
   * shouldRetry} is the {@code Stripe-Should-Retry} header (null: none).
   */
  public record ServerError(Boolean shouldRetry) implements Script {
    public ServerError() {
      this(null);
    }
  }

  /**
   * The endpoint ran (the charge succeeded, money moved) but then failed with a 500, which Stripe
   * saved under the key: every retry with the key replays the 500, with {@code Stripe-Should-Retry:
   * false}.
   */
  public record SavedServerError() implements Script {}

  /** A 429 before execution; {@code retryAfterSeconds < 0} sends no Retry-After. */
  public record RateLimited(int retryAfterSeconds) implements Script {}

  /**
   * A 429 {@code lock_timeout} (another request holds the object) with {@code Stripe-Should-Retry:
   * true}.
   */
  public record LockTimeout() implements Script {}

  /** 409: another request with the same key is still executing. Nothing executed or saved. */
  public record KeyInUse(Boolean shouldRetry) implements Script {
    public KeyInUse() {
      this(null);
    }
  }

  /** 403 for a restricted key without the permission. */
  public record Forbidden() implements Script {}

  /** Any error Stripe raises before execution, e.g. 400 invalid_request_error. */
  public record Fails(int status, String type, String code, String message) implements Script {}

  /** Executes and saves, then holds the response until {@code release} (a client timeout). */
  public record HoldAfterCharge(CountDownLatch release) implements Script {}

  /** Executes and saves the real answer, but the wire carries a broken body. */
  public record BadJson() implements Script {}

  /** Executes and saves, then drops the connection without answering. */
  public record DropConnection() implements Script {}

  /** A request as the fake saw it. */
  public record Seen(
      String method,
      String path,
      String query,
      Map<String, String> params,
      Map<String, String> headers) {
    public String header(String name) {
      return headers.get(name.toLowerCase());
    }
  }

  /** {@code cards} newest first, as Stripe lists them. */
  public record Customer(
      String id,
      String defaultPaymentMethod,
      String defaultSource,
      List<String> cards,
      boolean deleted) {
    Customer withDefault(String paymentMethod) {
      return new Customer(id, paymentMethod, defaultSource, cards, deleted);
    }

    Customer withCards(List<String> newestFirst) {
      return new Customer(
          id, defaultPaymentMethod, defaultSource, List.copyOf(newestFirst), deleted);
    }

    /** Attached as far as a charge is concerned: a card, the default, or the legacy source. */
    boolean holds(String paymentMethod) {
      return paymentMethod != null
          && (paymentMethod.equals(defaultPaymentMethod)
              || paymentMethod.equals(defaultSource)
              || cards.contains(paymentMethod));
    }
  }

  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicInteger sequence = new AtomicInteger();
  private final FakeCustomers customers = new FakeCustomers(this);
  private final FakeCheckout checkout = new FakeCheckout(this, customers);
  private final FakePaymentIntents intents = new FakePaymentIntents(this, new IntentRules(this));
  private final FakeRefunds refunds = new FakeRefunds(this, intents);
  private final IdempotencyStore idempotency = new IdempotencyStore(this);
  private final Scripts scripts = new Scripts(this);
  private final ApiHandler api =
      new ApiHandler(
          this, scripts, idempotency, new Endpoints(this, customers, intents, refunds, checkout));

  private FakeStripe() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // Several threads: a held (timed-out) response must not block the retry behind it.
    executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "fake-stripe");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", api::handle);
    // Stripe's hosted Checkout page: the tenant's browser, not the API, so no API key.
    server.createContext(FakeCheckout.PAGE_PATH, checkout::servePage);
    server.start();
  }

  public static FakeStripe start() {
    try {
      return new FakeStripe();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the fake Stripe", e);
    }
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public synchronized void reset() {
    checkout.reset();
    customers.reset();
    idempotency.reset();
    intents.reset();
    refunds.reset();
    scripts.reset();
    api.reset();
  }

  /** A customer with an invoice default payment method (or null) and cards, newest first. */
  public FakeStripe customer(String id, String defaultPaymentMethod, String... cards) {
    customers.put(new Customer(id, defaultPaymentMethod, null, List.of(cards), false));
    return this;
  }

  /** A customer with a legacy {@code default_source} (a card_ id) besides their cards. */
  public FakeStripe customerWithSource(
      String id, String defaultPaymentMethod, String defaultSource, String... cards) {
    customers.put(new Customer(id, defaultPaymentMethod, defaultSource, List.of(cards), false));
    return this;
  }

  public FakeStripe deletedCustomer(String id) {
    customers.put(new Customer(id, null, null, List.of(), true));
    return this;
  }

  /** Checkout Sessions, SetupIntents, the hosted page and the webhooks it sends. */
  public FakeCheckout checkout() {
    return checkout;
  }

  public Optional<Customer> findCustomer(String id) {
    return customers.find(id);
  }

  /** A fresh number for ids and creation times: later objects get larger ones. */
  int nextNumber() {
    return sequence.incrementAndGet();
  }

  /** Scripts for the next {@code POST /v1/payment_intents}. */
  public FakeStripe nextCharges(Script... scripts) {
    this.scripts.nextCharges(scripts);
    return this;
  }

  /** Scripts for the next other POSTs (cancel, refund). */
  public FakeStripe nextWrites(Script... scripts) {
    this.scripts.nextWrites(scripts);
    return this;
  }

  /** Scripts for the next GETs. */
  public FakeStripe nextReads(Script... scripts) {
    this.scripts.nextReads(scripts);
    return this;
  }

  /** Charges that moved money (intents that reached succeeded). */
  public int charges() {
    return intents.charges();
  }

  /** PaymentIntents the fake created, whatever became of them. */
  public int intentsCreated() {
    return intents.created();
  }

  /** Ids of the PaymentIntents created, oldest first. */
  public List<String> intents() {
    return intents.ids();
  }

  /** Refunds made, oldest first. */
  public List<ObjectNode> refunds() {
    return refunds.list();
  }

  /** What happens to an intent later (a processing charge that fails, say). */
  public void setIntentStatus(String id, String status) {
    intents.setStatus(id, status);
  }

  /** An intent made elsewhere (the dashboard, an older version of the gateway). */
  public String addIntent(
      String customer, long amount, String currency, String status, Map<String, String> metadata) {
    return intents.add(customer, amount, currency, status, metadata);
  }

  /** Responses served from the idempotency store. */
  public int replays() {
    return idempotency.replays();
  }

  public List<Seen> requests() {
    return api.requests();
  }

  public List<Seen> chargeRequests() {
    return api.chargeRequests();
  }

  public Optional<ObjectNode> intent(String id) {
    return intents.find(id);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /**
   * Form and query decoding, brackets and all: {@code metadata%5Binvoice_id%5D=x} and {@code
   * metadata[invoice_id]=x}.
   */
  public static Map<String, String> parseForm(String encoded) {
    return FormParams.parse(encoded);
  }
}
