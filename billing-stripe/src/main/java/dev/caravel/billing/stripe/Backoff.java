package dev.caravel.billing.stripe;

import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * How long to wait before retrying: for a throttled (429) request, Stripe's {@code Retry-After}
 * when it sends one, else exponential backoff with equal jitter ({@link #delay}); for a connection
 * failure, 409 or 5xx, stripe-java's network backoff ({@link #networkDelay}). Jitter keeps many
 * instances from retrying in lockstep.
 */
record Backoff(int maxRetries, Duration initial, Duration max, RandomGenerator random) {

  /**
   * The wait before retry number {@code retry} (0-based), or empty to give up: no retries left, or
   * the server asked for a longer pause than we are willing to block a billing thread for.
   */
  Optional<Duration> delay(int retry, Optional<Duration> retryAfter) {
    if (retry >= maxRetries) {
      return Optional.empty();
    }
    if (retryAfter.isPresent()) {
      Duration asked = retryAfter.get();
      return asked.compareTo(max) > 0 ? Optional.empty() : Optional.of(asked);
    }
    long ceiling = initial.toMillis() << Math.min(retry, 20);
    long capped = Math.min(ceiling, max.toMillis());
    // "Equal jitter": at least half the step, so backoff still grows, plus a random other half.
    long half = capped / 2;
    return Optional.of(Duration.ofMillis(half + random.nextLong(capped - half + 1)));
  }

  /**
   * stripe-java's network-retry wait before retry {@code retry} (0-based), or empty when none is
   * left: {@code initial × 2^retry} capped at {@code max}, times a random factor in [0.75, 1],
   * never below {@code initial}. With the gateway's 0.5 s and 5 s, every wait is within 0.5–5 s.
   */
  Optional<Duration> networkDelay(int retry) {
    if (retry >= maxRetries) {
      return Optional.empty();
    }
    long capped = Math.min(initial.toMillis() << Math.min(retry, 20), max.toMillis());
    long jittered = capped * 3 / 4 + random.nextLong(capped / 4 + 1);
    return Optional.of(Duration.ofMillis(Math.max(initial.toMillis(), jittered)));
  }
}
