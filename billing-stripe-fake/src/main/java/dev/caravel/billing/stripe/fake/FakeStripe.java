package dev.caravel.billing.stripe.fake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

  private record Saved(String endpoint, Map<String, String> params, Reply reply) {}

  record Reply(int status, String body, boolean replayed, Map<String, String> headers) {
    static Reply of(int status, String body) {
      return new Reply(status, body, false, Map.of());
    }

    Reply replay() {
      return new Reply(status, body, true, headers);
    }
  }

  static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern INTENT_PATH = Pattern.compile("/v1/payment_intents/([A-Za-z0-9_]+)");
  private static final Pattern CANCEL_PATH =
      Pattern.compile("/v1/payment_intents/([A-Za-z0-9_]+)/cancel");
  private static final Pattern CUSTOMER_PATH = Pattern.compile("/v1/customers/([^/]+)");
  private static final Pattern SESSION_PATH = Pattern.compile("/v1/checkout/sessions/([^/]+)");
  private static final Pattern SETUP_INTENT_PATH = Pattern.compile("/v1/setup_intents/([^/]+)");
  private static final Pattern DETACH_PATH = Pattern.compile("/v1/payment_methods/([^/]+)/detach");
  private static final Pattern PAYMENT_METHODS_PATH =
      Pattern.compile("/v1/customers/([^/]+)/payment_methods");
  private static final Set<String> CANCELABLE =
      Set.of(
          "requires_payment_method",
          "requires_capture",
          "requires_confirmation",
          "requires_action",
          "processing");
  // Minimums the fake enforces (Stripe's table, in Stripe's minor units), and the amount shapes.
  private static final Map<String, Long> MINIMUMS =
      Map.of("usd", 50L, "eur", 50L, "gbp", 30L, "jpy", 50L, "isk", 0L);
  private static final Set<String> THREE_DECIMAL = Set.of("bhd", "jod", "kwd", "omr", "tnd");

  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicInteger sequence = new AtomicInteger();
  private final FakeCheckout checkout = new FakeCheckout(this);

  // Guarded by "this".
  private final Map<String, Customer> customers = new HashMap<>();
  private final Map<String, Saved> idempotency = new HashMap<>();
  private final Set<String> inFlight = new HashSet<>();
  private final List<ObjectNode> intents = new ArrayList<>();
  private final List<ObjectNode> refunds = new ArrayList<>();
  private final Map<String, Long> refunded = new HashMap<>();
  private final Deque<Script> chargeScript = new ArrayDeque<>();
  private final Deque<Script> writeScript = new ArrayDeque<>();
  private final Deque<Script> readScript = new ArrayDeque<>();
  private final List<Seen> seen = new ArrayList<>();
  private int replays;

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
    server.createContext("/", this::handle);
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
    customers.clear();
    idempotency.clear();
    inFlight.clear();
    intents.clear();
    refunds.clear();
    refunded.clear();
    chargeScript.clear();
    writeScript.clear();
    readScript.clear();
    seen.clear();
    replays = 0;
  }

  /** A customer with an invoice default payment method (or null) and cards, newest first. */
  public synchronized FakeStripe customer(String id, String defaultPaymentMethod, String... cards) {
    customers.put(id, new Customer(id, defaultPaymentMethod, null, List.of(cards), false));
    return this;
  }

  /** A customer with a legacy {@code default_source} (a card_ id) besides their cards. */
  public synchronized FakeStripe customerWithSource(
      String id, String defaultPaymentMethod, String defaultSource, String... cards) {
    customers.put(id, new Customer(id, defaultPaymentMethod, defaultSource, List.of(cards), false));
    return this;
  }

  public synchronized FakeStripe deletedCustomer(String id) {
    customers.put(id, new Customer(id, null, null, List.of(), true));
    return this;
  }

  /** Checkout Sessions, SetupIntents, the hosted page and the webhooks it sends. */
  public FakeCheckout checkout() {
    return checkout;
  }

  public synchronized Optional<Customer> findCustomer(String id) {
    return Optional.ofNullable(customers.get(id));
  }

  /** The customer a seeded card belongs to (the cards given to {@link #customer}). */
  synchronized Optional<Customer> holderOf(String paymentMethod) {
    return customers.values().stream().filter(c -> c.holds(paymentMethod)).findFirst();
  }

  synchronized void putCustomer(Customer customer) {
    customers.put(customer.id(), customer);
  }

  /** A fresh number for ids and creation times: later objects get larger ones. */
  int nextNumber() {
    return sequence.incrementAndGet();
  }

  /** Scripts for the next {@code POST /v1/payment_intents}. */
  public synchronized FakeStripe nextCharges(Script... scripts) {
    chargeScript.addAll(Arrays.asList(scripts));
    return this;
  }

  /** Scripts for the next other POSTs (cancel, refund). */
  public synchronized FakeStripe nextWrites(Script... scripts) {
    writeScript.addAll(Arrays.asList(scripts));
    return this;
  }

  /** Scripts for the next GETs. */
  public synchronized FakeStripe nextReads(Script... scripts) {
    readScript.addAll(Arrays.asList(scripts));
    return this;
  }

  /** Charges that moved money (intents that reached succeeded). */
  public synchronized int charges() {
    return (int)
        intents.stream().filter(pi -> "succeeded".equals(pi.path("status").asText())).count();
  }

  /** PaymentIntents the fake created, whatever became of them. */
  public synchronized int intentsCreated() {
    return intents.size();
  }

  /** Ids of the PaymentIntents created, oldest first. */
  public synchronized List<String> intents() {
    return intents.stream().map(pi -> pi.path("id").asText()).toList();
  }

  /** Refunds made, oldest first. */
  public synchronized List<ObjectNode> refunds() {
    return List.copyOf(refunds);
  }

  /** What happens to an intent later (a processing charge that fails, say). */
  public synchronized void setIntentStatus(String id, String status) {
    intent(id).orElseThrow().put("status", status);
  }

  /** An intent made elsewhere (the dashboard, an older version of the gateway). */
  public synchronized String addIntent(
      String customer, long amount, String currency, String status, Map<String, String> metadata) {
    String id = "pi_3Fake" + sequence.incrementAndGet();
    ObjectNode pi =
        JSON.createObjectNode()
            .put("id", id)
            .put("object", "payment_intent")
            .put("amount", amount)
            .put("currency", currency)
            .put("customer", customer)
            .put("status", status)
            .put("created", 1_700_000_000L + intents.size())
            .put("livemode", false);
    ObjectNode md = pi.putObject("metadata");
    metadata.forEach(md::put);
    intents.add(pi);
    return id;
  }

  /** Responses served from the idempotency store. */
  public synchronized int replays() {
    return replays;
  }

  public synchronized List<Seen> requests() {
    return List.copyOf(seen);
  }

  public synchronized List<Seen> chargeRequests() {
    return seen.stream()
        .filter(s -> s.method().equals("POST") && s.path().equals("/v1/payment_intents"))
        .toList();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---- the server ----

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getRawPath();
      String query = exchange.getRequestURI().getRawQuery();
      String body = read(exchange.getRequestBody());
      Map<String, String> headers = new HashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
      Map<String, String> params = parseForm(method.equals("POST") ? body : query);
      synchronized (this) {
        seen.add(new Seen(method, path, query, params, headers));
      }

      Reply auth = authenticate(headers.get("authorization"));
      if (auth != null) {
        write(exchange, auth);
        return;
      }
      Optional<String> endpoint = endpoint(method, path);
      if (endpoint.isEmpty()) {
        write(
            exchange,
            Reply.of(
                404,
                error(
                    "invalid_request_error",
                    null,
                    null,
                    "Unrecognized request URL ("
                        + method
                        + ": "
                        + path
                        + "). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.")));
        return;
      }
      String ep = endpoint.get();
      boolean isCharge = ep.equals("POST /v1/payment_intents");
      Script script =
          poll(method.equals("GET") ? readScript : isCharge ? chargeScript : writeScript);
      Reply early = beforeExecution(script);
      if (early != null) {
        write(exchange, early);
        return;
      }
      // Stripe validates parameters before anything else; nothing is saved for a refused request.
      Optional<StripeSchema.Violation> invalid =
          method.equals("GET") ? SCHEMA.validateQuery(ep, params) : SCHEMA.validateBody(ep, params);
      if (invalid.isPresent()) {
        StripeSchema.Violation v = invalid.get();
        write(
            exchange,
            Reply.of(400, error("invalid_request_error", v.code(), null, v.message(), v.param())));
        return;
      }
      if (method.equals("GET")) {
        Reply reply = readEndpoint(ep, path, params);
        if (script instanceof BadJson) {
          reply = new Reply(200, "{\"id\": \"cus_", false, Map.of());
        }
        write(exchange, reply);
        return;
      }
      String key = headers.get("idempotency-key");
      Reply reply = idempotent(ep, params, key, () -> execute(ep, path, params, script));
      deliver(exchange, reply, script);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Optional<String> endpoint(String method, String path) {
    if (method.equals("POST")) {
      if (path.equals("/v1/payment_intents")) {
        return Optional.of("POST /v1/payment_intents");
      }
      if (CANCEL_PATH.matcher(path).matches()) {
        return Optional.of("POST /v1/payment_intents/{intent}/cancel");
      }
      if (path.equals("/v1/refunds")) {
        return Optional.of("POST /v1/refunds");
      }
      if (path.equals("/v1/checkout/sessions")) {
        return Optional.of("POST /v1/checkout/sessions");
      }
      if (DETACH_PATH.matcher(path).matches()) {
        return Optional.of("POST /v1/payment_methods/{payment_method}/detach");
      }
      if (CUSTOMER_PATH.matcher(path).matches()) {
        return Optional.of("POST /v1/customers/{customer}");
      }
    } else if (method.equals("GET")) {
      if (path.equals("/v1/payment_intents")) {
        return Optional.of("GET /v1/payment_intents");
      }
      if (INTENT_PATH.matcher(path).matches()) {
        return Optional.of("GET /v1/payment_intents/{intent}");
      }
      if (PAYMENT_METHODS_PATH.matcher(path).matches()) {
        return Optional.of("GET /v1/customers/{customer}/payment_methods");
      }
      if (CUSTOMER_PATH.matcher(path).matches()) {
        return Optional.of("GET /v1/customers/{customer}");
      }
      if (SESSION_PATH.matcher(path).matches()) {
        return Optional.of("GET /v1/checkout/sessions/{session}");
      }
      if (SETUP_INTENT_PATH.matcher(path).matches()) {
        return Optional.of("GET /v1/setup_intents/{intent}");
      }
    }
    return Optional.empty();
  }

  private synchronized Script poll(Deque<Script> script) {
    return script.poll();
  }

  private interface Execution {
    Reply run();
  }

  /** Stripe's idempotency layer around one executed POST. */
  private Reply idempotent(
      String endpoint, Map<String, String> params, String key, Execution execution) {
    synchronized (this) {
      if (key != null) {
        Saved saved = idempotency.get(key);
        if (saved != null) {
          if (!saved.endpoint().equals(endpoint) || !saved.params().equals(params)) {
            return Reply.of(
                400,
                error(
                    "idempotency_error",
                    null,
                    null,
                    "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '"
                        + key
                        + "' if you meant to execute a different request."));
          }
          replays++;
          return saved.reply().replay();
        }
        if (!inFlight.add(key)) {
          return keyInUse(Boolean.TRUE);
        }
      }
    }
    Reply reply;
    try {
      reply = execution.run();
    } finally {
      synchronized (this) {
        if (key != null) {
          inFlight.remove(key);
        }
      }
    }
    synchronized (this) {
      // Only requests that reached the endpoint are saved: a 4xx from a pre-execution check is not.
      if (key != null && reply.status() != 400) {
        idempotency.put(key, new Saved(endpoint, params, reply));
      }
    }
    return reply;
  }

  private Reply authenticate(String authorization) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return Reply.of(
          401,
          error(
              "invalid_request_error",
              null,
              null,
              "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."));
    }
    String key = authorization.substring("Bearer ".length());
    if (!key.equals(API_KEY)) {
      // Stripe echoes the key masked but for its last four characters.
      String masked =
          key.length() > 12
              ? key.substring(0, 8)
                  + "*".repeat(key.length() - 12)
                  + key.substring(key.length() - 4)
              : "***";
      return Reply.of(
          401, error("invalid_request_error", null, null, "Invalid API Key provided: " + masked));
    }
    return null;
  }

  private static Reply keyInUse(Boolean shouldRetry) {
    Map<String, String> headers =
        shouldRetry == null ? Map.of() : Map.of("Stripe-Should-Retry", shouldRetry.toString());
    return new Reply(
        409,
        error(
            "invalid_request_error",
            "idempotency_key_in_use",
            null,
            "There is currently another in-progress request using this Stripe Idempotency Key (that probably means you submitted twice, and the other request is still going through). Please try again later."),
        false,
        headers);
  }

  /** Scripts that answer before the endpoint runs: nothing is executed or saved. */
  private Reply beforeExecution(Script script) {
    if (script instanceof ServerError s) {
      Map<String, String> headers =
          s.shouldRetry() == null
              ? Map.of()
              : Map.of("Stripe-Should-Retry", s.shouldRetry().toString());
      return new Reply(
          500, error("api_error", null, null, "An unknown error occurred"), false, headers);
    }
    if (script instanceof RateLimited r) {
      Map<String, String> headers =
          r.retryAfterSeconds() >= 0
              ? Map.of("Retry-After", Integer.toString(r.retryAfterSeconds()))
              : Map.of();
      return new Reply(
          429,
          error(
              "invalid_request_error",
              "rate_limit",
              null,
              "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."),
          false,
          headers);
    }
    if (script instanceof LockTimeout) {
      return new Reply(
          429,
          error(
              "invalid_request_error",
              "lock_timeout",
              null,
              "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. "
                  + "If you see this error intermittently, retry the request."),
          false,
          Map.of("Stripe-Should-Retry", "true"));
    }
    if (script instanceof KeyInUse k) {
      return keyInUse(k.shouldRetry());
    }
    if (script instanceof Forbidden) {
      return Reply.of(
          403,
          error(
              "invalid_request_error",
              null,
              null,
              "The provided key 'rk_test_*********************cdef' does not have the required permissions for this endpoint on account 'acct_1Fake'."));
    }
    if (script instanceof Fails f) {
      return Reply.of(f.status(), error(f.type(), f.code(), null, f.message()));
    }
    return null;
  }

  // ---- reads ----

  private synchronized Reply readEndpoint(
      String endpoint, String path, Map<String, String> params) {
    switch (endpoint) {
      case "GET /v1/customers/{customer}":
        {
          Matcher m = CUSTOMER_PATH.matcher(path);
          m.matches();
          return readCustomer(m.group(1), params);
        }
      case "GET /v1/customers/{customer}/payment_methods":
        {
          Matcher m = PAYMENT_METHODS_PATH.matcher(path);
          m.matches();
          return listPaymentMethods(m.group(1), params);
        }
      case "GET /v1/payment_intents/{intent}":
        {
          Matcher m = INTENT_PATH.matcher(path);
          m.matches();
          return intent(m.group(1))
              .map(pi -> Reply.of(200, pi.toString()))
              .orElseGet(
                  () ->
                      Reply.of(
                          404,
                          error(
                              "invalid_request_error",
                              "resource_missing",
                              null,
                              "No such payment_intent: '" + m.group(1) + "'",
                              "intent")));
        }
      case "GET /v1/payment_intents":
        return listIntents(params);
      case "GET /v1/checkout/sessions/{session}":
        {
          Matcher m = SESSION_PATH.matcher(path);
          m.matches();
          return checkout.retrieveSession(m.group(1));
        }
      case "GET /v1/setup_intents/{intent}":
        {
          Matcher m = SETUP_INTENT_PATH.matcher(path);
          m.matches();
          return checkout.retrieveSetupIntent(m.group(1), expands(params, "payment_method"));
        }
      default:
        throw new IllegalStateException(endpoint);
    }
  }

  /** Whether a GET's {@code expand[]} (or {@code expand[0]}) names {@code field}. */
  private static boolean expands(Map<String, String> params, String field) {
    return params.entrySet().stream()
        .anyMatch(e -> e.getKey().startsWith("expand[") && e.getValue().equals(field));
  }

  Reply readCustomer(String id, Map<String, String> params) {
    Customer c = customers.get(id);
    if (c == null) {
      return Reply.of(
          404,
          error(
              "invalid_request_error",
              "resource_missing",
              null,
              "No such customer: '" + id + "'",
              "id"));
    }
    ObjectNode customer = JSON.createObjectNode().put("id", c.id()).put("object", "customer");
    if (c.deleted()) {
      return Reply.of(200, customer.put("deleted", true).toString());
    }
    customer
        .put("created", 1_700_000_000L)
        .put("email", "tenant@example.com")
        .put("livemode", false)
        .put("default_source", c.defaultSource());
    ObjectNode settings =
        customer
            .putObject("invoice_settings")
            .put("custom_fields", (String) null)
            .put("default_payment_method", c.defaultPaymentMethod())
            .put("footer", (String) null);
    if (c.defaultPaymentMethod() != null
        && expands(params, "invoice_settings.default_payment_method")) {
      settings.set("default_payment_method", paymentMethod(c.defaultPaymentMethod()));
    }
    customer.putObject("metadata");
    return Reply.of(200, customer.toString());
  }

  private Reply listPaymentMethods(String id, Map<String, String> params) {
    Customer c = customers.get(id);
    if (c == null || c.deleted()) {
      return Reply.of(
          404,
          error(
              "invalid_request_error",
              "resource_missing",
              null,
              "No such customer: '" + id + "'",
              "customer"));
    }
    int limit = Integer.parseInt(params.getOrDefault("limit", "10"));
    ObjectNode list =
        JSON.createObjectNode()
            .put("object", "list")
            .put("url", "/v1/customers/" + c.id() + "/payment_methods");
    ArrayNode data = list.putArray("data");
    boolean cards = params.get("type") == null || "card".equals(params.get("type"));
    int from = 0;
    if (params.containsKey("starting_after")) {
      from = c.cards().indexOf(params.get("starting_after")) + 1;
      if (from == 0) {
        return Reply.of(
            404,
            error(
                "invalid_request_error",
                "resource_missing",
                null,
                "No such PaymentMethod: '" + params.get("starting_after") + "'",
                "starting_after"));
      }
    }
    if (cards) {
      c.cards().stream().skip(from).limit(limit).forEach(pm -> data.add(paymentMethod(pm)));
    }
    list.put("has_more", cards && c.cards().size() > from + limit);
    return Reply.of(200, list.toString());
  }

  /** Newest first, {@code limit} (default 10) a page, {@code starting_after} an id. */
  private Reply listIntents(Map<String, String> params) {
    int limit = Integer.parseInt(params.getOrDefault("limit", "10"));
    if (limit < 1 || limit > 100) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              null,
              null,
              "Invalid integer: limit must be between 1 and 100",
              "limit"));
    }
    List<ObjectNode> matching = new ArrayList<>();
    for (int i = intents.size() - 1; i >= 0; i--) {
      ObjectNode pi = intents.get(i);
      if (!params.containsKey("customer")
          || params.get("customer").equals(pi.path("customer").asText())) {
        matching.add(pi);
      }
    }
    int from = 0;
    if (params.containsKey("starting_after")) {
      String after = params.get("starting_after");
      int at = -1;
      for (int i = 0; i < matching.size(); i++) {
        if (matching.get(i).path("id").asText().equals(after)) {
          at = i;
        }
      }
      if (at < 0) {
        return Reply.of(
            404,
            error(
                "invalid_request_error",
                "resource_missing",
                null,
                "No such payment_intent: '" + after + "'",
                "starting_after"));
      }
      from = at + 1;
    }
    ObjectNode list =
        JSON.createObjectNode().put("object", "list").put("url", "/v1/payment_intents");
    ArrayNode data = list.putArray("data");
    matching.stream().skip(from).limit(limit).forEach(data::add);
    list.put("has_more", matching.size() > from + limit);
    return Reply.of(200, list.toString());
  }

  /** A card as Stripe shows it, attached to its customer or (once detached) to none. */
  ObjectNode paymentMethod(String id) {
    return checkout.paymentMethod(id);
  }

  /** Card details for a PaymentMethod the fake holds. */
  static ObjectNode cardObject(String id, String customer, long created) {
    ObjectNode pm =
        JSON.createObjectNode()
            .put("id", id)
            .put("object", "payment_method")
            .put("type", "card")
            .put("created", created)
            .put("customer", customer)
            .put("livemode", false);
    pm.putObject("card")
        .put("brand", "visa")
        .put("last4", "4242")
        .put("exp_month", 12)
        .put("exp_year", 2030);
    return pm;
  }

  // ---- writes ----

  private Reply execute(String endpoint, String path, Map<String, String> params, Script script) {
    switch (endpoint) {
      case "POST /v1/payment_intents":
        return createIntent(params, script);
      case "POST /v1/payment_intents/{intent}/cancel":
        {
          Matcher m = CANCEL_PATH.matcher(path);
          m.matches();
          return cancelIntent(m.group(1), params, script);
        }
      case "POST /v1/refunds":
        return createRefund(params, script);
      case "POST /v1/checkout/sessions":
        return checkout.createSession(params);
      case "POST /v1/customers/{customer}":
        {
          Matcher m = CUSTOMER_PATH.matcher(path);
          m.matches();
          return checkout.updateCustomer(m.group(1), params);
        }
      case "POST /v1/payment_methods/{payment_method}/detach":
        {
          Matcher m = DETACH_PATH.matcher(path);
          m.matches();
          return checkout.detach(m.group(1));
        }
      default:
        throw new IllegalStateException(endpoint);
    }
  }

  private synchronized Reply createIntent(Map<String, String> params, Script script) {
    Reply invalid = validateIntent(params);
    if (invalid != null) {
      return invalid;
    }
    String id = "pi_3Fake" + sequence.incrementAndGet();
    String charge = "ch_3Fake" + sequence.incrementAndGet();
    ObjectNode pi =
        JSON.createObjectNode()
            .put("id", id)
            .put("object", "payment_intent")
            .put("amount", Long.parseLong(params.get("amount")))
            .put("currency", params.get("currency"))
            .put("customer", params.get("customer"))
            .put("payment_method", params.get("payment_method"))
            .put("capture_method", "automatic")
            .put("confirmation_method", "automatic")
            .put("created", 1_700_000_000L + intents.size())
            .put("livemode", false);
    ObjectNode metadata = pi.putObject("metadata");
    params.forEach(
        (k, v) -> {
          if (k.startsWith("metadata[") && k.endsWith("]")) {
            metadata.put(k.substring("metadata[".length(), k.length() - 1), v);
          }
        });
    intents.add(pi);
    if (script instanceof Decline d) {
      pi.put("status", "requires_payment_method")
          .put("amount_received", 0)
          .put("latest_charge", charge);
      pi.set(
          "last_payment_error", cardError("card_declined", d.declineCode(), d.message(), charge));
      return Reply.of(
          402,
          errorBody(
              cardError("card_declined", d.declineCode(), d.message(), charge)
                  .set("payment_intent", pi.deepCopy())));
    }
    if (script instanceof AuthenticationRequired) {
      String message = "Your card was declined. This transaction requires authentication.";
      pi.put("status", "requires_payment_method")
          .put("amount_received", 0)
          .put("latest_charge", charge);
      pi.set(
          "last_payment_error",
          cardError("authentication_required", "authentication_required", message, charge));
      return Reply.of(
          402,
          errorBody(
              cardError("authentication_required", "authentication_required", message, charge)
                  .set("payment_intent", pi.deepCopy())));
    }
    if (script instanceof RequiresAction) {
      pi.put("status", "requires_action")
          .put("amount_received", 0)
          .put("latest_charge", charge)
          .putNull("last_payment_error");
      pi.putObject("next_action").put("type", "use_stripe_sdk");
      return Reply.of(200, pi.toString());
    }
    if (script instanceof Processing) {
      pi.put("status", "processing")
          .put("amount_received", 0)
          .put("latest_charge", charge)
          .putNull("last_payment_error");
      return Reply.of(200, pi.toString());
    }
    pi.put("status", "succeeded")
        .put("amount_received", pi.get("amount").asLong())
        .put("latest_charge", charge)
        .putNull("last_payment_error");
    if (script instanceof SavedServerError) {
      return new Reply(
          500,
          error("api_error", null, null, "An unknown error occurred"),
          false,
          Map.of("Stripe-Should-Retry", "false"));
    }
    return Reply.of(200, pi.toString());
  }

  /** Stripe's checks beyond the schema, before the endpoint runs (so nothing is saved). */
  private Reply validateIntent(Map<String, String> params) {
    long amount = Long.parseLong(params.get("amount"));
    String currency = params.get("currency");
    if (amount < 1 || amount > 99_999_999L) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              "parameter_invalid_integer",
              null,
              "This value must be greater than or equal to 1.",
              "amount"));
    }
    if (!currency.matches("[a-z]{3}")) {
      return Reply.of(
          400,
          error("invalid_request_error", null, null, "Invalid currency: " + currency, "currency"));
    }
    if (amount < MINIMUMS.getOrDefault(currency, 0L)) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              "amount_too_small",
              null,
              "Amount must be at least "
                  + (currency.equals("usd") ? "$0.50" : MINIMUMS.get(currency) + " minor units of")
                  + " "
                  + currency,
              "amount"));
    }
    if (currency.equals("isk") && amount % 100 != 0) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              "parameter_invalid_integer",
              null,
              "Invalid amount: ISK amounts must be given as a two-decimal value whose decimal part is 00",
              "amount"));
    }
    if (THREE_DECIMAL.contains(currency) && amount % 10 != 0) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              "parameter_invalid_integer",
              null,
              "Invalid amount: " + currency + " amounts must end in 0",
              "amount"));
    }
    boolean confirm = "true".equals(params.get("confirm"));
    if ("true".equals(params.get("off_session")) && !confirm) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              "parameter_invalid_empty",
              null,
              "You can only pass in `off_session` when `confirm` is true.",
              "off_session"));
    }
    // Since 2023-08-16, automatic payment methods are on unless payment_method_types is given, and
    // confirming with redirect-capable methods needs somewhere to come back to.
    boolean automatic =
        !params.containsKey("payment_method_types[0]")
            && !"false".equals(params.get("automatic_payment_methods[enabled]"));
    if (confirm
        && automatic
        && !"never".equals(params.get("automatic_payment_methods[allow_redirects]"))
        && !params.containsKey("return_url")) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              null,
              null,
              "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment "
                  + "methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to "
                  + "accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and "
                  + "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
              "return_url"));
    }
    Customer c = customers.get(params.get("customer"));
    if (c == null || c.deleted()) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              "resource_missing",
              null,
              "No such customer: '" + params.get("customer") + "'",
              "customer"));
    }
    String pm = params.get("payment_method");
    if (checkout.wasDetached(pm)) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              null,
              null,
              "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a "
                  + "connected account without Customer attachment, or was detached from a Customer. It may not be used again. "
                  + "To use a PaymentMethod multiple times, you must attach it to a Customer first.",
              "payment_method"));
    }
    if (!c.holds(pm)) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              "resource_missing",
              null,
              "No such PaymentMethod: '" + pm + "'",
              "payment_method"));
    }
    return null;
  }

  private synchronized Reply cancelIntent(String id, Map<String, String> params, Script script) {
    Optional<ObjectNode> found = intent(id);
    if (found.isEmpty()) {
      return Reply.of(
          404,
          error(
              "invalid_request_error",
              "resource_missing",
              null,
              "No such payment_intent: '" + id + "'",
              "intent"));
    }
    ObjectNode pi = found.get();
    String status = pi.path("status").asText();
    if (!CANCELABLE.contains(status)) {
      ObjectNode e =
          JSON.createObjectNode()
              .put("code", "payment_intent_unexpected_state")
              .put(
                  "message",
                  "You cannot cancel this PaymentIntent because it has a status of "
                      + status
                      + ". Only a PaymentIntent with one of "
                      + "the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.")
              .put("type", "invalid_request_error");
      e.set("payment_intent", pi.deepCopy());
      // 400s from the endpoint itself are not saved either.
      return Reply.of(400, errorBody(e));
    }
    pi.put("status", "canceled")
        .put("cancellation_reason", params.getOrDefault("cancellation_reason", null));
    if (script instanceof SavedServerError) {
      return new Reply(
          500,
          error("api_error", null, null, "An unknown error occurred"),
          false,
          Map.of("Stripe-Should-Retry", "false"));
    }
    return Reply.of(200, pi.toString());
  }

  private synchronized Reply createRefund(Map<String, String> params, Script script) {
    String id = params.get("payment_intent");
    Optional<ObjectNode> found = id == null ? Optional.empty() : intent(id);
    if (found.isEmpty()) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              "resource_missing",
              null,
              "No such payment_intent: '" + id + "'",
              "payment_intent"));
    }
    ObjectNode pi = found.get();
    if (!"succeeded".equals(pi.path("status").asText())) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              "charge_not_refundable",
              null,
              "This PaymentIntent does not have a successful charge to refund.",
              "payment_intent"));
    }
    long already = refunded.getOrDefault(id, 0L);
    long remaining = pi.path("amount").asLong() - already;
    if (remaining == 0) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              "charge_already_refunded",
              null,
              "Charge " + pi.path("latest_charge").asText() + " has already been refunded.",
              null));
    }
    long amount = params.containsKey("amount") ? Long.parseLong(params.get("amount")) : remaining;
    if (amount > remaining) {
      return Reply.of(
          400,
          error(
              "invalid_request_error",
              "amount_too_large",
              null,
              "Refund amount ("
                  + amount
                  + ") is greater than unrefunded amount on charge ("
                  + remaining
                  + ")",
              "amount"));
    }
    refunded.put(id, already + amount);
    ObjectNode refund =
        JSON.createObjectNode()
            .put("id", "re_3Fake" + sequence.incrementAndGet())
            .put("object", "refund")
            .put("amount", amount)
            .put("currency", pi.path("currency").asText())
            .put("payment_intent", id)
            .put("charge", pi.path("latest_charge").asText())
            .put("status", "succeeded")
            .put("created", 1_700_000_100L);
    ObjectNode md = refund.putObject("metadata");
    params.forEach(
        (k, v) -> {
          if (k.startsWith("metadata[") && k.endsWith("]")) {
            md.put(k.substring("metadata[".length(), k.length() - 1), v);
          }
        });
    refunds.add(refund);
    if (script instanceof SavedServerError) {
      return new Reply(
          500,
          error("api_error", null, null, "An unknown error occurred"),
          false,
          Map.of("Stripe-Should-Retry", "false"));
    }
    return Reply.of(200, refund.toString());
  }

  /** Writes the reply as the script says the wire behaves after execution. */
  private void deliver(HttpExchange exchange, Reply reply, Script script)
      throws IOException, InterruptedException {
    if (script instanceof HoldAfterCharge hold) {
      // The charge is saved; the client gives up meanwhile. Bounded so a broken test cannot hang.
      hold.release().await(10, TimeUnit.SECONDS);
      try {
        write(exchange, reply);
      } catch (IOException clientGone) {
        // Expected: the client timed out and closed the connection.
      }
    } else if (script instanceof BadJson) {
      write(
          exchange,
          new Reply(
              200,
              "{\"id\": \"pi_3Fake\", \"object\": \"payment_intent\", \"status\": \"succ",
              false,
              Map.of()));
    } else if (script instanceof DropConnection) {
      // Closing before any header is sent makes the server drop the connection.
      exchange.close();
    } else {
      write(exchange, reply);
    }
  }

  private void write(HttpExchange exchange, Reply reply) throws IOException {
    byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("Request-Id", "req_Fake" + sequence.incrementAndGet());
    exchange.getResponseHeaders().set("Stripe-Version", API_VERSION);
    if (reply.replayed()) {
      exchange.getResponseHeaders().set("Idempotent-Replayed", "true");
    }
    reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    exchange.sendResponseHeaders(reply.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static ObjectNode cardError(
      String code, String declineCode, String message, String charge) {
    ObjectNode e = JSON.createObjectNode().put("type", "card_error").put("code", code);
    if (declineCode != null) {
      e.put("decline_code", declineCode);
    }
    return e.put("message", message)
        .put("charge", charge)
        .put("doc_url", "https://stripe.com/docs/error-codes/" + code.replace('_', '-'));
  }

  private static String errorBody(ObjectNode error) {
    ObjectNode root = JSON.createObjectNode();
    root.set("error", error);
    return root.toString();
  }

  static String error(String type, String code, String declineCode, String message) {
    return error(type, code, declineCode, message, null);
  }

  static String error(String type, String code, String declineCode, String message, String param) {
    ObjectNode e = JSON.createObjectNode();
    if (code != null) {
      e.put("code", code)
          .put("doc_url", "https://stripe.com/docs/error-codes/" + code.replace('_', '-'));
    }
    if (declineCode != null) {
      e.put("decline_code", declineCode);
    }
    e.put("message", message);
    if (param != null) {
      e.put("param", param);
    }
    e.put("request_log_url", "https://dashboard.stripe.com/test/logs/req_Fake").put("type", type);
    return errorBody(e);
  }

  /**
   * Form and query decoding, brackets and all: {@code metadata%5Binvoice_id%5D=x} and {@code
   * metadata[invoice_id]=x}.
   */
  public static Map<String, String> parseForm(String encoded) {
    Map<String, String> out = new LinkedHashMap<>();
    if (encoded == null || encoded.isEmpty()) {
      return out;
    }
    for (String pair : encoded.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }

  private static String read(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  public Optional<ObjectNode> intent(String id) {
    synchronized (this) {
      return intents.stream().filter(pi -> pi.path("id").asText().equals(id)).findFirst();
    }
  }
}
