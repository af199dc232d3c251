package dev.caravel.billing.stripe.fake;

import static dev.caravel.billing.stripe.fake.FakeStripe.JSON;
import static dev.caravel.billing.stripe.fake.StripeErrors.missing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.caravel.billing.stripe.fake.FakeStripe.Customer;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The part of {@link FakeStripe} that saves cards: Checkout Sessions (create, retrieve),
 * SetupIntents (retrieve), customer updates (the invoice default), PaymentMethod detach, and
 * Stripe's hosted Checkout page for a setup session.
 *
 * <p>The page ({@code GET /c/pay/{session}} on the fake's 127.0.0.1 port, no JavaScript, served by
 * {@code CheckoutPage}) shows one form with a "Save card" button. Submitting it completes the
 * session as Stripe does: a SetupIntent that succeeded and a new card PaymentMethod attached to the
 * session's customer; it then sends the signed {@code checkout.session.completed} event to the
 * configured webhook endpoint ({@code WebhookSender}, before answering, so a test sees its effect
 * at once) and answers 303 to the session's {@code success_url}, its {@code {CHECKOUT_SESSION_ID}}
 * replaced.
 *
 * <p>What the fake holds about Stripe's rules: a setup session needs {@code payment_method_types}
 * or {@code currency} (API 2024-06-20) and takes no {@code line_items}; its customer must exist; a
 * default payment method must be attached to the customer; detaching leaves the customer's {@code
 * invoice_settings.default_payment_method} pointing at the detached card, as Stripe does, and a
 * detached card can never be charged or attached again.
 */
public final class FakeCheckout {
  static final String PAGE_PATH = "/c/pay/";

  /** A card the fake knows: {@code customer} is null once it is detached. */
  private record Card(String id, String customer, long created) {}

  private static final long SEEDED_CARDS_CREATED = 1_600_000_000L;

  private final FakeStripe stripe;
  private final FakeCustomers customers;
  private final WebhookSender webhookSender;
  private final CheckoutPage page;

  // Guarded by the FakeStripe instance, like the rest of the fake's state.
  private final Map<String, ObjectNode> sessions = new LinkedHashMap<>();
  private final Map<String, ObjectNode> setupIntents = new HashMap<>();
  private final Map<String, Card> cards = new HashMap<>();
  private final Set<String> detached = new HashSet<>();

  FakeCheckout(FakeStripe stripe, FakeCustomers customers) {
    this.stripe = stripe;
    this.customers = customers;
    this.webhookSender = new WebhookSender(stripe);
    this.page = new CheckoutPage(this, webhookSender);
  }

  void reset() {
    synchronized (stripe) {
      sessions.clear();
      setupIntents.clear();
      cards.clear();
      detached.clear();
      webhookSender.reset();
    }
  }

  /** Where completed sessions' events go, signed with {@code secret} as Stripe signs them. */
  public FakeCheckout webhooks(URI endpoint, String secret) {
    webhookSender.configure(endpoint, secret);
    return this;
  }

  /** Every delivery so far, oldest first. */
  List<WebhookSender.Delivery> deliveries() {
    return webhookSender.deliveries();
  }

  /** Ids of the events sent, oldest first. */
  public List<String> events() {
    return webhookSender.events();
  }

  /** Sends an event again, as Stripe redelivers one it had no 2xx for (or just twice). */
  public int redeliver(String eventId) {
    return webhookSender.redeliver(eventId);
  }

  /** Sends an event signed with another secret: what a forger without the secret can do. */
  public int deliver(String eventId, String secret) {
    return webhookSender.deliver(eventId, secret);
  }

  /** The session as the API shows it. */
  public Optional<ObjectNode> session(String id) {
    synchronized (stripe) {
      return Optional.ofNullable(sessions.get(id)).map(ObjectNode::deepCopy);
    }
  }

  /**
   * The hosted Checkout page of a session, as its {@code url} names it: a plain HTML form (no
   * JavaScript) whose POST saves a card, sends {@code checkout.session.completed} to the webhook
   * endpoint and answers 303 to the session's {@code success_url}.
   */
  public URI hostedPage(String sessionId) {
    return URI.create(stripe.uri() + PAGE_PATH + sessionId);
  }

  /** Ids of the sessions created, oldest first. */
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

  /** Stripe's hosted Checkout page: {@code CheckoutPage}. */
  void servePage(HttpExchange exchange) throws IOException {
    page.serve(exchange);
  }

  /**
   * Completes an open session (a SetupIntent that succeeded, a new card attached to the customer)
   * and answers its event's id; empty if it was complete already (a second submit).
   */
  Optional<String> complete(String id) {
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
      webhookSender.record(eventId, event.toString());
      return Optional.of(eventId);
    }
  }
}
