package dev.caravel.billing.stripe;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One place that talks HTTP to Stripe: the auth, version and idempotency headers, and the
 * retry loop. Throttling (429) is retried for every call, since a throttled request was never
 * executed; a GET is also retried on 5xx and transport errors, since reading twice is harmless.
 * A POST's 5xx or transport error goes back to the caller, which decides (a charge answers
 * Unknown and the engine retries later with the same idempotency key).
 */
final class StripeHttp {
  private static final Logger log = LoggerFactory.getLogger(StripeHttp.class);
  private static final String USER_AGENT = "caravel-billing-stripe/0.1";

  /** What Stripe answered. {@code replayed}: Stripe served a saved idempotent response. */
  record Response(int status, String body, Optional<String> requestId, boolean replayed, Optional<Duration> retryAfter) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  private final HttpClient client;
  private final URI baseUri;
  private final String apiKey;
  private final String apiVersion;
  private final Duration requestTimeout;
  private final Backoff backoff;
  private final StripeGateway.Sleeper sleeper;

  StripeHttp(HttpClient client, URI baseUri, String apiKey, String apiVersion, Duration requestTimeout,
      Backoff backoff, StripeGateway.Sleeper sleeper) {
    this.client = client;
    this.baseUri = baseUri;
    this.apiKey = apiKey;
    this.apiVersion = apiVersion;
    this.requestTimeout = requestTimeout;
    this.backoff = backoff;
    this.sleeper = sleeper;
  }

  Response get(String pathAndQuery) throws IOException, InterruptedException {
    return send(request(pathAndQuery).GET().build(), true);
  }

  Response post(String path, Map<String, String> form, String idempotencyKey) throws IOException, InterruptedException {
    HttpRequest request = request(path)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Idempotency-Key", idempotencyKey)
        .POST(HttpRequest.BodyPublishers.ofString(Form.encode(form), StandardCharsets.UTF_8))
        .build();
    return send(request, false);
  }

  private HttpRequest.Builder request(String pathAndQuery) {
    // Relative resolution keeps any path prefix of the base URI.
    return HttpRequest.newBuilder(baseUri.resolve(pathAndQuery.startsWith("/") ? pathAndQuery.substring(1) : pathAndQuery))
        .timeout(requestTimeout)
        .header("Authorization", "Bearer " + apiKey)
        .header("Stripe-Version", apiVersion)
        .header("Accept", "application/json")
        .header("User-Agent", USER_AGENT);
  }

  private Response send(HttpRequest request, boolean idempotentRead) throws IOException, InterruptedException {
    String what = request.method() + " " + request.uri().getPath();
    for (int retry = 0; ; retry++) {
      Response response;
      try {
        HttpResponse<String> raw = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        response = new Response(
            raw.statusCode(),
            raw.body(),
            raw.headers().firstValue("Request-Id"),
            raw.headers().firstValue("Idempotent-Replayed").map("true"::equalsIgnoreCase).orElse(false),
            raw.headers().firstValue("Retry-After").flatMap(StripeHttp::seconds));
      } catch (IOException e) {
        Optional<Duration> wait = idempotentRead ? backoff.delay(retry, Optional.empty()) : Optional.empty();
        if (wait.isEmpty()) {
          throw e;
        }
        log.warn("{} failed ({}), retrying in {} ms", what, e.getClass().getSimpleName(), wait.get().toMillis());
        sleeper.sleep(wait.get());
        continue;
      }
      boolean retryable = response.status() == 429 || (idempotentRead && response.status() >= 500);
      if (!retryable) {
        log.debug("{} -> {} (request {}{})", what, response.status(), response.requestId().orElse("-"),
            response.replayed() ? ", replayed" : "");
        return response;
      }
      Optional<Duration> wait = backoff.delay(retry, response.status() == 429 ? response.retryAfter() : Optional.empty());
      if (wait.isEmpty()) {
        log.warn("{} -> {} after {} retries, giving up (request {})", what, response.status(), retry,
            response.requestId().orElse("-"));
        return response;
      }
      log.info("{} -> {}, retrying in {} ms (request {})", what, response.status(), wait.get().toMillis(),
          response.requestId().orElse("-"));
      sleeper.sleep(wait.get());
    }
  }

  // Retry-After in delta-seconds; an HTTP-date or junk falls back to our own backoff.
  private static Optional<Duration> seconds(String value) {
    try {
      long s = Long.parseLong(value.trim());
      return s < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(s));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
