package dev.caravel.billing.stripe;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One place that talks HTTP to Stripe: the auth, version and idempotency headers, and the in-call
 * retries, which follow stripe-java's rules. Every POST carries an Idempotency-Key and every retry
 * resends the very same request under it, so a retry can never charge twice:
 *
 * <ul>
 *   <li>{@code Stripe-Should-Retry: true} → retry; {@code false} → do not (Stripe says it would be
 *       a no-op, e.g. a saved 500 that would only be replayed);
 *   <li>otherwise a 409 ({@code idempotency_key_in_use}) or a 5xx → retry;
 *   <li>a connection failure (refused, reset, closed, connect timeout) → retry;
 *   <li>a request timeout → retry for a GET; a POST gives up (its time budget is spent and it may
 *       still be executing; the engine resumes it with the same key);
 *   <li>a 429 (rate limit, {@code lock_timeout}) → retry on the rate-limit budget, honouring {@code
 *       Retry-After}.
 * </ul>
 *
 * Network retries wait 0.5–5 s with jitter (stripe-java's backoff), at most {@code
 * maxNetworkRetries} times; the caller sees the last answer, or the last transport error.
 */
final class StripeHttp {
  private static final Logger log = LoggerFactory.getLogger(StripeHttp.class);
  private static final String USER_AGENT = "caravel-billing-stripe/0.1";

  /**
   * What Stripe answered. {@code replayed}: Stripe served a saved idempotent response. {@code
   * attempts}: how many times the request was sent.
   */
  record Response(
      int status,
      String body,
      Optional<String> requestId,
      boolean replayed,
      Optional<Duration> retryAfter,
      Optional<Boolean> shouldRetry,
      int attempts) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  /** The request never got an answer, after {@code attempts} tries. */
  static final class TransportException extends IOException {
    private final int attempts;
    private final boolean timedOut;

    TransportException(IOException cause, int attempts) {
      super(
          cause.getClass().getSimpleName()
              + " after "
              + attempts
              + (attempts == 1 ? " attempt" : " attempts"),
          cause);
      this.attempts = attempts;
      this.timedOut =
          cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException);
    }

    int attempts() {
      return attempts;
    }

    /** The request was sent and not answered in time (it may be executing). */
    boolean timedOut() {
      return timedOut;
    }

    String causeName() {
      return getCause().getClass().getSimpleName();
    }
  }

  private final HttpClient client;
  private final URI baseUri;
  private final String apiKey;
  private final String apiVersion;
  private final Duration requestTimeout;
  private final Backoff rateLimit;
  private final Backoff network;
  private final StripeGateway.Sleeper sleeper;

  StripeHttp(
      HttpClient client,
      URI baseUri,
      String apiKey,
      String apiVersion,
      Duration requestTimeout,
      Backoff rateLimit,
      Backoff network,
      StripeGateway.Sleeper sleeper) {
    this.client = client;
    this.baseUri = baseUri;
    this.apiKey = apiKey;
    this.apiVersion = apiVersion;
    this.requestTimeout = requestTimeout;
    this.rateLimit = rateLimit;
    this.network = network;
    this.sleeper = sleeper;
  }

  Response get(String pathAndQuery) throws TransportException, InterruptedException {
    return send(request(pathAndQuery).GET().build(), true);
  }

  Response post(String path, Map<String, String> form, String idempotencyKey)
      throws TransportException, InterruptedException {
    HttpRequest request =
        request(path)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Idempotency-Key", idempotencyKey)
            .POST(HttpRequest.BodyPublishers.ofString(Form.encode(form), StandardCharsets.UTF_8))
            .build();
    return send(request, false);
  }

  private HttpRequest.Builder request(String pathAndQuery) {
    // Relative resolution keeps any path prefix of the base URI.
    return HttpRequest.newBuilder(
            baseUri.resolve(
                pathAndQuery.startsWith("/") ? pathAndQuery.substring(1) : pathAndQuery))
        .timeout(requestTimeout)
        .header("Authorization", "Bearer " + apiKey)
        .header("Stripe-Version", apiVersion)
        .header("Accept", "application/json")
        .header("User-Agent", USER_AGENT);
  }

  private Response send(HttpRequest request, boolean read)
      throws TransportException, InterruptedException {
    String what = request.method() + " " + request.uri().getPath();
    int rateLimitRetries = 0;
    int networkRetries = 0;
    for (int attempt = 1; ; attempt++) {
      Response response;
      try {
        HttpResponse<String> raw =
            client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        response =
            new Response(
                raw.statusCode(),
                raw.body(),
                raw.headers().firstValue("Request-Id"),
                raw.headers()
                    .firstValue("Idempotent-Replayed")
                    .map("true"::equalsIgnoreCase)
                    .orElse(false),
                raw.headers().firstValue("Retry-After").flatMap(StripeHttp::seconds),
                raw.headers()
                    .firstValue("Stripe-Should-Retry")
                    .map(String::trim)
                    .filter(v -> v.equals("true") || v.equals("false"))
                    .map(Boolean::valueOf),
                attempt);
      } catch (IOException e) {
        boolean requestTimeout =
            e instanceof HttpTimeoutException && !(e instanceof HttpConnectTimeoutException);
        Optional<Duration> wait =
            requestTimeout && !read ? Optional.empty() : network.networkDelay(networkRetries++);
        if (wait.isEmpty()) {
          throw new TransportException(e, attempt);
        }
        log.warn(
            "{} failed ({}), retrying in {} ms",
            what,
            e.getClass().getSimpleName(),
            wait.get().toMillis());
        sleeper.sleep(wait.get());
        continue;
      }
      Optional<Duration> wait = retryWait(response, rateLimitRetries, networkRetries);
      if (wait.isEmpty()) {
        if (!response.ok() && attempt > 1) {
          log.warn(
              "{} -> {} after {} attempts (request {})",
              what,
              response.status(),
              attempt,
              response.requestId().orElse("-"));
        } else {
          log.debug(
              "{} -> {} (request {}{})",
              what,
              response.status(),
              response.requestId().orElse("-"),
              response.replayed() ? ", replayed" : "");
        }
        return response;
      }
      if (response.status() == 429) {
        rateLimitRetries++;
      } else {
        networkRetries++;
      }
      log.info(
          "{} -> {}, retrying in {} ms (request {})",
          what,
          response.status(),
          wait.get().toMillis(),
          response.requestId().orElse("-"));
      sleeper.sleep(wait.get());
    }
  }

  /** How long to wait before sending again, or empty to hand this answer to the caller. */
  private Optional<Duration> retryWait(
      Response response, int rateLimitRetries, int networkRetries) {
    if (response.ok() || response.shouldRetry().filter(r -> !r).isPresent()) {
      return Optional.empty();
    }
    if (response.status() == 429) {
      return rateLimit.delay(rateLimitRetries, response.retryAfter());
    }
    boolean retry =
        response.shouldRetry().orElse(response.status() == 409 || response.status() >= 500);
    return retry ? network.networkDelay(networkRetries) : Optional.empty();
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
