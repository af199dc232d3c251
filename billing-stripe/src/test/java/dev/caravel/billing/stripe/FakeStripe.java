package dev.caravel.billing.stripe;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback stand-in for api.stripe.com that speaks its wire format: Bearer auth, form-encoded
 * bodies with bracketed keys, Stripe's JSON objects and error bodies, and its idempotency rules
 * (a key's first executed result is saved and replayed with {@code Idempotent-Replayed: true};
 * the same key with other parameters is a 400 {@code idempotency_error}; requests rejected
 * before execution, such as throttled ones, are not saved). Tests script what the next calls
 * do. One instance serves a whole test class; {@link #reset()} between tests.
 */
final class FakeStripe implements AutoCloseable {
  static final String API_KEY = "sk_test_51FakeKeyDoNotLeak0123456789abcdef";

  /** What the next call does instead of the plain happy path. */
  sealed interface Script {}

  /** The issuer declines: 402 card_error card_declined with this decline code. Executed and saved. */
  record Decline(String declineCode, String message) implements Script {}

  /** Off-session charge of a card that needs 3-D Secure. Executed and saved. */
  record AuthenticationRequired() implements Script {}

  /** The intent is created but settles later (status processing). */
  record Processing() implements Script {}

  /** A 500 api_error raised before the endpoint ran: nothing executed, nothing saved. */
  record ServerError() implements Script {}

  /** A 429 before execution; {@code retryAfterSeconds} < 0 sends no Retry-After. */
  record RateLimited(int retryAfterSeconds) implements Script {}

  /** 409: another request with the same key is still executing. Nothing executed or saved. */
  record KeyInUse() implements Script {}

  /** 403 for a restricted key without the permission. */
  record Forbidden() implements Script {}

  /** Executes and saves, then holds the response until {@code release} (a client timeout). */
  record HoldAfterCharge(CountDownLatch release) implements Script {}

  /** Executes and saves the real answer, but the wire carries a broken body. */
  record BadJson() implements Script {}

  /** Executes and saves, then drops the connection without answering. */
  record DropConnection() implements Script {}

  /** A request as the fake saw it. */
  record Seen(String method, String path, String query, Map<String, String> params, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name.toLowerCase());
    }
  }

  private record Customer(String id, String defaultPaymentMethod, List<String> cards, boolean deleted) {}

  private record Saved(String path, Map<String, String> params, int status, String body) {}

  private record Reply(int status, String body, boolean replayed, Map<String, String> headers) {
    static Reply of(int status, String body) {
      return new Reply(status, body, false, Map.of());
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicInteger sequence = new AtomicInteger();

  // Guarded by "this".
  private final Map<String, Customer> customers = new HashMap<>();
  private final Map<String, Saved> idempotency = new HashMap<>();
  private final List<ObjectNode> intents = new ArrayList<>();
  private final Deque<Script> chargeScript = new ArrayDeque<>();
  private final Deque<Script> readScript = new ArrayDeque<>();
  private final List<Seen> seen = new ArrayList<>();
  private int replays;

  private FakeStripe() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // Several threads: a held (timed-out) response must not block the retry behind it.
    executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fake-stripe");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  static FakeStripe start() {
    try {
      return new FakeStripe();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the fake Stripe", e);
    }
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  synchronized void reset() {
    customers.clear();
    idempotency.clear();
    intents.clear();
    chargeScript.clear();
    readScript.clear();
    seen.clear();
    replays = 0;
  }

  synchronized FakeStripe customer(String id, String defaultPaymentMethod, String... cards) {
    customers.put(id, new Customer(id, defaultPaymentMethod, List.of(cards), false));
    return this;
  }

  synchronized FakeStripe deletedCustomer(String id) {
    customers.put(id, new Customer(id, null, List.of(), true));
    return this;
  }

  synchronized FakeStripe nextCharges(Script... scripts) {
    chargeScript.addAll(Arrays.asList(scripts));
    return this;
  }

  synchronized FakeStripe nextReads(Script... scripts) {
    readScript.addAll(Arrays.asList(scripts));
    return this;
  }

  /** Charges that moved money (intents that reached succeeded). */
  synchronized int charges() {
    return (int) intents.stream().filter(pi -> "succeeded".equals(pi.path("status").asText())).count();
  }

  /** PaymentIntents the fake created, whatever became of them. */
  synchronized int intentsCreated() {
    return intents.size();
  }

  /** Ids of the PaymentIntents created, oldest first. */
  synchronized List<String> intents() {
    return intents.stream().map(pi -> pi.path("id").asText()).toList();
  }

  /** Responses served from the idempotency store. */
  synchronized int replays() {
    return replays;
  }

  synchronized List<Seen> requests() {
    return List.copyOf(seen);
  }

  synchronized List<Seen> chargeRequests() {
    return seen.stream().filter(s -> s.method().equals("POST")).toList();
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
      if (method.equals("GET") && path.startsWith("/v1/customers/")) {
        Script script = poll(readScript);
        Reply early = beforeExecution(script);
        if (early != null) {
          write(exchange, early);
          return;
        }
        Reply reply = readCustomer(path.substring("/v1/customers/".length()), params);
        if (script instanceof BadJson) {
          reply = new Reply(200, "{\"id\": \"cus_", false, Map.of());
        }
        write(exchange, reply);
        return;
      }
      if (method.equals("POST") && path.equals("/v1/payment_intents")) {
        Script script = poll(chargeScript);
        Reply early = beforeExecution(script);
        if (early != null) {
          write(exchange, early);
          return;
        }
        Reply reply = createIntent(path, params, headers.get("idempotency-key"), script);
        deliver(exchange, reply, script);
        return;
      }
      write(exchange, Reply.of(404, error("invalid_request_error", null, null,
          "Unrecognized request URL (" + method + ": " + path + "). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.")));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized Script poll(Deque<Script> script) {
    return script.poll();
  }

  private Reply authenticate(String authorization) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return Reply.of(401, error("invalid_request_error", null, null,
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."));
    }
    String key = authorization.substring("Bearer ".length());
    if (!key.equals(API_KEY)) {
      // Stripe echoes the key masked but for its last four characters.
      String masked = key.length() > 12 ? key.substring(0, 8) + "*".repeat(key.length() - 12) + key.substring(key.length() - 4) : "***";
      return Reply.of(401, error("invalid_request_error", null, null, "Invalid API Key provided: " + masked));
    }
    return null;
  }

  /** Scripts that answer before the endpoint runs: nothing is executed or saved. */
  private Reply beforeExecution(Script script) {
    if (script instanceof ServerError) {
      return Reply.of(500, error("api_error", null, null, "An unknown error occurred"));
    }
    if (script instanceof RateLimited r) {
      Map<String, String> headers = r.retryAfterSeconds() >= 0 ? Map.of("Retry-After", Integer.toString(r.retryAfterSeconds())) : Map.of();
      return new Reply(429, error("invalid_request_error", "rate_limit", null,
          "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."), false, headers);
    }
    if (script instanceof KeyInUse) {
      return Reply.of(409, error("invalid_request_error", "idempotency_key_in_use", null,
          "There is currently another in-progress request using this Stripe Idempotency Key (that probably means you submitted twice, and the other request is still going through). Please try again later."));
    }
    if (script instanceof Forbidden) {
      return Reply.of(403, error("invalid_request_error", null, null,
          "The provided key 'rk_test_*********************cdef' does not have the required permissions for this endpoint on account 'acct_1Fake'."));
    }
    return null;
  }

  private synchronized Reply readCustomer(String rest, Map<String, String> params) {
    String[] parts = rest.split("/");
    Customer c = customers.get(parts[0]);
    if (c == null) {
      return Reply.of(404, error("invalid_request_error", "resource_missing", null, "No such customer: '" + parts[0] + "'", "id"));
    }
    if (parts.length == 1) {
      ObjectNode customer = JSON.createObjectNode().put("id", c.id()).put("object", "customer");
      if (c.deleted()) {
        return Reply.of(200, customer.put("deleted", true).toString());
      }
      customer.put("created", 1_700_000_000L).put("email", "tenant@example.com").put("livemode", false);
      customer.putObject("invoice_settings").put("custom_fields", (String) null).put("default_payment_method", c.defaultPaymentMethod())
          .put("footer", (String) null);
      customer.putObject("metadata");
      return Reply.of(200, customer.toString());
    }
    if (parts.length == 2 && parts[1].equals("payment_methods")) {
      if (c.deleted()) {
        return Reply.of(404, error("invalid_request_error", "resource_missing", null, "No such customer: '" + c.id() + "'", "customer"));
      }
      int limit = Integer.parseInt(params.getOrDefault("limit", "10"));
      ObjectNode list = JSON.createObjectNode().put("object", "list").put("url", "/v1/customers/" + c.id() + "/payment_methods");
      ArrayNode data = list.putArray("data");
      if ("card".equals(params.get("type"))) {
        c.cards().stream().limit(limit).forEach(pm -> data.add(paymentMethod(pm, c.id())));
      }
      list.put("has_more", "card".equals(params.get("type")) && c.cards().size() > limit);
      return Reply.of(200, list.toString());
    }
    return Reply.of(404, error("invalid_request_error", null, null, "Unrecognized request URL (GET: /v1/customers/" + rest + ")."));
  }

  private ObjectNode paymentMethod(String id, String customer) {
    ObjectNode pm = JSON.createObjectNode().put("id", id).put("object", "payment_method").put("type", "card").put("customer", customer);
    pm.putObject("card").put("brand", "visa").put("last4", "4242").put("exp_month", 12).put("exp_year", 2030);
    return pm;
  }

  private synchronized Reply createIntent(String path, Map<String, String> params, String key, Script script) {
    if (key != null) {
      Saved saved = idempotency.get(key);
      if (saved != null) {
        if (!saved.path().equals(path) || !saved.params().equals(params)) {
          return Reply.of(400, error("idempotency_error", null, null,
              "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '"
                  + key + "' if you meant to execute a different request."));
        }
        replays++;
        return new Reply(saved.status(), saved.body(), true, Map.of());
      }
    }
    // Validation failures run no endpoint, so Stripe does not save them under the key.
    Reply invalid = validate(params);
    if (invalid != null) {
      return invalid;
    }
    String id = "pi_3Fake" + sequence.incrementAndGet();
    String charge = "ch_3Fake" + sequence.incrementAndGet();
    ObjectNode pi = JSON.createObjectNode()
        .put("id", id).put("object", "payment_intent")
        .put("amount", Long.parseLong(params.get("amount"))).put("currency", params.get("currency"))
        .put("customer", params.get("customer")).put("payment_method", params.get("payment_method"))
        .put("capture_method", "automatic").put("confirmation_method", "automatic")
        .put("created", 1_700_000_000L).put("livemode", false);
    ObjectNode metadata = pi.putObject("metadata");
    params.forEach((k, v) -> {
      if (k.startsWith("metadata[") && k.endsWith("]")) {
        metadata.put(k.substring("metadata[".length(), k.length() - 1), v);
      }
    });
    int status;
    String body;
    if (script instanceof Decline d) {
      pi.put("status", "requires_payment_method").put("amount_received", 0).put("latest_charge", charge);
      ObjectNode lastError = cardError("card_declined", d.declineCode(), d.message(), charge);
      pi.set("last_payment_error", lastError);
      status = 402;
      body = errorBody(cardError("card_declined", d.declineCode(), d.message(), charge).set("payment_intent", pi));
    } else if (script instanceof AuthenticationRequired) {
      String message = "Your card was declined. This transaction requires authentication.";
      pi.put("status", "requires_payment_method").put("amount_received", 0).put("latest_charge", charge);
      pi.set("last_payment_error", cardError("authentication_required", "authentication_required", message, charge));
      status = 402;
      body = errorBody(cardError("authentication_required", "authentication_required", message, charge).set("payment_intent", pi));
    } else if (script instanceof Processing) {
      pi.put("status", "processing").put("amount_received", 0).put("latest_charge", charge).putNull("last_payment_error");
      status = 200;
      body = pi.toString();
    } else {
      pi.put("status", "succeeded").put("amount_received", pi.get("amount").asLong()).put("latest_charge", charge)
          .putNull("last_payment_error");
      status = 200;
      body = pi.toString();
    }
    intents.add(pi);
    if (key != null) {
      idempotency.put(key, new Saved(path, params, status, body));
    }
    return Reply.of(status, body);
  }

  private Reply validate(Map<String, String> params) {
    for (String required : List.of("amount", "currency")) {
      if (!params.containsKey(required)) {
        return Reply.of(400, error("invalid_request_error", "parameter_missing", null, "Missing required param: " + required + ".", required));
      }
    }
    if (!params.get("amount").matches("[1-9][0-9]{0,7}")) {
      return Reply.of(400, error("invalid_request_error", "parameter_invalid_integer", null, "Invalid integer: " + params.get("amount"), "amount"));
    }
    if (!params.get("currency").matches("[a-z]{3}")) {
      return Reply.of(400, error("invalid_request_error", "parameter_invalid_string", null, "Invalid currency: " + params.get("currency"), "currency"));
    }
    if (params.get("currency").equals("usd") && Long.parseLong(params.get("amount")) < 50) {
      return Reply.of(400, error("invalid_request_error", "amount_too_small", null, "Amount must be at least $0.50 usd", "amount"));
    }
    Customer c = customers.get(params.get("customer"));
    if (c == null || c.deleted()) {
      return Reply.of(400, error("invalid_request_error", "resource_missing", null, "No such customer: '" + params.get("customer") + "'", "customer"));
    }
    String pm = params.get("payment_method");
    if (pm == null || !(pm.equals(c.defaultPaymentMethod()) || c.cards().contains(pm))) {
      return Reply.of(400, error("invalid_request_error", "resource_missing", null, "No such PaymentMethod: '" + pm + "'", "payment_method"));
    }
    if ("true".equals(params.get("off_session")) && !"true".equals(params.get("confirm"))) {
      return Reply.of(400, error("invalid_request_error", "parameter_invalid_empty", null,
          "You can only pass in `off_session` when `confirm` is true.", "off_session"));
    }
    return null;
  }

  /** Writes the reply as the script says the wire behaves after execution. */
  private void deliver(HttpExchange exchange, Reply reply, Script script) throws IOException, InterruptedException {
    if (script instanceof HoldAfterCharge hold) {
      // The charge is saved; the client gives up meanwhile. Bounded so a broken test cannot hang.
      hold.release().await(10, TimeUnit.SECONDS);
      try {
        write(exchange, reply);
      } catch (IOException clientGone) {
        // Expected: the client timed out and closed the connection.
      }
    } else if (script instanceof BadJson) {
      write(exchange, new Reply(200, "{\"id\": \"pi_3Fake\", \"object\": \"payment_intent\", \"status\": \"succ", false, Map.of()));
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
    exchange.getResponseHeaders().set("Stripe-Version", "2024-06-20");
    if (reply.replayed()) {
      exchange.getResponseHeaders().set("Idempotent-Replayed", "true");
    }
    reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    exchange.sendResponseHeaders(reply.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static ObjectNode cardError(String code, String declineCode, String message, String charge) {
    ObjectNode e = JSON.createObjectNode().put("type", "card_error").put("code", code);
    if (declineCode != null) {
      e.put("decline_code", declineCode);
    }
    return e.put("message", message).put("charge", charge).put("doc_url", "https://stripe.com/docs/error-codes/" + code.replace('_', '-'));
  }

  private static String errorBody(ObjectNode error) {
    ObjectNode root = JSON.createObjectNode();
    root.set("error", error);
    return root.toString();
  }

  private static String error(String type, String code, String declineCode, String message) {
    return error(type, code, declineCode, message, null);
  }

  private static String error(String type, String code, String declineCode, String message, String param) {
    ObjectNode e = JSON.createObjectNode();
    if (code != null) {
      e.put("code", code).put("doc_url", "https://stripe.com/docs/error-codes/" + code.replace('_', '-'));
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

  /** Form and query decoding, brackets and all: {@code metadata%5Binvoice_id%5D=x} and {@code metadata[invoice_id]=x}. */
  static Map<String, String> parseForm(String encoded) {
    Map<String, String> out = new LinkedHashMap<>();
    if (encoded == null || encoded.isEmpty()) {
      return out;
    }
    for (String pair : encoded.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }

  private static String read(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  Optional<ObjectNode> intent(String id) {
    synchronized (this) {
      return intents.stream().filter(pi -> pi.path("id").asText().equals(id)).findFirst();
    }
  }
}
