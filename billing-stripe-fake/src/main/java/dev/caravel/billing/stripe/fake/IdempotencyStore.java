package dev.caravel.billing.stripe.fake;

import static dev.caravel.billing.stripe.fake.StripeErrors.error;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Stripe's idempotency layer around the fake's executed POSTs: the first executed answer under an
 * {@code Idempotency-Key} is saved and replayed; the same key with other parameters (or on another
 * endpoint) is a 400 {@code idempotency_error}; a key whose first request is still executing is a
 * 409 {@code idempotency_key_in_use}.
 */
final class IdempotencyStore {
  private record Saved(String endpoint, Map<String, String> params, Reply reply) {}

  private final Object lock;

  // Guarded by lock (the FakeStripe instance, like the rest of the fake's state).
  private final Map<String, Saved> idempotency = new HashMap<>();
  private final Set<String> inFlight = new HashSet<>();
  private int replays;

  IdempotencyStore(Object lock) {
    this.lock = lock;
  }

  void reset() {
    synchronized (lock) {
      idempotency.clear();
      inFlight.clear();
      replays = 0;
    }
  }

  /** Responses served from the store. */
  int replays() {
    synchronized (lock) {
      return replays;
    }
  }

  /** Stripe's idempotency layer around one executed POST. */
  Reply run(String endpoint, Map<String, String> params, String key, Supplier<Reply> execution) {
    synchronized (lock) {
      if (key != null) {
        Saved saved = idempotency.get(key);
        if (saved != null) {
          if (!saved.endpoint().equals(endpoint) || !saved.params().equals(params)) {
            return Reply.of(
                400,
                error(
                    "idempotency_error",
                    null,
                    null,
                    "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '"
                        + key
                        + "' if you meant to execute a different request."));
          }
          replays++;
          return saved.reply().replay();
        }
        if (!inFlight.add(key)) {
          return StripeErrors.keyInUse(Boolean.TRUE);
        }
      }
    }
    Reply reply;
    try {
      reply = execution.get();
    } finally {
      synchronized (lock) {
        if (key != null) {
          inFlight.remove(key);
        }
      }
    }
    synchronized (lock) {
      // Only requests that reached the endpoint are saved: a 4xx from a pre-execution check is not.
      if (key != null && reply.status() != 400) {
        idempotency.put(key, new Saved(endpoint, params, reply));
      }
    }
    return reply;
  }
}
