package dev.caravel.billing.nwc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.RailException;
import dev.caravel.billing.RailException.Rail;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ExchangeRates} from a BTC spot price fetched over HTTP ({@code java.net.http}), cached per
 * currency for a time-to-live.
 *
 * <p>Three public sources are built in (see the module README), chosen on the {@link #builder()}:
 * CoinGecko's {@code simple/price} ({@link Builder#coinGecko()}, the default), Coinbase's spot
 * price ({@link Builder#coinbase()}), and Kraken's ticker ({@link Builder#kraken()}); {@link
 * Builder#source(Format, String)} points any of the three formats at another endpoint (a proxy, a
 * test server). A price is refused, and {@link #toMsats} throws {@link RailException}, when the
 * answer is not a 200 with the expected JSON, when the price is zero or negative, or when it lies
 * outside the plausible bounds (by default 1 to 10<sup>12</sup> major units per BTC, configurable
 * per currency). A stale price is never used: when the cache has expired and the fetch fails, there
 * is no price.
 *
 * <h2>The fiat-to-msats rule</h2>
 *
 * With {@code m} minor units of a currency with {@code f} fraction digits (ISO 4217: USD 2, JPY 0,
 * BHD 3) and a price of {@code P} major units per bitcoin, the amount is {@code m / 10^f} major
 * units, {@code m / (10^f · P)} BTC, and since 1 BTC = 10<sup>11</sup> msats:
 *
 * <pre>  msats = ceil( m · 10^(11−f) / P )</pre>
 *
 * computed exactly: {@code P} is the decimal the source sent (never a {@code double}), and {@link
 * BigDecimal#divide(BigDecimal, int, RoundingMode)} rounds the true quotient up to a whole msat, so
 * the payer never pays less than the fiat amount. Example: 1999 cents at 97 000.50 USD per BTC is
 * ceil(1999 · 10^9 / 97000.50) = ceil(20 608 141.19...) = 20 608 142 msats.
 */
public final class HttpExchangeRates implements ExchangeRates {
  private static final Logger log = LoggerFactory.getLogger(HttpExchangeRates.class);

  /** The JSON shape a source answers with. */
  public enum Format {
    /** {@code {"bitcoin":{"usd":97000.5}}} — CoinGecko {@code /api/v3/simple/price}. */
    COINGECKO,
    /** {@code {"data":{"amount":"97000.50","base":"BTC","currency":"USD"}}} — Coinbase spot. */
    COINBASE,
    /** {@code {"error":[],"result":{"XXBTZUSD":{"c":["97000.50000","0.01"],...}}}} — Kraken. */
    KRAKEN
  }

  /** CoinGecko's public endpoint (an API key, if any, goes in with {@link Builder#header}). */
  public static final String COINGECKO_URL =
      "https://api.coingecko.com/api/v3/simple/price?ids=bitcoin&vs_currencies={currency}";

  /** Coinbase's public spot price. */
  public static final String COINBASE_URL =
      "https://api.coinbase.com/v2/prices/BTC-{CURRENCY}/spot";

  /** Kraken's public ticker (Kraken calls bitcoin XBT). */
  public static final String KRAKEN_URL =
      "https://api.kraken.com/0/public/Ticker?pair=XBT{CURRENCY}";

  static final int MAX_BODY_BYTES = 64 * 1024;
  static final BigDecimal DEFAULT_MIN_PRICE = BigDecimal.ONE;
  static final BigDecimal DEFAULT_MAX_PRICE = BigDecimal.TEN.pow(12);

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
          .build();

  private record Bounds(BigDecimal min, BigDecimal max) {}

  private record Cached(BigDecimal price, Instant fetchedAt) {}

  private final Format format;
  private final String urlTemplate;
  private final Duration ttl;
  private final Duration timeout;
  private final Clock clock;
  private final HttpClient http;
  private final Map<String, String> headers;
  private final Map<String, Bounds> bounds;
  private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

  private HttpExchangeRates(Builder b) {
    this.format = b.format;
    this.urlTemplate = b.urlTemplate;
    this.ttl = b.ttl;
    this.timeout = b.timeout;
    this.clock = b.clock;
    this.http =
        b.httpClient != null
            ? b.httpClient
            : HttpClient.newBuilder()
                .connectTimeout(b.timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    this.headers = Map.copyOf(b.headers);
    this.bounds = Map.copyOf(b.bounds);
  }

  /**
   * Configures a source of prices; CoinGecko's {@code simple/price} unless one of {@link
   * Builder#coinGecko}, {@link Builder#coinbase}, {@link Builder#kraken} or {@link Builder#source}
   * says otherwise.
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public long toMsats(long minorUnits, String currency) {
    if (minorUnits < 0) {
      throw new InvalidInputException("amount must not be negative, got " + minorUnits);
    }
    Currency c = currency(currency);
    if (minorUnits == 0) {
      return 0;
    }
    return msats(minorUnits, c.getDefaultFractionDigits(), price(c.getCurrencyCode()));
  }

  /**
   * The BTC price in major units of {@code currency}: from the cache while it is younger than the
   * TTL, fetched otherwise.
   *
   * @throws RailException when no trustworthy price can be had
   */
  public BigDecimal price(String currency) {
    String code = currency(currency).getCurrencyCode();
    Cached hit = fresh(code);
    if (hit != null) {
      return hit.price();
    }
    synchronized (locks.computeIfAbsent(code, k -> new Object())) {
      hit = fresh(code);
      if (hit != null) {
        return hit.price();
      }
      Instant now = clock.instant();
      BigDecimal price = fetch(code);
      cache.put(code, new Cached(price, now));
      log.debug("BTC price {} {} from {}", price.toPlainString(), code, describeSource(code));
      return price;
    }
  }

  /**
   * The rule: {@code ceil(minorUnits · 10^(11 − fractionDigits) / price)}, exact.
   *
   * @throws InvalidInputException when the result does not fit a {@code long}
   */
  static long msats(long minorUnits, int fractionDigits, BigDecimal price) {
    if (minorUnits < 0) {
      throw new InvalidInputException("amount must not be negative, got " + minorUnits);
    }
    if (fractionDigits < 0 || fractionDigits > 11) {
      throw new InvalidInputException("unsupported number of fraction digits: " + fractionDigits);
    }
    if (price == null || price.signum() <= 0) {
      throw new RailException(Rail.NWC, RailException.EXCHANGE_RATE, "price must be positive");
    }
    BigDecimal msats =
        BigDecimal.valueOf(minorUnits)
            .scaleByPowerOfTen(11 - fractionDigits)
            .divide(price, 0, RoundingMode.CEILING);
    try {
      return msats.longValueExact();
    } catch (ArithmeticException e) {
      throw new InvalidInputException(
          "amount of " + minorUnits + " minor units is too large in msats");
    }
  }

  @Override
  public String toString() {
    return "HttpExchangeRates[" + format + " " + hostOf(urlTemplate) + ", ttl=" + ttl + "]";
  }

  // --- internals ---

  private Cached fresh(String code) {
    Cached c = cache.get(code);
    if (c == null) {
      return null;
    }
    Instant now = clock.instant();
    if (now.isBefore(c.fetchedAt()) || !now.isBefore(c.fetchedAt().plus(ttl))) {
      return null;
    }
    return c;
  }

  private static Currency currency(String code) {
    if (code == null || code.isBlank()) {
      throw new InvalidInputException("currency must not be blank");
    }
    Currency c;
    try {
      c = Currency.getInstance(code.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("unknown currency code: " + code.strip());
    }
    if (c.getDefaultFractionDigits() < 0) {
      throw new InvalidInputException("currency " + c.getCurrencyCode() + " has no minor unit");
    }
    return c;
  }

  private BigDecimal fetch(String code) {
    URI uri = uriFor(code);
    String source = describeSource(code);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET();
    headers.forEach(request::header);
    CompletableFuture<HttpResponse<byte[]>> pending =
        http.sendAsync(request.build(), info -> new CappedBody(MAX_BODY_BYTES));
    HttpResponse<byte[]> response;
    try {
      response = pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new RailException(
          Rail.NWC, RailException.EXCHANGE_RATE, "no answer from " + source + " within " + timeout);
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new RailException(
          Rail.NWC, RailException.EXCHANGE_RATE, "interrupted while asking " + source);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String kind = cause instanceof java.net.http.HttpTimeoutException ? "timed out" : "failed";
      throw new RailException(
          Rail.NWC,
          RailException.EXCHANGE_RATE,
          "request to " + source + " " + kind + " (" + cause.getClass().getSimpleName() + ")");
    }
    if (response.statusCode() != 200) {
      throw new RailException(
          Rail.NWC,
          RailException.EXCHANGE_RATE,
          source + " answered HTTP " + response.statusCode());
    }
    BigDecimal price = parse(format, response.body(), code, source);
    check(price, code, source);
    return price;
  }

  private void check(BigDecimal price, String code, String source) {
    if (price.signum() <= 0) {
      throw new RailException(
          Rail.NWC,
          RailException.EXCHANGE_RATE,
          source + " gave a non-positive BTC price: " + price.toPlainString());
    }
    Bounds b = bounds.getOrDefault(code, new Bounds(DEFAULT_MIN_PRICE, DEFAULT_MAX_PRICE));
    if (price.compareTo(b.min()) < 0 || price.compareTo(b.max()) > 0) {
      throw new RailException(
          Rail.NWC,
          RailException.EXCHANGE_RATE,
          source
              + " gave an implausible BTC price of "
              + abbreviate(price)
              + " "
              + code
              + " (accepted: "
              + b.min().toPlainString()
              + " to "
              + b.max().toPlainString()
              + ")");
    }
  }

  /** Reads the price out of a body; every surprise is an {@link RailException}. */
  static BigDecimal parse(Format format, byte[] body, String code, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new RailException(
          Rail.NWC, RailException.EXCHANGE_RATE, source + " did not answer with JSON");
    } catch (java.io.IOException e) {
      throw new RailException(
          Rail.NWC, RailException.EXCHANGE_RATE, source + " answer could not be read");
    }
    if (root == null || !root.isObject()) {
      throw new RailException(
          Rail.NWC, RailException.EXCHANGE_RATE, source + " did not answer with a JSON object");
    }
    JsonNode value =
        switch (format) {
          case COINGECKO -> root.path("bitcoin").path(code.toLowerCase(Locale.ROOT));
          case COINBASE -> {
            JsonNode data = root.path("data");
            String base = data.path("base").asText("BTC");
            String quoted = data.path("currency").asText(code);
            if (!base.equalsIgnoreCase("BTC") || !quoted.equalsIgnoreCase(code)) {
              throw new RailException(
                  Rail.NWC, RailException.EXCHANGE_RATE, source + " answered for another pair");
            }
            yield data.path("amount");
          }
          case KRAKEN -> {
            JsonNode errors = root.path("error");
            if (errors.isArray() && !errors.isEmpty()) {
              throw new RailException(
                  Rail.NWC, RailException.EXCHANGE_RATE, source + " answered with an error");
            }
            JsonNode result = root.path("result");
            if (!result.isObject() || result.size() != 1) {
              throw new RailException(
                  Rail.NWC,
                  RailException.EXCHANGE_RATE,
                  source + " answered with no single ticker");
            }
            Iterator<JsonNode> tickers = result.elements();
            yield tickers.next().path("c").path(0);
          }
        };
    return decimal(value, source);
  }

  private static BigDecimal decimal(JsonNode value, String source) {
    if (value.isNumber()) {
      return value.decimalValue();
    }
    if (value.isTextual()) {
      String text = value.asText().strip();
      if (text.length() > 64) {
        throw new RailException(
            Rail.NWC, RailException.EXCHANGE_RATE, source + " sent a price that is not a number");
      }
      try {
        return new BigDecimal(text);
      } catch (NumberFormatException e) {
        throw new RailException(
            Rail.NWC, RailException.EXCHANGE_RATE, source + " sent a price that is not a number");
      }
    }
    throw new RailException(
        Rail.NWC, RailException.EXCHANGE_RATE, source + " answer has no BTC price where expected");
  }

  private URI uriFor(String code) {
    String url =
        urlTemplate
            .replace("{currency}", code.toLowerCase(Locale.ROOT))
            .replace("{CURRENCY}", code);
    return URI.create(url);
  }

  /** Scheme, host, port and path only: a query may hold an API key. */
  private String describeSource(String code) {
    return hostOf(uriFor(code).toString());
  }

  private static String hostOf(String url) {
    try {
      URI u = URI.create(url.replace("{currency}", "x").replace("{CURRENCY}", "X"));
      return u.getScheme()
          + "://"
          + u.getHost()
          + (u.getPort() < 0 ? "" : ":" + u.getPort())
          + u.getPath();
    } catch (IllegalArgumentException e) {
      return "the price source";
    }
  }

  private static String abbreviate(BigDecimal price) {
    String s = price.toPlainString();
    return s.length() <= 32 ? s : price.round(new java.math.MathContext(6)).toString();
  }

  /** Collects a body up to {@code limit} bytes; a larger one fails the request. */
  private static final class CappedBody implements BodySubscriber<byte[]> {
    private final int limit;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final List<ByteBuffer> parts = new ArrayList<>();
    private int size;
    private Flow.Subscription subscription;

    CappedBody(int limit) {
      this.limit = limit;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer b : items) {
        size += b.remaining();
        if (size > limit) {
          subscription.cancel();
          result.completeExceptionally(
              new java.io.IOException("answer larger than " + limit + " bytes"));
          return;
        }
        parts.add(b);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      byte[] out = new byte[size];
      int at = 0;
      for (ByteBuffer b : parts) {
        int n = b.remaining();
        b.get(out, at, n);
        at += n;
      }
      result.complete(out);
    }
  }

  /** Configures an {@link HttpExchangeRates}. */
  public static final class Builder {
    private Format format = Format.COINGECKO;
    private String urlTemplate = COINGECKO_URL;
    private Duration ttl = Duration.ofMinutes(5);
    private Duration timeout = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();
    private HttpClient httpClient;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, Bounds> bounds = new HashMap<>();

    private Builder() {}

    /** CoinGecko's {@code simple/price}: {@value #COINGECKO_URL} (the default). */
    public Builder coinGecko() {
      return source(Format.COINGECKO, COINGECKO_URL);
    }

    /** Coinbase's spot price: {@value #COINBASE_URL}. */
    public Builder coinbase() {
      return source(Format.COINBASE, COINBASE_URL);
    }

    /** Kraken's ticker: {@value #KRAKEN_URL}. */
    public Builder kraken() {
      return source(Format.KRAKEN, KRAKEN_URL);
    }

    /**
     * Any endpoint answering in {@code format}. In {@code urlTemplate}, {@code {currency}} becomes
     * the lower-case ISO code and {@code {CURRENCY}} the upper-case one.
     *
     * @throws NullPointerException if either is null
     * @throws InvalidInputException if the URL is blank, malformed, or not http(s)
     */
    public Builder source(Format format, String urlTemplate) {
      Objects.requireNonNull(format, "format");
      Objects.requireNonNull(urlTemplate, "urlTemplate");
      if (urlTemplate.isBlank()) {
        throw new InvalidInputException("the price URL must not be blank");
      }
      String probe = urlTemplate.replace("{currency}", "usd").replace("{CURRENCY}", "USD");
      URI uri;
      try {
        uri = URI.create(probe);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("the price URL is not a valid URL");
      }
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new InvalidInputException("the price URL must be http:// or https://");
      }
      this.format = format;
      this.urlTemplate = urlTemplate;
      return this;
    }

    /** How long a fetched price is used. Default 5 minutes. */
    public Builder ttl(Duration value) {
      ttl = positive(value, "ttl");
      return this;
    }

    /** How long one fetch may take, connection to last byte. Default 5 seconds. */
    public Builder timeout(Duration value) {
      timeout = positive(value, "timeout");
      return this;
    }

    /** The clock the cache ages by. Default the system UTC clock. */
    public Builder clock(Clock value) {
      clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    public Builder httpClient(HttpClient value) {
      httpClient = Objects.requireNonNull(value, "httpClient");
      return this;
    }

    /** A request header, e.g. an API key; header values are never logged or printed. */
    public Builder header(String name, String value) {
      if (name == null || name.isBlank() || value == null) {
        throw new InvalidInputException("a header needs a name and a value");
      }
      headers.put(name, value);
      return this;
    }

    /** The plausible BTC price range for {@code currency}, in major units (inclusive). */
    public Builder priceBounds(String currency, BigDecimal min, BigDecimal max) {
      String code = currency(currency).getCurrencyCode();
      if (min == null || max == null || min.signum() <= 0 || max.compareTo(min) < 0) {
        throw new InvalidInputException("price bounds need 0 < min <= max");
      }
      bounds.put(code, new Bounds(min, max));
      return this;
    }

    public HttpExchangeRates build() {
      return new HttpExchangeRates(this);
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new InvalidInputException(what + " must be positive");
      }
      return d;
    }
  }
}
