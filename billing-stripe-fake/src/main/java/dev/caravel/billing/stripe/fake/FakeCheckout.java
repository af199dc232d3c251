package dev.caravel.billing.stripe.fake;

import static dev.caravel.billing.stripe.fake.FakeStripe.JSON;
import static dev.caravel.billing.stripe.fake.StripeErrors.missing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.caravel.billing.stripe.fake.FakeStripe.Customer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The part of {@link FakeStripe} that saves cards: Checkout Sessions (create, retrieve),
 * SetupIntents (retrieve), customer updates (the invoice default), PaymentMethod detach, and
 * Stripe's hosted Checkout page for a setup session.
 *
 * <p>The page ({@code GET /c/pay/{session}} on the fake's 127.0.0.1 port, no JavaScript) shows one
 * form with a "Save card" button. Submitting it completes the session as Stripe does: a SetupIntent
 * that succeeded and a new card PaymentMethod attached to the session's customer; it then sends the
 * signed {@code checkout.session.completed} event to the configured webhook endpoint (before
 * answering, so a test sees its effect at once) and answers 303 to the session's {@code
 * success_url}, its {@code {CHECKOUT_SESSION_ID}} replaced.
 *
 * <p>What the fake holds about Stripe's rules: a setup session needs {@code payment_method_types}
 * or {@code currency} (API 2024-06-20) and takes no {@code line_items}; its customer must exist; a
 * default payment method must be attached to the customer; detaching leaves the customer's {@code
 * invoice_settings.default_payment_method} pointing at the detached card, as Stripe does, and a
 * detached card can never be charged or attached again.
 */
public final class FakeCheckout {
  static final String PAGE_PATH = "/c/pay/";

  /**
   * Stripe's own placeholder in a {@code success_url}, replaced by the session's id on the way back
   * from the hosted page. Spelled out here rather than taken from billing-stripe, which the fake
   * must not depend on (billing-stripe's tests depend on the fake).
   */
  static final String SESSION_ID_TEMPLATE = "{CHECKOUT_SESSION_ID}";

  /** One webhook delivery and what the endpoint answered (-1: no answer). */
  record Delivery(String eventId, String type, int status) {}

  /** A card the fake knows: {@code customer} is null once it is detached. */
  private record Card(String id, String customer, long created) {}

  private static final long SEEDED_CARDS_CREATED = 1_600_000_000L;
  private static final HttpClient WEBHOOK_CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private final FakeStripe stripe;
  private final FakeCustomers customers;

  // Guarded by the FakeStripe instance, like the rest of the fake's state.
  private final Map<String, ObjectNode> sessions = new LinkedHashMap<>();
  private final Map<String, ObjectNode> setupIntents = new HashMap<>();
  private final Map<String, Card> cards = new HashMap<>();
  private final Set<String> detached = new HashSet<>();
  private final Map<String, String> events = new LinkedHashMap<>();
  private final List<Delivery> deliveries = new ArrayList<>();
  private URI webhookEndpoint;
  private String webhookSecret;

  FakeCheckout(FakeStripe stripe, FakeCustomers customers) {
    this.stripe = stripe;
    this.customers = customers;
  }

  void reset() {
    synchronized (stripe) {
      sessions.clear();
      setupIntents.clear();
      cards.clear();
      detached.clear();
      events.clear();
      deliveries.clear();
      webhookEndpoint = null;
      webhookSecret = null;
    }
  }

  /** Where completed sessions' events go, signed with {@code secret} as Stripe signs them. */
  public FakeCheckout webhooks(URI endpoint, String secret) {
    synchronized (stripe) {
      this.webhookEndpoint = endpoint;
      this.webhookSecret = secret;
    }
    return this;
  }

  /** Every delivery so far, oldest first. */
  List<Delivery> deliveries() {
    synchronized (stripe) {
      return List.copyOf(deliveries);
    }
  }

  /** Ids of the events sent, oldest first. */
  public List<String> events() {
    synchronized (stripe) {
      return List.copyOf(events.keySet());
    }
  }

  /** Sends an event again, as Stripe redelivers one it had no 2xx for (or just twice). */
  public int redeliver(String eventId) {
    String secret;
    synchronized (stripe) {
      secret = webhookSecret;
    }
    return deliver(eventId, secret);
  }

