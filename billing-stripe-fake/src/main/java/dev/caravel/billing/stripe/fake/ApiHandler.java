package dev.caravel.billing.stripe.fake;

import static dev.caravel.billing.stripe.fake.FakeStripe.API_KEY;
import static dev.caravel.billing.stripe.fake.FakeStripe.SCHEMA;
import static dev.caravel.billing.stripe.fake.StripeErrors.error;

import com.sun.net.httpserver.HttpExchange;
import dev.caravel.billing.stripe.fake.FakeStripe.Script;
import dev.caravel.billing.stripe.fake.FakeStripe.Seen;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fake's API over HTTP, in Stripe's order: records the request, checks the API key, finds the
 * endpoint, answers what a script answers before execution, validates the parameters against the
 * OpenAPI spec ({@link StripeSchema}), then reads, or executes inside the idempotency layer, and
 * writes the answer as the script says the wire behaves.
 */
final class ApiHandler {
  private final FakeStripe stripe;
  private final Scripts scripts;
  private final IdempotencyStore idempotency;
  private final Endpoints endpoints;

  // Guarded by the FakeStripe instance, like the rest of the fake's state.
  private final List<Seen> seen = new ArrayList<>();

  ApiHandler(
      FakeStripe stripe, Scripts scripts, IdempotencyStore idempotency, Endpoints endpoints) {
    this.stripe = stripe;
    this.scripts = scripts;
    this.idempotency = idempotency;
    this.endpoints = endpoints;
  }

  void reset() {
    synchronized (stripe) {
      seen.clear();
    }
  }

  /** Every request so far, oldest first. */
  List<Seen> requests() {
    synchronized (stripe) {
      return List.copyOf(seen);
    }
  }

  List<Seen> chargeRequests() {
    synchronized (stripe) {
      return seen.stream()
          .filter(s -> s.method().equals("POST") && s.path().equals("/v1/payment_intents"))
          .toList();
    }
  }

  void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getRawPath();
      String query = exchange.getRequestURI().getRawQuery();
      String body = read(exchange.getRequestBody());
      Map<String, String> headers = new HashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
      Map<String, String> params = FormParams.parse(method.equals("POST") ? body : query);
      synchronized (stripe) {
        seen.add(new Seen(method, path, query, params, headers));
      }

      Reply auth = authenticate(headers.get("authorization"));
      if (auth != null) {
        write(exchange, auth);
        return;
      }
      Optional<String> endpoint = Endpoints.endpoint(method, path);
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
      Script script = scripts.next(method, isCharge);
      Reply early = Scripts.beforeExecution(script);
      if (early != null) {
        write(exchange, early);
        return;
      }
      // Stripe validates parameters before anything else; nothing is saved for a refused request.
      Optional<StripeSchema.Violation> invalid =
          method.equals("GET") ? SCHEMA.validateQuery(ep, params) : SCHEMA.validateBody(ep, params);
      if (invalid.isPresent()) {
        StripeSchema.Violation v = invalid.get();
        write(exchange, StripeErrors.invalidRequest(v.code(), v.message(), v.param()));
        return;
      }
      if (method.equals("GET")) {
        write(exchange, Scripts.afterRead(endpoints.read(ep, path, params), script));
        return;
      }
      String key = headers.get("idempotency-key");
      Reply reply =
          idempotency.run(ep, params, key, () -> endpoints.execute(ep, path, params, script));
      Scripts.deliver(exchange, reply, script, this::write);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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

  private void write(HttpExchange exchange, Reply reply) throws IOException {
    byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("Request-Id", "req_Fake" + stripe.nextNumber());
    exchange.getResponseHeaders().set("Stripe-Version", FakeStripe.API_VERSION);
    if (reply.replayed()) {
      exchange.getResponseHeaders().set("Idempotent-Replayed", "true");
    }
    reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    exchange.sendResponseHeaders(reply.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String read(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }
}
