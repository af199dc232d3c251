package dev.caravel.billing.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.InvalidInputException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saving a tenant's card with Stripe Checkout, for the tenant's page. Get it from {@link
 * StripeGateway#cards()}. Thread-safe. Three calls:
 *
 * <ol>
 *   <li>{@link #startSetup}: the page's "save a card" POST opens a Checkout Session in {@code
 *       setup} mode for the tenant's customer and answers 303 to its {@link CardSetupSession#url}.
 *   <li>{@link #completeSetup}: Stripe's {@code checkout.session.completed} webhook (wire {@link
 *       StripeWebhooks.Builder#cards}) makes the saved card the customer's {@code
 *       invoice_settings.default_payment_method}, which {@link StripeGateway#savedPaymentMethod}
 *       picks first, so the next round charges it. A card it replaces is detached. The page the
 *       tenant comes back to may apply the same session at once with {@link #completeSetup(String,
 *       String)}, rather than wait for the webhook; whichever comes second changes nothing.
 *   <li>{@link #removeCards}: the page's "remove card" POST detaches the customer's cards and
 *       clears the default, so no round charges a card.
 * </ol>
 *
 * <pre>{@code
 * StripeCards cards = gateway.cards();
 * CardSetupSession session = cards.startSetup(new CardSetupRequest(
 *     customerId, pageUrl + "?card=saved", pageUrl, formId));
 * // respond 303 See Other, Location: session.url()
 * }</pre>
 */
public final class StripeCards {
  /** The session metadata key that marks a Checkout Session as this library's card setup. */
  static final String PURPOSE_KEY = "caravel_purpose";

  static final String PURPOSE = "save_card";
  private static final int LIST_LIMIT = 100;
  private static final int MAX_LIST_PAGES = 10;
  private static final Logger log = LoggerFactory.getLogger(StripeCards.class);

  private final StripeCalls calls;

  StripeCards(StripeCalls calls) {
    this.calls = calls;
  }

  /**
   * Opens a Checkout Session in {@code setup} mode for the customer, for cards only ({@code
   * payment_method_types[0]=card}: the rail charges cards off-session, and listing the type is what
   * Stripe requires of a setup session that names no {@code currency}). Sent under the key {@code
   * caravel-card-setup-{attemptKey}}: sending the same attempt again answers the same session.
   *
   * @throws StripeRequestException Stripe refused the request (no such customer, say)
   * @throws StripeConfigurationException Stripe refused the API key
   * @throws StripeIdempotencyException the attempt key was used before with other parameters
   * @throws StripeException no answer, or a transient one, after the retries: try again
   */
  public CardSetupSession startSetup(CardSetupRequest request) {
    Objects.requireNonNull(request, "request");
    String customer = request.customerId();
    Map<String, String> form = new LinkedHashMap<>();
    form.put("mode", "setup");
    form.put("customer", customer);
    form.put("payment_method_types[0]", "card");
    form.put("success_url", request.successUrl());
    form.put("cancel_url", request.cancelUrl());
    form.put("metadata[" + PURPOSE_KEY + "]", PURPOSE);
    String what = "open a card setup for customer " + customer;
    StripeHttp.Response response =
        calls.write(
            "/v1/checkout/sessions", form, "caravel-card-setup-" + request.attemptKey(), what);
    if (!response.ok()) {
      throw refusal(response, what);
    }
    JsonNode session = body(response, what);
    String id = required(session, "id", what);
    URI url = URI.create(required(session, "url", what));
    Instant expiresAt = Instant.ofEpochSecond(session.path("expires_at").asLong(0));
    log.info("opened card setup {} for customer {}", id, customer);
    return new CardSetupSession(id, url, expiresAt);
  }

  /**
   * Applies a completed card setup: reads its SetupIntent (with its PaymentMethod), and makes that
   * card the customer's default for off-session charges, then detaches the card it replaces. Safe
   * to call again for the same event, or late: a card that was removed since, or that a newer card
   * replaced since (by the PaymentMethods' creation times), never becomes the default again ({@link
   * CardSetupOutcome.Superseded}). Sessions of another mode, or not opened by {@link #startSetup},
   * are {@link CardSetupOutcome.Ignored}.
   *
   * @throws StripeException Stripe could not be read or written (the webhook answers an error, and
   *     Stripe delivers the event again)
   */
  public CardSetupOutcome completeSetup(StripeEvent.CheckoutSessionCompleted event) {
    Objects.requireNonNull(event, "event");
    if (!"setup".equals(event.mode())) {
      return new CardSetupOutcome.Ignored("a " + event.mode() + " session, not a card setup");
    }
    if (!event.purpose().filter(PURPOSE::equals).isPresent()) {
      return new CardSetupOutcome.Ignored("a setup session this library did not open");
    }
    if (!"complete".equals(event.status())) {
      return new CardSetupOutcome.Ignored("the session is " + event.status() + ", not complete");
    }
    if (event.customerId().isEmpty() || event.setupIntentId().isEmpty()) {
      return new CardSetupOutcome.Ignored("the session names no customer or no SetupIntent");
    }
    return makeDefault(event.customerId().get(), event.setupIntentId().get());
  }

  /**
   * {@link #completeSetup(StripeEvent.CheckoutSessionCompleted)} for the page the tenant comes back
   * to ({@code success_url} with {@code {CHECKOUT_SESSION_ID}}), so the page need not wait for the
   * webhook: reads the session from Stripe and applies it. The session id comes from the browser,
   * so it is applied only if it is this library's card setup for {@code customerId}, the tenant's
   * own customer; otherwise {@link CardSetupOutcome.Ignored}. Applying a session both here and by
   * its webhook is safe: the second finds the card already the default.
   *
   * @throws InvalidInputException an id is not a Stripe id
   * @throws StripeException Stripe could not be read or written: call again
   */
  public CardSetupOutcome completeSetup(String sessionId, String customerId) {
    StripeCalls.stripeId(sessionId, "Checkout Session id");
    StripeCalls.stripeId(customerId, "customer id");
    Optional<JsonNode> found =
        calls.read("/v1/checkout/sessions/" + sessionId, "Checkout Session " + sessionId);
    if (found.isEmpty()) {
      return new CardSetupOutcome.Ignored("Stripe does not know session " + sessionId);
    }
    JsonNode session = found.get();
    if (!Json.id(session, "customer").filter(customerId::equals).isPresent()) {
      return new CardSetupOutcome.Ignored("session " + sessionId + " is not this customer's");
    }
    return completeSetup(
        new StripeEvent.CheckoutSessionCompleted(
            "(read " + sessionId + ")",
            Optional.empty(),
            sessionId,
            Json.text(session, "mode").orElse(""),
            Json.text(session, "status").orElse(""),
            Json.id(session, "customer"),
            Json.id(session, "setup_intent"),
            Json.text(session.path("metadata"), PURPOSE_KEY),
            session.path("livemode").asBoolean(false)));
  }

  private CardSetupOutcome makeDefault(String customer, String setupIntent) {
    StripeCalls.stripeId(customer, "customer id");
    StripeCalls.stripeId(setupIntent, "SetupIntent id");
    JsonNode intent =
        calls
            .read(
                "/v1/setup_intents/" + setupIntent + "?expand%5B%5D=payment_method",
                "SetupIntent " + setupIntent)
            .orElseThrow(
                () ->
                    new StripeException(
                        "Stripe does not know SetupIntent " + setupIntent, 404, null, null, null));
    String status = Json.text(intent, "status").orElse("");
    Optional<String> card = Json.id(intent, "payment_method");
    if (!status.equals("succeeded") || card.isEmpty()) {
      return new CardSetupOutcome.Ignored(
          "SetupIntent " + setupIntent + " is " + status + ": it saved no card");
    }
    String pm = card.get();
    StripeCalls.stripeId(pm, "PaymentMethod id");
    JsonNode method = intent.path("payment_method");
    if (!Json.id(method, "customer").filter(customer::equals).isPresent()) {
      return superseded(customer, pm, "the card was removed from the customer since");
    }

    Optional<JsonNode> found =
        calls.read(
            "/v1/customers/" + customer + "?expand%5B%5D=invoice_settings.default_payment_method",
            "customer " + customer);
    if (found.isEmpty() || found.get().path("deleted").asBoolean(false)) {
      return new CardSetupOutcome.Ignored("customer " + customer + " is gone");
    }
    JsonNode settings = found.get().path("invoice_settings");
    Optional<String> current = Json.id(settings, "default_payment_method");
    if (current.filter(pm::equals).isPresent()) {
      return new CardSetupOutcome.DefaultSet(customer, pm, Optional.empty(), true);
    }
    JsonNode currentMethod = settings.path("default_payment_method");
    boolean currentAttached =
        Json.id(currentMethod, "customer").filter(customer::equals).isPresent();
    long created = method.path("created").asLong(0);
    if (currentAttached && currentMethod.path("created").asLong(0) > created) {
      return superseded(customer, pm, "a newer card (" + current.get() + ") was saved since");
    }
    // Also a newer card whose own setup is not applied yet, so two setups applied at once (two
    // instances, two webhooks) agree on the newest. What is left is a newer setup completed and
    // applied wholly between this check and the write below.
    Optional<String> newer =
        cards(customer).stream()
            .filter(c -> c.path("created").asLong(0) > created)
            .map(c -> c.path("id").asText())
            .findFirst();
    if (newer.isPresent()) {
      return superseded(customer, pm, "a newer card (" + newer.get() + ") was saved since");
    }

    Map<String, String> form = new LinkedHashMap<>();
    form.put("invoice_settings[default_payment_method]", pm);
    String what = "make " + pm + " the default card of customer " + customer;
    StripeHttp.Response response =
        calls.write("/v1/customers/" + customer, form, "caravel-card-default-" + setupIntent, what);
    if (!response.ok()) {
      throw refusal(response, what);
    }
    // The replaced card goes, so removing "the card" later leaves none for the fallback to find.
    // Only a card still attached: a detached one is gone already, and another kind of payment
    // method (a bank debit the host set up) is not this page's to remove.
    Optional<String> replaced =
        current.filter(
            id -> currentAttached && "card".equals(Json.text(currentMethod, "type").orElse("")));
    replaced.ifPresent(this::detach);
    log.info(
        "card {} is now the default of customer {}{}",
        pm,
        customer,
        replaced.map(r -> " (replaced " + r + ")").orElse(""));
    return new CardSetupOutcome.DefaultSet(customer, pm, replaced, false);
  }

  /**
   * Removes the customer's cards: detaches every card PaymentMethod attached to them, then clears
   * their {@code invoice_settings.default_payment_method} (in that order, so a call cut short is
   * finished by calling again). Afterwards {@link StripeGateway#savedPaymentMethod} finds no card,
   * unless the customer holds a legacy card source ({@link CardsRemoved#legacySource}). A customer
   * Stripe does not know has nothing to remove.
   *
   * @throws InvalidInputException the customer id is not a Stripe id
   * @throws StripeException Stripe could not be read or written: call again
   */
  public CardsRemoved removeCards(String customerId) {
    StripeCalls.stripeId(customerId, "customer id");
    Optional<JsonNode> found = calls.read("/v1/customers/" + customerId, "customer " + customerId);
    if (found.isEmpty() || found.get().path("deleted").asBoolean(false)) {
      return new CardsRemoved(customerId, List.of(), Optional.empty());
    }
    List<String> detached = new ArrayList<>();
    for (String card : cards(customerId).stream().map(c -> c.path("id").asText()).toList()) {
      if (detach(card)) {
        detached.add(card);
      }
    }
    Optional<String> current =
        Json.id(found.get().path("invoice_settings"), "default_payment_method");
    if (current.isPresent()) {
      Map<String, String> form = new LinkedHashMap<>();
      // Stripe unsets a field sent empty.
      form.put("invoice_settings[default_payment_method]", "");
      String what = "clear the default card of customer " + customerId;
      StripeHttp.Response response =
          calls.write(
              "/v1/customers/" + customerId,
              form,
              "caravel-card-clear-" + customerId + "-" + current.get(),
              what);
      if (!response.ok()) {
        throw refusal(response, what);
      }
    }
    Optional<String> legacy =
        Json.id(found.get(), "default_source")
            .filter(id -> id.startsWith("card_") || id.startsWith("src_"));
    log.info("removed the cards of customer {}: detached {}", customerId, detached);
    return new CardsRemoved(customerId, detached, legacy);
  }

  /** The customer's card PaymentMethods, newest first, every page. */
  private List<JsonNode> cards(String customerId) {
    List<JsonNode> cards = new ArrayList<>();
    String startingAfter = null;
    for (int page = 0; page < MAX_LIST_PAGES; page++) {
      JsonNode list =
          calls
              .read(
                  "/v1/customers/"
                      + customerId
                      + "/payment_methods?type=card&limit="
                      + LIST_LIMIT
                      + (startingAfter == null ? "" : "&starting_after=" + startingAfter),
                  "cards of " + customerId)
              .orElse(null);
      JsonNode data = list == null ? null : list.path("data");
      if (data == null || !data.isArray() || data.size() == 0) {
        return cards;
      }
      for (JsonNode card : data) {
        if (Json.text(card, "id").isPresent()) {
          cards.add(card);
        }
      }
      if (!list.path("has_more").asBoolean(false)) {
        return cards;
      }
      startingAfter = Json.text(cards.get(cards.size() - 1), "id").orElseThrow();
      StripeCalls.stripeId(startingAfter, "PaymentMethod id");
    }
    throw new StripeException(
        "customer " + customerId + " has more than " + (MAX_LIST_PAGES * LIST_LIMIT) + " cards",
        200,
        null,
        null,
        null);
  }

  /**
   * Detaches a card from its customer. False when Stripe refuses because it is not attached (any
   * more): the aim, a card nobody can charge, holds either way.
   */
  private boolean detach(String paymentMethod) {
    StripeCalls.stripeId(paymentMethod, "PaymentMethod id");
    String what = "detach " + paymentMethod;
    StripeHttp.Response response =
        calls.write(
            "/v1/payment_methods/" + paymentMethod + "/detach",
            Map.of(),
            "caravel-card-detach-" + paymentMethod,
            what);
    if (response.ok()) {
      return true;
    }
    StripeError e = StripeCalls.failure(response, what);
    if (StripeErrorKind.classify(response.status(), e.type()) == StripeErrorKind.INVALID_REQUEST) {
      log.info("{} was not attached any more: {}", paymentMethod, e.label());
      return false;
    }
    throw refusal(response, what);
  }

  private static CardSetupOutcome superseded(String customer, String pm, String why) {
    log.info("card {} of customer {} left as it is: {}", pm, customer, why);
    return new CardSetupOutcome.Superseded(customer, pm, why);
  }

  /** The exception for a write Stripe answered with an error. */
  private static StripeException refusal(StripeHttp.Response response, String what) {
    StripeError e = StripeCalls.failure(response, what);
    if (StripeErrorKind.classify(response.status(), e.type()) == StripeErrorKind.IDEMPOTENCY) {
      return new StripeIdempotencyException(
          "Stripe refused to "
              + what
              + ": its idempotency key was first used with other parameters"
              + StripeCalls.requestIdNote(response),
          response.status(),
          e.type(),
          e.code().orElse(null),
          response.requestId().orElse(null));
    }
    return StripeCalls.requestError("Stripe refused to " + what, response, e);
  }

  private static JsonNode body(StripeHttp.Response response, String what) {
    return Json.parse(response.body())
        .orElseThrow(
            () ->
                new StripeException(
                    "Stripe answered the call to "
                        + what
                        + " with a body that is not JSON"
                        + StripeCalls.requestIdNote(response),
                    response.status(),
                    null,
                    null,
                    response.requestId().orElse(null)));
  }

  private static String required(JsonNode node, String field, String what) {
    return Json.text(node, field)
        .orElseThrow(
            () ->
                new StripeException(
                    "Stripe's answer to the call to " + what + " has no " + field,
                    200,
                    null,
                    null,
                    null));
  }

  @Override
  public String toString() {
    return "StripeCards";
  }
}