  /** Sends an event signed with another secret: what a forger without the secret can do. */
  public int deliver(String eventId, String secret) {
    String payload;
    URI endpoint;
    synchronized (stripe) {
      payload = events.get(eventId);
      endpoint = webhookEndpoint;
    }
    if (payload == null || endpoint == null) {
      throw new IllegalStateException("no event " + eventId + " or no webhook endpoint");
    }
    return send(eventId, "checkout.session.completed", payload, endpoint, secret);
  }

  /** The session as the API shows it. */
  public Optional<ObjectNode> session(String id) {
    synchronized (stripe) {
      return Optional.ofNullable(sessions.get(id)).map(ObjectNode::deepCopy);
    }
  }

  /** Ids of the sessions created, oldest first. */
  /**
   * The hosted Checkout page of a session, as its {@code url} names it: a plain HTML form (no
   * JavaScript) whose POST saves a card, sends {@code checkout.session.completed} to the webhook
   * endpoint and answers 303 to the session's {@code success_url}.
   */
  public URI hostedPage(String sessionId) {
    return URI.create(stripe.uri() + PAGE_PATH + sessionId);
  }

  public List<String> sessions() {
    synchronized (stripe) {
      return List.copyOf(sessions.keySet());
    }
  }

  public boolean wasDetached(String paymentMethod) {
    synchronized (stripe) {
      return detached.contains(paymentMethod);
    }
  }

  // ---- the API ----

  Reply createSession(Map<String, String> params) {
    synchronized (stripe) {
      String mode = params.get("mode");
      if (mode == null) {
        return StripeErrors.invalidRequest(
            "parameter_missing", "Missing required param: mode.", "mode");
      }
      if (!mode.equals("setup")) {
        throw new IllegalStateException("the fake models setup-mode sessions only, got " + mode);
      }
      if (params.keySet().stream().anyMatch(k -> k.startsWith("line_items"))) {
        return StripeErrors.invalidRequest(
            null, "You can not pass `line_items` in `setup` mode.", "line_items");
      }
      if (!params.containsKey("payment_method_types[0]") && !params.containsKey("currency")) {
        return StripeErrors.invalidRequest(
            "parameter_missing",
            "Missing required param: currency. `currency` is required in `setup` mode when"
                + " `payment_method_types` is not set.",
            "currency");
      }
      String customer = params.get("customer");
      if (customer == null) {
        throw new IllegalStateException("the fake models sessions for an existing customer only");
      }
      if (customers.find(customer).filter(c -> !c.deleted()).isEmpty()) {
        return StripeErrors.invalidRequest(
            "resource_missing", "No such customer: '" + customer + "'", "customer");
      }
      String id = "cs_test_Fake" + stripe.nextNumber();
      long now = Instant.now().getEpochSecond();
      ObjectNode session =
          JSON.createObjectNode()
              .put("id", id)
              .put("object", "checkout.session")
              .put("mode", "setup")
              .put("status", "open")
              .put("customer", customer)
              .put("success_url", params.get("success_url"))
              .put("cancel_url", params.get("cancel_url"))
              .putNull("setup_intent")
              .putNull("payment_intent")
              .put("created", now)
              .put("expires_at", now + 24 * 3600)
              .put("livemode", false)
              .put("url", hostedPage(id).toString());
      if (params.containsKey("currency")) {
        session.put("currency", params.get("currency"));
      } else {
        session.putNull("currency");
      }
      session.putArray("payment_method_types").add("card");
      FormParams.putMetadata(session, params);
      sessions.put(id, session);
      return Reply.of(200, session.toString());
    }
  }

  Reply retrieveSession(String id) {
    synchronized (stripe) {
      ObjectNode session = sessions.get(id);
      return session == null
          ? missing("checkout.session", id, "session")
          : Reply.of(200, session.toString());
    }
  }

  Reply retrieveSetupIntent(String id, boolean expandPaymentMethod) {
    synchronized (stripe) {
      ObjectNode intent = setupIntents.get(id);
      if (intent == null) {
        return missing("setup_intent", id, "intent");
      }
      ObjectNode out = intent.deepCopy();
      if (expandPaymentMethod) {
        out.set("payment_method", paymentMethod(intent.path("payment_method").asText()));
      }
      return Reply.of(200, out.toString());
    }
  }

