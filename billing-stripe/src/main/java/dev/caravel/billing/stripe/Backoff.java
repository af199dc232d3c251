package dev.caravel.billing.stripe;

import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * How long to wait before retrying a throttled (429) request: Stripe's {@code Retry-After} when
 * it sends one, else exponential backoff with jitter so many instances do not retry in lockstep.
 */
record Backoff(int maxRetries, Duration initial, Duration max, RandomGenerator random) {

  /**
   * The wait before retry number {@code retry} (0-based), or empty to give up: no retries left,
   * or the server asked for a longer pause than we are willing to block a billing thread for.
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
}
