package dev.caravel.billing;

import dev.caravel.billing.RailException.Rail;
import java.time.Duration;
import java.util.EnumMap;
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

  /** The most rail calls one round makes on one rail (a saved card: look it up, charge it). */
  private static final int CALLS_PER_ROUND = 4;

  /**
   * The builder's settings, checked together. A round waits for a rate limit under its lease: every
   * round collected at once may queue on one limiter a few calls each, and all of that must fit
   * well inside the lease, or another instance could start the same round meanwhile.
   *
   * @throws IllegalStateException if the lease is too short for a rate limit
   */
  static CollectionSettings of(
      int collectionConcurrency,
      Map<Rail, Integer> laneCaps,
      Map<Rail, Integer> rateLimits,
      Duration leaseTtl,
      RateLimiter.Pacer pacer) {
    Map<Rail, Integer> caps = new EnumMap<>(Rail.class);
    Map<Rail, RateLimiter> limits = new EnumMap<>(Rail.class);
    for (Rail rail : Rail.values()) {
      int fallback = Math.max(1, collectionConcurrency - collectionConcurrency / 4);
      caps.put(rail, Math.min(collectionConcurrency, laneCaps.getOrDefault(rail, fallback)));
      Integer rate = rateLimits.get(rail);
      if (rate != null) {
        long worstWaitSeconds = ((long) collectionConcurrency * CALLS_PER_ROUND + rate - 1) / rate;
        if (leaseTtl.getSeconds() < 2 * worstWaitSeconds) {
          throw new IllegalStateException(
              "leaseTtl "
                  + leaseTtl
                  + " is too short for a rate limit of "
                  + rate
                  + "/s on "
                  + rail
                  + " with collectionConcurrency "
                  + collectionConcurrency
                  + ": rounds may wait up to "
                  + worstWaitSeconds
                  + " s for it under their lease; the lease must be at least twice that");
        }
        limits.put(rail, new RateLimiter(rate, pacer));
      }
    }
    return new CollectionSettings(collectionConcurrency, caps, limits);
  }

  /** Waits, if the rail has a rate limit, until its next call may go out. */
  void pace(Rail rail) {
    RateLimiter limiter = rateLimits.get(rail);
    if (limiter != null) {
      limiter.acquire(rail);
    }
  }
}
