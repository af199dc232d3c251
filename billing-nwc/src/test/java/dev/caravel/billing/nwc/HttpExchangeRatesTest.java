package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.RailException;
import dev.caravel.billing.testkit.MutableClock;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HttpExchangeRates against a loopback HTTP server. */
class HttpExchangeRatesTest {
  private HttpServer server;
  private final Map<String, String> bodies = new ConcurrentHashMap<>();
  private final Map<String, Integer> statuses = new ConcurrentHashMap<>();
  private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
  private final AtomicInteger hits = new AtomicInteger();
  private final CountDownLatch slowRelease = new CountDownLatch(1);
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(
        java.util.concurrent.Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "rates-test-server");
              t.setDaemon(true);
              return t;
            }));
    server.start();
  }

  @AfterEach
  void stopServer() {
    slowRelease.countDown();
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    hits.incrementAndGet();
    String key =
        exchange.getRequestURI().getPath()
            + (exchange.getRequestURI().getQuery() == null
                ? ""
                : "?" + exchange.getRequestURI().getQuery());
    String apiKey = exchange.getRequestHeaders().getFirst("x-api-key");
    if (apiKey != null) {
      lastHeaders.put("x-api-key", apiKey);
    }
    if (key.startsWith("/slow")) {
      try {
        slowRelease.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    String body = bodies.getOrDefault(key, "{}");
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(statuses.getOrDefault(key, 200), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private HttpExchangeRates coinGecko() {
    return HttpExchangeRates.builder()
        .source(
            HttpExchangeRates.Format.COINGECKO,
            base() + "/api/v3/simple/price?ids=bitcoin&vs_currencies={currency}")
        .clock(clock)
        .ttl(Duration.ofMinutes(5))
        .timeout(Duration.ofSeconds(2))
        .build();
  }

  private void coinGeckoSays(String currency, String body) {
    bodies.put("/api/v3/simple/price?ids=bitcoin&vs_currencies=" + currency, body);
  }

  @Test
  void coinGeckoPriceConvertsExactly() {
    coinGeckoSays("usd", "{\"bitcoin\":{\"usd\":97000.50}}");
    HttpExchangeRates rates = coinGecko();
    // ceil(1999 * 10^9 / 97000.50) = ceil(20608141.19...)
    assertThat(rates.toMsats(1999, "USD")).isEqualTo(20_608_142L);
    assertThat(rates.toMsats(1999, "usd")).isEqualTo(20_608_142L);
    assertThat(rates.price("usd")).isEqualByComparingTo("97000.50");
    assertThat(rates.toMsats(0, "usd")).isZero();
  }

  @Test
  void currenciesWithOtherMinorUnits() {
    coinGeckoSays("jpy", "{\"bitcoin\":{\"jpy\":15000000}}");
    coinGeckoSays("bhd", "{\"bitcoin\":{\"bhd\":36500.125}}");
    HttpExchangeRates rates = coinGecko();
    // JPY has no minor unit: 1500 yen = 1500/15e6 BTC = 1e-4 BTC = 10,000,000 msats.
    assertThat(rates.toMsats(1500, "JPY")).isEqualTo(10_000_000L);
    // BHD has three: 1.000 BHD = 1000 fils -> ceil(10^11 / 36500.125) = 2739716.66.. -> 2739717.
    assertThat(rates.toMsats(1000, "BHD")).isEqualTo(2_739_717L);
  }

  @Test
  void coinbaseAndKrakenFormats() {
    bodies.put(
        "/v2/prices/BTC-EUR/spot",
        "{\"data\":{\"amount\":\"90000.00\",\"base\":\"BTC\",\"currency\":\"EUR\"}}");
    bodies.put(
        "/0/public/Ticker?pair=XBTEUR",
        "{\"error\":[],\"result\":{\"XXBTZEUR\":{\"a\":[\"90001.0\",\"1\",\"1.0\"],\"c\":[\"90000.00000\",\"0.01\"]}}}");
    HttpExchangeRates coinbase =
        HttpExchangeRates.builder()
            .source(HttpExchangeRates.Format.COINBASE, base() + "/v2/prices/BTC-{CURRENCY}/spot")
            .clock(clock)
            .build();
    HttpExchangeRates kraken =
        HttpExchangeRates.builder()
            .source(HttpExchangeRates.Format.KRAKEN, base() + "/0/public/Ticker?pair=XBT{CURRENCY}")
            .clock(clock)
            .build();
    // 9 EUR at 90,000 EUR/BTC = 1e-4 BTC = 10,000,000 msats, exactly.
    assertThat(coinbase.toMsats(900, "EUR")).isEqualTo(10_000_000L);
    assertThat(kraken.toMsats(900, "EUR")).isEqualTo(10_000_000L);
  }

  @Test
  void theCacheLastsItsTtlOnTheDrivenClock() {
    coinGeckoSays("usd", "{\"bitcoin\":{\"usd\":100000}}");
    HttpExchangeRates rates = coinGecko();
    assertThat(rates.toMsats(100, "usd")).isEqualTo(1_000_000L);
    coinGeckoSays("usd", "{\"bitcoin\":{\"usd\":50000}}");
    clock.advance(Duration.ofMinutes(5).minusSeconds(1));
    assertThat(rates.toMsats(100, "usd")).isEqualTo(1_000_000L);
    assertThat(hits).hasValue(1);
    clock.advance(Duration.ofSeconds(1));
    assertThat(rates.toMsats(100, "usd")).isEqualTo(2_000_000L);
    assertThat(hits).hasValue(2);
    // A clock that goes backwards does not stretch a cached price's life.
    clock.advance(Duration.ofHours(-1));
    rates.toMsats(100, "usd");
    assertThat(hits).hasValue(3);
  }

  @Test
  void anExpiredPriceIsNeverServedWhenTheSourceFails() {
    coinGeckoSays("usd", "{\"bitcoin\":{\"usd\":100000}}");
    HttpExchangeRates rates = coinGecko();
    rates.toMsats(100, "usd");
    statuses.put("/api/v3/simple/price?ids=bitcoin&vs_currencies=usd", 503);
    clock.advance(Duration.ofMinutes(6));
    assertThatThrownBy(() -> rates.toMsats(100, "usd"))
        .isInstanceOf(RailException.class)
        .hasMessageContaining("HTTP 503");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not json",
        "",
        "[]",
        "{}",
        "{\"bitcoin\":{}}",
        "{\"bitcoin\":{\"usd\":null}}",
        "{\"bitcoin\":{\"usd\":\"NaN\"}}",
        "{\"bitcoin\":{\"usd\":\"Infinity\"}}",
        "{\"bitcoin\":{\"usd\":true}}",
        "{\"bitcoin\":{\"usd\":[97000]}}",
        "<html>rate limited</html>"
      })
  void badBodiesAreRefused(String body) {
    coinGeckoSays("usd", body);
    assertThatThrownBy(() -> coinGecko().toMsats(100, "usd")).isInstanceOf(RailException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "0.0", "-97000", "0.5", "1e13", "99999999999999999999"})
  void zeroNegativeAndAbsurdPricesAreRefused(String price) {
    coinGeckoSays("usd", "{\"bitcoin\":{\"usd\":" + price + "}}");
    assertThatThrownBy(() -> coinGecko().toMsats(100, "usd"))
        .isInstanceOf(RailException.class)
        .hasMessageMatching(".*(non-positive|implausible).*");
  }

  @Test
  void perCurrencyBoundsTightenThePlausibleRange() {
    coinGeckoSays("usd", "{\"bitcoin\":{\"usd\":500}}");
    HttpExchangeRates rates =
        HttpExchangeRates.builder()
            .source(
                HttpExchangeRates.Format.COINGECKO,
                base() + "/api/v3/simple/price?ids=bitcoin&vs_currencies={currency}")
            .priceBounds("USD", new BigDecimal("1000"), new BigDecimal("10000000"))
            .build();
    assertThatThrownBy(() -> rates.toMsats(100, "usd")).hasMessageContaining("implausible");
  }

  @Test
  void theOtherPairOrAKrakenErrorIsRefused() {
    bodies.put(
        "/v2/prices/BTC-USD/spot",
        "{\"data\":{\"amount\":\"90000.00\",\"base\":\"BTC\",\"currency\":\"EUR\"}}");
    bodies.put("/0/public/Ticker?pair=XBTUSD", "{\"error\":[\"EQuery:Unknown asset pair\"]}");
    assertThatThrownBy(
            () ->
                HttpExchangeRates.builder()
                    .source(
                        HttpExchangeRates.Format.COINBASE,
                        base() + "/v2/prices/BTC-{CURRENCY}/spot")
                    .build()
                    .toMsats(1, "usd"))
        .isInstanceOf(RailException.class)
        .hasMessageContaining("another pair");
    assertThatThrownBy(
            () ->
                HttpExchangeRates.builder()
                    .source(
                        HttpExchangeRates.Format.KRAKEN,
                        base() + "/0/public/Ticker?pair=XBT{CURRENCY}")
                    .build()
                    .toMsats(1, "usd"))
        .isInstanceOf(RailException.class)
        .hasMessageContaining("error");
  }

  @Test
  void aSlowAnswerTimesOut() {
    HttpExchangeRates rates =
        HttpExchangeRates.builder()
            .source(HttpExchangeRates.Format.COINGECKO, base() + "/slow?c={currency}")
            .timeout(Duration.ofMillis(500))
            .build();
    long start = System.nanoTime();
    assertThatThrownBy(() -> rates.toMsats(100, "usd"))
        .isInstanceOf(RailException.class)
        .hasMessageMatching(".*(no answer|timed out).*");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void anOversizedAnswerIsRefused() {
    coinGeckoSays(
        "usd",
        "{\"bitcoin\":{\"usd\":97000},\"pad\":\""
            + "x".repeat(HttpExchangeRates.MAX_BODY_BYTES)
            + "\"}");
    assertThatThrownBy(() -> coinGecko().toMsats(100, "usd")).isInstanceOf(RailException.class);
  }

  @Test
  void anApiKeyIsSentButNeverShown() {
    String key = "cg-secret-key-123";
    bodies.put("/p?c=usd&x_cg_demo_api_key=" + key, "{\"bitcoin\":{\"usd\":0}}");
    HttpExchangeRates rates =
        HttpExchangeRates.builder()
            .source(
                HttpExchangeRates.Format.COINGECKO,
                base() + "/p?c={currency}&x_cg_demo_api_key=" + key)
            .header("x-api-key", key)
            .build();
    assertThatThrownBy(() -> rates.toMsats(100, "usd"))
        .isInstanceOf(RailException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(key));
    assertThat(lastHeaders).containsEntry("x-api-key", key);
    assertThat(rates.toString()).doesNotContain(key);
  }

  @Test
  void badInputIsRefusedBeforeAnyRequest() {
    HttpExchangeRates rates = coinGecko();
    assertThatThrownBy(() -> rates.toMsats(-1, "usd")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> rates.toMsats(1, "zzz")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> rates.toMsats(1, "XAU")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> rates.toMsats(1, " ")).isInstanceOf(InvalidInputException.class);
    assertThat(hits).hasValue(0);
    assertThatThrownBy(
            () ->
                HttpExchangeRates.builder()
                    .source(HttpExchangeRates.Format.KRAKEN, "ftp://x/{currency}"))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void anAmountTooLargeForALongIsRefused() {
    coinGeckoSays("usd", "{\"bitcoin\":{\"usd\":1}}");
    assertThatThrownBy(() -> coinGecko().toMsats(Long.MAX_VALUE / 10, "usd"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("too large");
  }

  @Test
  void thePublicSourcesAreDocumentedTemplates() {
    assertThat(HttpExchangeRates.builder().coinGecko().build().toString())
        .contains("api.coingecko.com");
    assertThat(HttpExchangeRates.builder().coinbase().build().toString())
        .contains("api.coinbase.com");
    assertThat(HttpExchangeRates.builder().kraken().build().toString()).contains("api.kraken.com");
  }
}
