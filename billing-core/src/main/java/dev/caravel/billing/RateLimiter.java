package dev.caravel.billing;

import dev.caravel.billing.RailException.Rail;
import java.util.concurrent.TimeUnit;

/**
 * A per-rail rate limit shared by every round of one engine: at most {@code permitsPerSecond} rail
 * calls a second, spaced evenly (a bucket of one token). Stripe's limit is per account, so one
 * limiter serves all the invoices collected at once.
 *
 * <p>Each call reserves the next free slot under this object's lock, then waits outside it, so
 * waiting callers never block one another's reservations and slots are never handed out twice. The
 * time source is a {@link Pacer}, so tests drive it without sleeping.
 */
final class RateLimiter {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final Pacer pacer;
  private final int permitsPerSecond;

  /** Nanoseconds between two permits, rounded up: the rate is never exceeded. */
  private final long interval;

  /** The earliest instant (pacer nanos) the next permit may be used. Guarded by {@code this}. */
  private long nextFree;

  private boolean started;

  RateLimiter(int permitsPerSecond, Pacer pacer) {
    if (permitsPerSecond < 1) {
      throw new IllegalArgumentException(
          "a rate limit must be at least 1 per second, got " + permitsPerSecond);
    }
    this.permitsPerSecond = permitsPerSecond;
    this.pacer = pacer;
    this.interval = (NANOS_PER_SECOND + permitsPerSecond - 1) / permitsPerSecond;
  }

  int permitsPerSecond() {
    return permitsPerSecond;
  }

  /**
   * Reserves the next permit at pacer time {@code now}; returns the pacer time at which it may be
   * used (at or after {@code now}). Consecutive reservations are at least one interval apart.
   */
  synchronized long reserve(long now) {
    // Idle time earns no burst: a permit unused in the past cannot be spent now (nanoTime may be
    // negative, hence the flag rather than a zero sentinel).
    long slot = !started || now - nextFree > 0 ? now : nextFree;
    started = true;
    nextFree = slot + interval;
    return slot;
  }

  /**
   * Waits for a permit. Interrupted (the engine is closing): throws, so the round stops before the
   * rail call and is resumed later under the same keys.
   */
  void acquire(Rail rail) {
    long slot = reserve(pacer.nanoTime());
    try {
      for (long wait = slot - pacer.nanoTime(); wait > 0; wait = slot - pacer.nanoTime()) {
        pacer.sleep(wait);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RailException(rail, "INTERRUPTED", "interrupted while waiting for the rate limit");
    }
  }

  /**
   * The time source of rate limits: the JVM's monotonic clock in production, a driven one in tests.
   */
  interface Pacer {
    Pacer SYSTEM =
        new Pacer() {
          @Override
          public long nanoTime() {
            return System.nanoTime();
          }

          @Override
          public void sleep(long nanos) throws InterruptedException {
            TimeUnit.NANOSECONDS.sleep(nanos);
          }
        };

    long nanoTime();

    void sleep(long nanos) throws InterruptedException;
  }
}
