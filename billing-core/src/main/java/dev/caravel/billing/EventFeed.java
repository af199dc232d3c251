package dev.caravel.billing;

import dev.caravel.billing.spi.Repository;
import java.util.List;

/** The durable event feed (S16), read a page at a time after the last id a host handled. */
final class EventFeed {
  private final Repository repository;

  EventFeed(EngineSettings settings) {
    this.repository = settings.repository();
  }

  /** {@link Billing#events}. */
  List<BillingEvent> events(long afterId, int limit) {
    if (afterId < 0) {
      throw new IllegalArgumentException("afterId must not be negative, got " + afterId);
    }
    if (limit < 1 || limit > 10_000) {
      throw new IllegalArgumentException("limit must be 1 to 10000, got " + limit);
    }
    return repository.events(afterId, limit);
  }
}
