package dev.caravel.billing.stripe;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.PaymentGateway.CancelOutcome;
import dev.caravel.billing.PaymentGateway.ChargeLookup;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.PaymentGateway.RefundOutcome;
import dev.caravel.billing.PlanCatalogue;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The saved-card rail over Stripe's REST API: finds a customer's saved payment method and charges
 * it off-session with a PaymentIntent, under the caller's idempotency key, so a retry after a
 * timeout replays Stripe's saved answer instead of charging again. Thread-safe.
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
  static final long MAX_AMOUNT = StripeCurrency.MAX_AMOUNT;
  private static final Pattern VISIBLE_ASCII = Pattern.compile("[\\x21-\\x7e]+");

  static final Duration NETWORK_BACKOFF_MIN = Duration.ofMillis(500);
  static final Duration NETWORK_BACKOFF_MAX = Duration.ofSeconds(5);

  /** Waits between retries; tests pass one that records instead of sleeping. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final StripeCards cards;
  private final StripeSavedCard savedCard;
  private final StripeCharge charge;
  private final StripeChargeLookup lookup;
  private final StripeChargeCancel cancel;
  private final StripeRefund refund;
  private final URI baseUri;

  private StripeGateway(StripeHttp http, URI baseUri) {
    StripeCalls calls = new StripeCalls(http);
    this.cards = new StripeCards(calls);
    this.savedCard = new StripeSavedCard(calls);
    this.charge = new StripeCharge(calls);
    this.lookup = new StripeChargeLookup(calls);
    this.cancel = new StripeChargeCancel(calls);
    this.refund = new StripeRefund(calls);
    this.baseUri = baseUri;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Saving a card through Stripe Checkout for this gateway's account: start a setup, apply its
   * webhook, remove the cards. Shares this gateway's connection and retries.
   */
  public StripeCards cards() {
    return cards;
  }

  // ---- catalogue and currency rules ----

  /**
   * Checks, when a Stripe gateway meets a catalogue, that Stripe can charge in its currency: an ISO
   * 4217 code with a minor unit. Returns Stripe's lowercase code. The per-amount rules (ISK ×100,
   * three-decimal amounts ending in 0, whole units for MGA, Stripe's minimum) are checked by {@link
   * #checkCatalogue} for the plan prices and before each charge.
   *
   * @throws InvalidInputException the currency cannot be charged through Stripe
   */
  public static String checkCatalogueCurrency(String currency) {
    return StripeCurrency.code(currency);
  }

  /**
   * {@link #checkCatalogueCurrency} for the catalogue's currency, and every positive price in each
   * plan's history against the per-amount rules (a price Stripe could never charge on its own is a
   * setup error). Prorated amounts are checked at charge time: in a three-decimal currency a
   * proration can end in a digit other than 0, which Stripe refuses; the charge then throws rather
   * than round. A price below Stripe's minimum charge is allowed (S25, issue 23): the engine
   * carries an invoice below it to the tenant's next one ({@link #minimumCharge}).
   *
   * @throws InvalidInputException naming the plan and the rule it breaks
   */
  public static void checkCatalogue(PlanCatalogue catalogue) {
    Objects.requireNonNull(catalogue, "catalogue");
    String code = checkCatalogueCurrency(catalogue.currency());
    // Every version, not only the latest: a relay on an older price (grandfathered, or renewing a
    // period before a change) is still charged it.
    for (PlanCatalogue.Version version : catalogue.versions()) {
      if (version.amount() > 0) {
        try {
          StripeCurrency.toStripe(version.amount(), code, false); // no minimum: S25 carries
        } catch (InvalidInputException e) {
          throw new InvalidInputException(
              "plan "
                  + version.plan()
                  + " (price effective "
                  + version.effective()
                  + "): "
                  + e.getMessage());
        }
      }
    }
  }

  /**
   * S25: Stripe's published minimum charge for {@code currency} (docs.stripe.com/currencies), in
   * the ledger's minor units: USD, EUR and most others 50, GBP 30, and so on ({@link
   * StripeCurrency#MINIMUMS}). Empty for a currency that table lists no minimum for: no minimum is
   * known, so nothing is carried, and should Stripe still refuse a small charge ({@code
   * amount_too_small}: it applies the minimum in the account's settlement currency) the round ends
   * needing attention, as any charge refused before it moves money; a host that knows its account's
   * minimum sets {@code BillingBuilder.cardMinimum}. Empty for a code Stripe cannot charge at all,
   * which {@link #checkCurrency} refuses when the engine is built.
   */
  @Override
  public OptionalLong minimumCharge(String currency) {
    try {
      return StripeCurrency.minimumLedgerAmount(StripeCurrency.code(currency))
          .map(OptionalLong::of)
          .orElseGet(OptionalLong::empty);
    } catch (InvalidInputException notChargeable) {
      return OptionalLong.empty();
    }
  }

  /** The port's check when the engine is built: {@link #checkCatalogue}. */
  @Override
  public void checkCurrency(PlanCatalogue catalogue) {
    checkCatalogue(catalogue);
  }

  /**
   * A ledger amount (ISO 4217 minor units) as Stripe's {@code amount}: ×100 for ISK, ÷100 for MGA,
   * unchanged otherwise; checked against Stripe's rules for the currency.
   *
   * @throws InvalidInputException the amount cannot be charged through Stripe as it is
   */
  public static long toStripeAmount(long ledgerAmount, String currency) {
    return StripeCurrency.toStripe(ledgerAmount, currency);
  }

  // ---- saved card ----

  /**
   * The card to charge, in this order: the customer's {@code
   * invoice_settings.default_payment_method}; else their {@code default_source} when it is a card
   * ({@code card_...} or {@code src_...}, which PaymentIntents accept as a payment method); else
   * their newest card. Empty if they have none, or if Stripe does not know the customer (deleted or
   * missing).
   *
   * @throws StripeConfigurationException Stripe refused the API key
   * @throws StripeException Stripe could not be read (after retries) or answered nonsense
   */
  @Override
  public Optional<String> savedPaymentMethod(String customerId) {
    return savedCard.of(customerId);
  }

  // ---- charge ----

  /**
   * Creates and confirms an off-session PaymentIntent. Transient failures (connection failures, 409
   * {@code idempotency_key_in_use}, 5xx, 429) are retried inside the call under the same key; only
   * when retries are used up is the answer {@link ChargeOutcome.Unknown}, and resuming with the
   * same request is safe. See the README's outcome table.
   *
   * @throws InvalidInputException the request cannot be sent to Stripe as it is (a currency rule,
   *     below Stripe's minimum charge, a malformed id or key); nothing was sent, and the engine
   *     ends the round needing attention
   *     <p>Our own faults are {@link ChargeOutcome.Failed} (kind {@code INVALID_REQUEST}, {@code
   *     AUTHENTICATION} or {@code PERMISSION}), never a decline: Stripe ran and saved nothing, and
   *     the engine tells the operator, and the tenant only a fixed sentence.
   * @throws StripeIdempotencyException the key was used before with other parameters; the first
   *     request under it may have charged
   */
  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    return charge.charge(request);
  }

  // ---- reconciliation ----

  /**
   * Finds a payment round's charge: by its PaymentIntent id when it is known, else by listing the
   * customer's PaymentIntents (newest first, every page) and matching {@code metadata[invoice_id]}
   * and {@code metadata[round]}. An intent for the invoice that carries no round (made before the
   * gateway set one) matches any round, so a charge is never missed; when several match, the most
   * advanced wins (succeeded, processing, requires_action, then failed or canceled).
   *
   * <p>{@link ChargeLookup.Absent} is a definite answer: every page was read and no intent is the
   * round's, so the round's charge never executed and resending it with its same key is safe.
   *
   * <p>When Stripe cannot be read (after retries), refuses the key, or the intent named by id
   * belongs to another invoice, the answer is {@link ChargeLookup.Unavailable}: never a guess.
   */
  @Override
  public ChargeLookup findCharge(
      String customerId, String invoiceId, int round, Optional<String> intentId) {
    return lookup.find(customerId, invoiceId, round, intentId);
  }

  /**
   * Cancels a PaymentIntent (for instance one left {@code requires_action} when its invoice is paid
   * by another rail), so a late authentication cannot charge a second time. Idempotent: an intent
   * already canceled answers {@link CancelOutcome.Canceled} with {@code already}; one that
   * succeeded (or is otherwise past canceling) answers {@link CancelOutcome.NotCancelable}.
   *
   * <p>When Stripe cannot be reached or refuses the call (a missing intent, a rejected key): {@link
   * CancelOutcome.Unavailable}; call again later.
   */
  @Override
  public CancelOutcome cancelCharge(String intentId) {
    return cancel.cancelCharge(intentId);
  }

  /**
   * Refunds {@code amount} (ledger minor units, converted as for a charge) of a succeeded
   * PaymentIntent, under {@code idempotencyKey}: the same key never refunds twice, so derive it
   * from the ledger's refund (e.g. {@code caravel-refund-{invoice}-{n}}).
   *
   * <p>Stripe's answers: a refund object is {@link RefundOutcome.Refunded}; {@code
   * charge_already_refunded} is {@link RefundOutcome.AlreadyRefunded} (other refunds took it all,
   * so money did move for the charge); any other {@code invalid_request_error} (400/404: no such
   * PaymentIntent, one with no successful charge, an amount above what is left on it, a disputed
   * charge, a parameter refused) is {@link RefundOutcome.Refused}, since Stripe made no refund for
   * the request; no answer, a 409, 429 or 5xx after the in-call retries, or a body that is not
   * Stripe's is {@link RefundOutcome.Unknown}.
   *
   * @throws StripeConfigurationException Stripe refused the API key or the permission: nothing was
   *     refunded, and the same key may be sent again once the setup is fixed
   * @throws StripeIdempotencyException the key was first used with other parameters
   * @throws StripeRequestException any other refusal (a 402, which a refund never gets)
   */
  @Override
  public RefundOutcome refund(
      String intentId, long amount, String currency, String idempotencyKey) {
    return refund.refund(intentId, amount, currency, idempotencyKey);
  }

  @Override
  public String toString() {
    return "StripeGateway[baseUri="
        + baseUri
        + ", apiVersion="
        + API_VERSION
        + ", apiKey=<redacted>]";
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
    private int maxNetworkRetries = 2;
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(8);

    private Builder() {}

    /** The secret ({@code sk_...}) or restricted ({@code rk_...}) key. Never shown anywhere. */
    public Builder apiKey(String apiKey) {
      if (apiKey == null || apiKey.isBlank()) {
        throw new InvalidInputException("Stripe API key must not be blank");
      }
      if (!VISIBLE_ASCII.matcher(apiKey).matches()) {
        throw new InvalidInputException(
            "Stripe API key must be visible ASCII without spaces (is it pasted with a newline?)");
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
      if (!baseUri.isAbsolute()
          || baseUri.getHost() == null
          || !("https".equals(scheme) || "http".equals(scheme))) {
        throw new InvalidInputException(
            "Stripe base URI must be an absolute http(s) URI, got " + baseUri);
      }
      this.baseUri = baseUri;
      return this;
    }

    /**
     * Time allowed to open a connection (default 10 s). Ignored when {@link #httpClient} is given.
     */
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

    /** How to wait between retries (default: sleep the thread). */
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
     * Retries inside a call, under the same idempotency key, after a connection failure, a 409
     * ({@code idempotency_key_in_use}) or a 5xx, unless Stripe says {@code Stripe-Should-Retry:
     * false} (default 2, as stripe-java; 0 disables). Each waits 0.5–5 s with jitter.
     */
    public Builder maxNetworkRetries(int retries) {
      if (retries < 0 || retries > 5) {
        throw new InvalidInputException("max network retries must be 0 to 5, got " + retries);
      }
      this.maxNetworkRetries = retries;
      return this;
    }

    /**
     * The first backoff step (default 500 ms, doubling) and the longest single wait (default 8 s).
     * A {@code Retry-After} longer than {@code max} ends the retries at once.
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
      HttpClient client =
          httpClient != null
              ? httpClient
              : HttpClient.newBuilder()
                  .connectTimeout(connectTimeout)
                  .version(HttpClient.Version.HTTP_1_1)
                  .build();
      // A trailing slash lets a path prefix (a proxy's /stripe/) survive resolving "v1/...".
      String path = baseUri.getRawPath() == null ? "" : baseUri.getRawPath();
      URI base = path.endsWith("/") ? baseUri : URI.create(baseUri.toString() + "/");
      // java.util.Random is thread-safe, and jitter needs no better randomness.
      Random random = new Random();
      Backoff rateLimit = new Backoff(maxRateLimitRetries, initialBackoff, maxBackoff, random);
      Backoff network =
          new Backoff(maxNetworkRetries, NETWORK_BACKOFF_MIN, NETWORK_BACKOFF_MAX, random);
      return new StripeGateway(
          new StripeHttp(
              client, base, apiKey, API_VERSION, requestTimeout, rateLimit, network, sleeper),
          base);
    }

    @Override
    public String toString() {
      return "StripeGateway.Builder[baseUri="
          + baseUri
          + ", apiKey="
          + (apiKey == null ? "unset" : "<redacted>")
          + "]";
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new InvalidInputException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