  Reply updateCustomer(String id, Map<String, String> params) {
    synchronized (stripe) {
      Optional<Customer> found = customers.find(id).filter(c -> !c.deleted());
      if (found.isEmpty()) {
        return missing("customer", id, "id");
      }
      for (String key : params.keySet()) {
        if (!key.equals("invoice_settings[default_payment_method]")) {
          throw new IllegalStateException("the fake does not model customer update of " + key);
        }
      }
      Customer customer = found.get();
      String pm = params.get("invoice_settings[default_payment_method]");
      if (pm != null && pm.isEmpty()) {
        customer = customer.withDefault(null);
      } else if (pm != null) {
        if (!customer.cards().contains(pm) || detached.contains(pm)) {
          return StripeErrors.invalidRequest(
              "resource_missing",
              "The customer does not have a payment method with the ID "
                  + pm
                  + ". The payment method must be attached to the customer.",
              "invoice_settings[default_payment_method]");
        }
        customer = customer.withDefault(pm);
      }
      customers.put(customer);
      return customers.read(id, Map.of());
    }
  }

  Reply detach(String paymentMethod) {
    synchronized (stripe) {
      if (detached.contains(paymentMethod)) {
        return StripeErrors.invalidRequest(
            null,
            "The payment method you provided is not attached to a customer so detachment is"
                + " impossible.",
            null);
      }
      Optional<Customer> holder = holder(paymentMethod);
      if (holder.isEmpty()) {
        return missing("payment_method", paymentMethod, "payment_method");
      }
      ObjectNode before = paymentMethod(paymentMethod);
      Customer customer = holder.get();
      List<String> left = new ArrayList<>(customer.cards());
      left.remove(paymentMethod);
      // Stripe leaves invoice_settings.default_payment_method as it was: clearing it is the
      // caller's job.
      customers.put(customer.withCards(left));
      detached.add(paymentMethod);
      Card card = cards.get(paymentMethod);
      long created = card == null ? SEEDED_CARDS_CREATED : card.created();
      cards.put(paymentMethod, new Card(paymentMethod, null, created));
      return Reply.of(200, before.putNull("customer").toString());
    }
  }

  /** A card PaymentMethod as the API shows it (attached or detached). */
  ObjectNode paymentMethod(String id) {
    synchronized (stripe) {
      Card card = cards.get(id);
      if (card != null) {
        return cardObject(id, card.customer(), card.created());
      }
      String customer = holder(id).map(Customer::id).orElse(null);
      return cardObject(id, customer, SEEDED_CARDS_CREATED);
    }
  }

  private Optional<Customer> holder(String paymentMethod) {
    if (detached.contains(paymentMethod)) {
      return Optional.empty();
    }
    Card card = cards.get(paymentMethod);
    if (card != null) {
      return customers.find(card.customer());
    }
    return customers.holderOf(paymentMethod);
  }

