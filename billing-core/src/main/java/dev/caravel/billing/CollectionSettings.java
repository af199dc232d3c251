package dev.caravel.billing;

import java.util.Map;

/**
 * How collection runs several rounds at once (S17): how many in all, how many whose round starts on
 * each rail (its lane), and each rail's rate limit if it has one. Read by {@link Collector} and,
 * for the limits, by {@link PaymentCascade} before every rail call.
 */
record CollectionSettings(
    int concurrency, Map<Rail, Integer> laneCaps, Map<Rail, RateLimiter> rateLimits) {
  CollectionSettings {
    laneCaps = Map.copyOf(laneCaps);
    rateLimits = Map.copyOf(rateLimits);
  }

  /** Waits, if the rail has a rate limit, until its next call may go out. */
  void pace(Rail rail) {
    RateLimiter limiter = rateLimits.get(rail);
    if (limiter != null) {
      limiter.acquire(rail);
    }
  }
}
