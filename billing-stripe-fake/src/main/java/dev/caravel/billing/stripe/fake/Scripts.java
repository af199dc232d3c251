package dev.caravel.billing.stripe.fake;

import static dev.caravel.billing.stripe.fake.StripeErrors.error;

import com.sun.net.httpserver.HttpExchange;
import dev.caravel.billing.stripe.fake.FakeStripe.BadJson;
import dev.caravel.billing.stripe.fake.FakeStripe.DropConnection;
import dev.caravel.billing.stripe.fake.FakeStripe.Fails;
import dev.caravel.billing.stripe.fake.FakeStripe.Forbidden;
import dev.caravel.billing.stripe.fake.FakeStripe.HoldAfterCharge;
import dev.caravel.billing.stripe.fake.FakeStripe.KeyInUse;
import dev.caravel.billing.stripe.fake.FakeStripe.LockTimeout;
import dev.caravel.billing.stripe.fake.FakeStripe.RateLimited;
import dev.caravel.billing.stripe.fake.FakeStripe.Script;
import dev.caravel.billing.stripe.fake.FakeStripe.ServerError;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What tests scripted for the next calls ({@link FakeStripe#nextCharges}, {@link
 * FakeStripe#nextWrites}, {@link FakeStripe#nextReads}), and the scripts that act outside an
 * endpoint: the answers given before it runs, and how the wire behaves after it ran. The scripts
 * that change what a charge, cancel or refund does act in those endpoints.
 */
final class Scripts {
  /** How the fake writes a reply on the wire. */
  @FunctionalInterface
  interface Wire {
    void write(HttpExchange exchange, Reply reply) throws IOException;
  }

  private final Object lock;

  // Guarded by lock (the FakeStripe instance, like the rest of the fake's state).
  private final Deque<Script> chargeScript = new ArrayDeque<>();
  private final Deque<Script> writeScript = new ArrayDeque<>();
  private final Deque<Script> readScript = new ArrayDeque<>();

  Scripts(Object lock) {
    this.lock = lock;
  }

  void reset() {
    synchronized (lock) {
      chargeScript.clear();
      writeScript.clear();
      readScript.clear();
    }
  }

  void nextCharges(Script... scripts) {
    synchronized (lock) {
      chargeScript.addAll(Arrays.asList(scripts));
    }
  }

  void nextWrites(Script... scripts) {
    synchronized (lock) {
      writeScript.addAll(Arrays.asList(scripts));
    }
  }

  void nextReads(Script... scripts) {
    synchronized (lock) {
      readScript.addAll(Arrays.asList(scripts));
    }
  }

  /** The script for this call (null: the happy path): a GET, the charge, or another POST. */
  Script next(String method, boolean isCharge) {
    synchronized (lock) {
      return (method.equals("GET") ? readScript : isCharge ? chargeScript : writeScript).poll();
    }
  }

  /** Scripts that answer before the endpoint runs: nothing is executed or saved. */
  static Reply beforeExecution(Script script) {
    if (script instanceof ServerError s) {
      Map<String, String> headers =
          s.shouldRetry() == null
              ? Map.of()
              : Map.of("Stripe-Should-Retry", s.shouldRetry().toString());
      return new Reply(
          500, error("api_error", null, null, "An unknown error occurred"), false, headers);
    }
    if (script instanceof RateLimited r) {
      Map<String, String> headers =
          r.retryAfterSeconds() >= 0
              ? Map.of("Retry-After", Integer.toString(r.retryAfterSeconds()))
              : Map.of();
      return new Reply(
          429,
          error(
              "invalid_request_error",
              "rate_limit",
              null,
              "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."),
          false,
          headers);
    }
    if (script instanceof LockTimeout) {
      return new Reply(
          429,
          error(
              "invalid_request_error",
              "lock_timeout",
              null,
              "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. "
                  + "If you see this error intermittently, retry the request."),
          false,
          Map.of("Stripe-Should-Retry", "true"));
    }
    if (script instanceof KeyInUse k) {
      return StripeErrors.keyInUse(k.shouldRetry());
    }
    if (script instanceof Forbidden) {
      return Reply.of(
          403,
          error(
              "invalid_request_error",
              null,
              null,
              "The provided key 'rk_test_*********************cdef' does not have the required permissions for this endpoint on account 'acct_1Fake'."));
    }
    if (script instanceof Fails f) {
      return Reply.of(f.status(), error(f.type(), f.code(), null, f.message()));
    }
    return null;
  }

  /** A GET's answer as the script says the wire carries it. */
  static Reply afterRead(Reply reply, Script script) {
    return script instanceof BadJson ? new Reply(200, "{\"id\": \"cus_", false, Map.of()) : reply;
  }

  /** Writes the reply as the script says the wire behaves after execution. */
  static void deliver(HttpExchange exchange, Reply reply, Script script, Wire wire)
      throws IOException, InterruptedException {
    if (script instanceof HoldAfterCharge hold) {
      // The charge is saved; the client gives up meanwhile. Bounded so a broken test cannot hang.
      hold.release().await(10, TimeUnit.SECONDS);
      try {
        wire.write(exchange, reply);
      } catch (IOException clientGone) {
        // Expected: the client timed out and closed the connection.
      }
    } else if (script instanceof BadJson) {
      wire.write(
          exchange,
          new Reply(
              200,
              "{\"id\": \"pi_3Fake\", \"object\": \"payment_intent\", \"status\": \"succ",
              false,
              Map.of()));
    } else if (script instanceof DropConnection) {
      // Closing before any header is sent makes the server drop the connection.
      exchange.close();
    } else {
      wire.write(exchange, reply);
    }
  }
}