  /** Card details for a PaymentMethod the fake holds. */
  private static ObjectNode cardObject(String id, String customer, long created) {
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

  // ---- the hosted page ----

  void servePage(HttpExchange exchange) throws IOException {
    try (exchange) {
      String id = exchange.getRequestURI().getRawPath().substring(PAGE_PATH.length());
      exchange.getRequestBody().readAllBytes();
      Optional<ObjectNode> session = session(id);
      if (session.isEmpty()) {
        html(exchange, 404, page("Not found", "<p>This checkout page does not exist.</p>"));
        return;
      }
      switch (exchange.getRequestMethod()) {
        case "GET" -> html(exchange, 200, form(session.get()));
        case "POST" -> {
          Optional<String> event = complete(id);
          event.ifPresent(this::sendNew);
          String success =
              session.get().path("success_url").asText().replace(SESSION_ID_TEMPLATE, id);
          exchange.getResponseHeaders().set("Location", success);
          exchange.sendResponseHeaders(303, -1);
        }
        default -> {
          exchange.getResponseHeaders().set("Allow", "GET, POST");
          exchange.sendResponseHeaders(405, -1);
        }
      }
    }
  }

  /**
   * Completes an open session (a SetupIntent that succeeded, a new card attached to the customer)
   * and answers its event's id; empty if it was complete already (a second submit).
   */
  private Optional<String> complete(String id) {
    synchronized (stripe) {
      ObjectNode session = sessions.get(id);
      if (!"open".equals(session.path("status").asText())) {
        return Optional.empty();
      }
      String customerId = session.path("customer").asText();
      Customer customer = customers.find(customerId).orElseThrow();
      int n = stripe.nextNumber();
      String pm = "pm_Fake" + n;
      cards.put(pm, new Card(pm, customerId, 1_700_000_000L + n));
      List<String> newestFirst = new ArrayList<>();
      newestFirst.add(pm);
      newestFirst.addAll(customer.cards());
      customers.put(customer.withCards(newestFirst));
      String seti = "seti_Fake" + n;
      ObjectNode intent =
          JSON.createObjectNode()
              .put("id", seti)
              .put("object", "setup_intent")
              .put("status", "succeeded")
              .put("customer", customerId)
              .put("payment_method", pm)
              .put("usage", "off_session")
              .put("created", 1_700_000_000L + n)
              .put("livemode", false);
      intent.putArray("payment_method_types").add("card");
      setupIntents.put(seti, intent);
      session.put("status", "complete").put("setup_intent", seti);
      String eventId = "evt_Fake" + stripe.nextNumber();
      ObjectNode event =
          JSON.createObjectNode()
              .put("id", eventId)
              .put("object", "event")
              .put("api_version", FakeStripe.API_VERSION)
              .put("created", Instant.now().getEpochSecond())
              .put("livemode", false)
              .put("pending_webhooks", 1)
              .put("type", "checkout.session.completed");
      event.putObject("data").set("object", session.deepCopy());
      events.put(eventId, event.toString());
      return Optional.of(eventId);
    }
  }

  private void sendNew(String eventId) {
    String secret;
    URI endpoint;
    String payload;
    synchronized (stripe) {
      secret = webhookSecret;
      endpoint = webhookEndpoint;
      payload = events.get(eventId);
    }
    if (endpoint != null) {
      send(eventId, "checkout.session.completed", payload, endpoint, secret);
    }
  }

  /** One signed POST, outside the fake's lock: the receiver may call the fake's API meanwhile. */
  private int send(String eventId, String type, String payload, URI endpoint, String secret) {
    long t = Instant.now().getEpochSecond();
    int status;
    try {
      HttpResponse<String> response =
          WEBHOOK_CLIENT.send(
              HttpRequest.newBuilder(endpoint)
                  .timeout(Duration.ofSeconds(10))
                  .header("Content-Type", "application/json; charset=utf-8")
                  .header("Stripe-Signature", "t=" + t + ",v1=" + sign(secret, t, payload))
                  .POST(HttpRequest.BodyPublishers.ofString(payload, StandardCharsets.UTF_8))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      status = response.statusCode();
    } catch (IOException e) {
      status = -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = -1;
    }
    synchronized (stripe) {
      deliveries.add(new Delivery(eventId, type, status));
    }
    return status;
  }

  static String sign(String secret, long t, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of()
          .formatHex(mac.doFinal((t + "." + payload).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String form(ObjectNode session) {
    String id = escape(session.path("id").asText());
    if (!"open".equals(session.path("status").asText())) {
      return page(
          "Card saved",
          "<p>This card setup is complete.</p><p><a href=\""
              + escape(
                  session
                      .path("success_url")
                      .asText()
                      .replace(SESSION_ID_TEMPLATE, session.path("id").asText()))
              + "\">Return to the merchant</a></p>");
    }
    return page(
        "Save a card",
        "<p>Test card: Visa ending in 4242, expiring 12/2030.</p>"
            + "<form method=\"post\" action=\""
            + PAGE_PATH
            + id
            + "\"><button type=\"submit\">Save card</button></form>"
            + "<p><a href=\""
            + escape(session.path("cancel_url").asText())
            + "\">Cancel and go back</a></p>");
  }

  private static String page(String title, String body) {
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>"
        + title
        + " - Fake Stripe Checkout</title></head><body><main><h1>"
        + title
        + "</h1>"
        + body
        + "</main></body></html>";
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  private static void html(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
