package dev.caravel.billing.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.PaymentGateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The saved-card rail over Stripe's REST API: finds a customer's saved payment method and
 * charges it off-session with a PaymentIntent, under the caller's idempotency key, so a retry
 * after a timeout replays Stripe's saved answer instead of charging again. Thread-safe.
 *
 * <pre>{@code
 * PaymentGateway cards = StripeGateway.builder().apiKey(System.getenv("STRIPE_SECRET_KEY")).build();
 * }</pre>
 *
 * <p>The API key never appears in {@link #toString()}, log lines or exception messages.
 */
public final class StripeGateway implements PaymentGateway {
  /** The Stripe API version every request pins in the {@code Stripe-Version} header. */
  public static final String API_VERSION = "2024-06-20";
  /** Stripe's default endpoint. */
  public static final URI DEFAULT_BASE_URI = URI.create("https://api.stripe.com/");

  // Stripe's largest amount for most currencies is eight digits of minor units.
  static final long MAX_AMOUNT = 99_999_999L;
  // Stripe ids (cus_..., pm_..., card_...) are word characters; the check also keeps ids from
  // changing the request path.
  private static final Pattern STRIPE_ID = Pattern.compile("[A-Za-z0-9_]{1,255}");
  private static final Pattern CURRENCY = Pattern.compile("[A-Za-z]{3}");
  private static final Pattern VISIBLE_ASCII = Pattern.compile("[\\x21-\\x7e]+");

  private static final Logger log = LoggerFactory.getLogger(StripeGateway.class);

  /** Waits between throttled retries; tests pass one that records instead of sleeping. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final StripeHttp http;
  private final URI baseUri;

  private StripeGateway(StripeHttp http, URI baseUri) {
    this.http = http;
    this.baseUri = baseUri;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The customer's {@code invoice_settings.default_payment_method}, else their newest card;
   * empty if they have neither, or if Stripe does not know the customer (deleted or missing).
   *
   * @throws StripeConfigurationException Stripe refused the API key
   * @throws StripeException Stripe could not be read (after retries) or answered nonsense
   */
  @Override
  public Optional<String> savedPaymentMethod(String customerId) {
    stripeId(customerId, "customer id");
    Optional<JsonNode> customer = read("/v1/customers/" + customerId, "customer " + customerId);
    if (customer.isEmpty() || customer.get().path("deleted").asBoolean(false)) {
      return Optional.empty();
    }
    Optional<String> preferred = Json.id(customer.get().path("invoice_settings"), "default_payment_method");
    if (preferred.isPresent()) {
      return preferred;
    }
    Optional<JsonNode> cards = read("/v1/customers/" + customerId + "/payment_methods?type=card&limit=1",
        "payment methods of " + customerId);
    return cards.map(list -> list.path("data")).filter(JsonNode::isArray)
        .flatMap(data -> data.size() == 0 ? Optional.empty() : Json.text(data.get(0), "id"));
  }

  /**
   * Creates and confirms an off-session PaymentIntent. Never throws for a charge whose fate is
   * unknown (a timeout, a 5xx, an unreadable answer): that is {@link ChargeOutcome.Unknown}, and
   * retrying with the same request is safe.
   *
   * <p>A request Stripe refuses as invalid ({@code amount_too_small}, {@code resource_missing},
   * ...) is {@link ChargeOutcome.Declined} with Stripe's error code: nothing was charged and this
   * card cannot be charged as asked.
   *
   * @throws InvalidInputException the request cannot be sent to Stripe as it is
   * @throws StripeConfigurationException Stripe refused the API key
   * @throws StripeIdempotencyException the key was used before with other parameters; the
   *     first request under it may have charged
   */
  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    Objects.requireNonNull(request, "request");
    Map<String, String> form = chargeForm(request);
    String key = request.idempotencyKey();
    if (!VISIBLE_ASCII.matcher(key).matches() || key.length() > 255) {
      throw new InvalidInputException("idempotency key must be 1 to 255 visible ASCII characters");
    }
    String invoice = request.invoiceId();
    StripeHttp.Response response;
    try {
      response = http.post("/v1/payment_intents", form, key);
    } catch (HttpTimeoutException e) {
      log.warn("charge for invoice {} timed out; outcome unknown", invoice);
      return new ChargeOutcome.Unknown("no answer from Stripe in time; the charge may have gone through");
    } catch (IOException e) {
      log.warn("charge for invoice {} failed in transport ({}); outcome unknown", invoice, e.getClass().getSimpleName());
      return new ChargeOutcome.Unknown("connection to Stripe failed (" + e.getClass().getSimpleName()
          + "); the charge may have gone through");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ChargeOutcome.Unknown("interrupted while charging; the charge may have gone through");
    }
    ChargeOutcome outcome = chargeOutcome(response);
    log.info("charge for invoice {}: {}{}", invoice, outcome.getClass().getSimpleName(), response.replayed() ? " (replayed)" : "");
    return outcome;
  }

  private static Map<String, String> chargeForm(ChargeRequest request) {
    stripeId(request.customerId(), "customer id");
    stripeId(request.paymentMethodId(), "payment method id");
    if (!CURRENCY.matcher(request.currency()).matches()) {
      throw new InvalidInputException("currency must be a three-letter ISO code, got \"" + request.currency() + "\"");
    }
    if (request.amount() > MAX_AMOUNT) {
      throw new InvalidInputException("amount " + request.amount() + " exceeds Stripe's maximum of " + MAX_AMOUNT + " minor units");
    }
    if (request.invoiceId().length() > 500) {
      throw new InvalidInputException("invoice id must be at most 500 characters (a Stripe metadata value)");
    }
    // Insertion order fixes the body's bytes: a retry sends exactly the same parameters.
    Map<String, String> form = new LinkedHashMap<>();
    form.put("amount", Long.toString(request.amount()));
    form.put("currency", request.currency().toLowerCase(Locale.ROOT));
    form.put("customer", request.customerId());
    form.put("payment_method", request.paymentMethodId());
    form.put("off_session", "true");
    form.put("confirm", "true");
    // Without these, API versions since 2023-08-16 may ask for a return_url for redirect methods.
    form.put("automatic_payment_methods[enabled]", "true");
    form.put("automatic_payment_methods[allow_redirects]", "never");
    form.put("metadata[invoice_id]", request.invoiceId());
    return form;
  }

  private ChargeOutcome chargeOutcome(StripeHttp.Response response) {
    String rid = response.requestId().map(id -> " (request " + id + ")").orElse("");
    if (response.ok()) {
      return Json.parse(response.body()).map(Outcomes::fromIntent).orElseGet(() -> new ChargeOutcome.Unknown(
          "Stripe answered HTTP " + response.status() + " with an unreadable body" + rid + "; the charge may have gone through"));
    }
    if (response.status() == 401 || response.status() == 403) {
      throw configurationError(response);
    }
    Optional<StripeError> error = StripeError.parse(response.body());
    if (response.status() == 429) {
      return new ChargeOutcome.Unknown("Stripe is throttling requests (HTTP 429)" + rid + "; retry later");
    }
    // 5xx, 409 (the same key is in flight), or a body that is not Stripe's: we cannot know.
    if (response.status() >= 500 || response.status() == 409 || error.isEmpty()) {
      return new ChargeOutcome.Unknown("Stripe answered HTTP " + response.status()
          + error.map(e -> " " + e.label() + e.message().map(m -> ": " + m).orElse("")).orElse("")
          + rid + "; the charge may have gone through");
    }
    StripeError e = error.get();
    if ("card_error".equals(e.type())) {
      return Outcomes.fromCardError(e);
    }
    if ("idempotency_error".equals(e.type())) {
      // Not a decline: the first request under this key may have charged. Throwing keeps the
      // engine's round open (it treats a throw as Unknown), so no new key can charge again.
      throw new StripeIdempotencyException("Stripe refused idempotency key reuse with different parameters" + rid
          + ": " + e.message().orElse("(no message)"), response.status(), e.type(), e.code().orElse(null),
          response.requestId().orElse(null));
    }
    // Any other 4xx (amount_too_small, resource_missing, ...): Stripe validated and refused, and
    // saves no result for the key, so nothing was charged. The card rail failed for this round.
    log.warn("Stripe refused the charge: HTTP {} {}{}", response.status(), e.label(), rid);
    return new ChargeOutcome.Declined(e.code().orElse(e.type()), e.message().orElse("Stripe refused the charge (" + e.label() + ")"));
  }

  /** A GET that must succeed: the JSON object, or empty on 404 (Stripe does not know it). */
  private Optional<JsonNode> read(String pathAndQuery, String what) {
    StripeHttp.Response response;
    try {
      response = http.get(pathAndQuery);
    } catch (IOException e) {
      throw new StripeException("could not read " + what + " from Stripe (" + e.getClass().getSimpleName() + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StripeException("interrupted while reading " + what + " from Stripe", e);
    }
    String rid = response.requestId().map(id -> " (request " + id + ")").orElse("");
    if (response.status() == 401 || response.status() == 403) {
      throw configurationError(response);
    }
    Optional<StripeError> error = response.ok() ? Optional.empty() : StripeError.parse(response.body());
    if (response.status() == 404 && error.isPresent()) {
      log.warn("Stripe does not know {}{}: treating as no saved payment method", what, rid);
      return Optional.empty();
    }
    if (!response.ok()) {
      throw new StripeException("could not read " + what + ": HTTP " + response.status()
          + error.map(e -> " " + e.label() + e.message().map(m -> ": " + m).orElse("")).orElse("") + rid,
          response.status(), error.map(StripeError::type).orElse(null), error.flatMap(StripeError::code).orElse(null),
          response.requestId().orElse(null));
    }
    Optional<JsonNode> body = Json.parse(response.body());
    if (body.isEmpty()) {
      throw new StripeException("Stripe answered " + what + " with a body that is not a JSON object" + rid,
          response.status(), null, null, response.requestId().orElse(null));
    }
    return body;
  }

  // Stripe's own 401 message echoes a masked key; keep none of it.
  private static StripeConfigurationException configurationError(StripeHttp.Response response) {
    Optional<StripeError> error = StripeError.parse(response.body());
    String why = response.status() == 401 ? "Stripe refused the API key (HTTP 401): check that it is a valid secret key for this account"
        : "the API key lacks a permission this call needs (HTTP 403): use a secret key or grant the restricted key access";
    return new StripeConfigurationException(why + response.requestId().map(id -> " (request " + id + ")").orElse(""),
        response.status(), error.map(StripeError::type).orElse(null), error.flatMap(StripeError::code).orElse(null),
        response.requestId().orElse(null));
  }

  private static void stripeId(String value, String what) {
    if (value == null || !STRIPE_ID.matcher(value).matches()) {
      throw new InvalidInputException(what + " must be a Stripe id (letters, digits, underscores), got "
          + (value == null ? "null" : "\"" + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "\""));
    }
  }

  @Override
  public String toString() {
    return "StripeGateway[baseUri=" + baseUri + ", apiVersion=" + API_VERSION + ", apiKey=<redacted>]";
  }

  /** Configures a {@link StripeGateway}. Only {@link #apiKey} is required. */
  public static final class Builder {
    private String apiKey;
    private URI baseUri = DEFAULT_BASE_URI;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private HttpClient httpClient;
    private Sleeper sleeper = d -> TimeUnit.NANOSECONDS.sleep(d.toNanos());
    private int maxRateLimitRetries = 3;
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(8);

    private Builder() {}

    /** The secret ({@code sk_...}) or restricted ({@code rk_...}) key. Never shown anywhere. */
    public Builder apiKey(String apiKey) {
      if (apiKey == null || apiKey.isBlank()) {
        throw new InvalidInputException("Stripe API key must not be blank");
      }
      if (!VISIBLE_ASCII.matcher(apiKey).matches()) {
        throw new InvalidInputException("Stripe API key must be visible ASCII without spaces (is it pasted with a newline?)");
      }
      this.apiKey = apiKey;
      return this;
    }

    /** Where Stripe lives; default {@code https://api.stripe.com}. Tests point it at a fake. */
    public Builder baseUri(URI baseUri) {
      Objects.requireNonNull(baseUri, "baseUri");
      if (baseUri.getRawUserInfo() != null || baseUri.getRawQuery() != null) {
        // Not echoed: user info could hold a credential.
        throw new InvalidInputException("Stripe base URI must not carry user info or a query");
      }
      String scheme = baseUri.getScheme();
      if (!baseUri.isAbsolute() || baseUri.getHost() == null || !("https".equals(scheme) || "http".equals(scheme))) {
        throw new InvalidInputException("Stripe base URI must be an absolute http(s) URI, got " + baseUri);
      }
      this.baseUri = baseUri;
      return this;
    }

    /** Time allowed to open a connection (default 10 s). Ignored when {@link #httpClient} is given. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connect timeout");
      return this;
    }

    /** Time allowed for a whole request (default 30 s); a charge past it is answered Unknown. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "request timeout");
      return this;
    }

    /** A client to share (its own connect timeout, proxy and TLS settings apply). */
    public Builder httpClient(HttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "httpClient");
      return this;
    }

    /** How to wait between throttled retries (default: sleep the thread). */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** Retries of a throttled (429) call before giving up (default 3; 0 disables). */
    public Builder maxRateLimitRetries(int retries) {
      if (retries < 0 || retries > 10) {
        throw new InvalidInputException("max rate-limit retries must be 0 to 10, got " + retries);
      }
      this.maxRateLimitRetries = retries;
      return this;
    }

    /**
     * The first backoff step (default 500 ms, doubling) and the longest single wait (default
     * 8 s). A {@code Retry-After} longer than {@code max} ends the retries at once.
     */
    public Builder backoff(Duration initial, Duration max) {
      positive(initial, "initial backoff");
      positive(max, "max backoff");
      if (initial.compareTo(max) > 0) {
        throw new InvalidInputException("initial backoff must not exceed max backoff");
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    public StripeGateway build() {
      if (apiKey == null) {
        throw new InvalidInputException("Stripe API key is required");
      }
      HttpClient client = httpClient != null ? httpClient
          : HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1).build();
      // A trailing slash lets a path prefix (a proxy's /stripe/) survive resolving "v1/...".
      String path = baseUri.getRawPath() == null ? "" : baseUri.getRawPath();
      URI base = path.endsWith("/") ? baseUri : URI.create(baseUri.toString() + "/");
      // java.util.Random is thread-safe, and jitter needs no better randomness.
      Backoff backoff = new Backoff(maxRateLimitRetries, initialBackoff, maxBackoff, new Random());
      return new StripeGateway(new StripeHttp(client, base, apiKey, API_VERSION, requestTimeout, backoff, sleeper), base);
    }

    @Override
    public String toString() {
      return "StripeGateway.Builder[baseUri=" + baseUri + ", apiKey=" + (apiKey == null ? "unset" : "<redacted>") + "]";
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new InvalidInputException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
