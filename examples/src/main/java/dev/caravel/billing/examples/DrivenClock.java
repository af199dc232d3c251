package dev.caravel.billing.examples;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A clock that shows whatever instant it was last set to: the demo and the replay drive the
 * engine's "now" with it, so a four-month story runs in a second. Thread-safe.
 */
final class DrivenClock extends Clock {
  private volatile Instant now;

  DrivenClock(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
  }

  void set(Instant instant) {
    this.now = Objects.requireNonNull(instant, "instant");
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the driven clock is UTC only");
  }
}
