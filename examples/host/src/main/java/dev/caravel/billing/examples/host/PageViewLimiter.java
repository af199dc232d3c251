package dev.caravel.billing.examples.host;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Page views per invoice, per minute (issue 22): an unpaid invoice's page asks the service wallet
 * about its BOLT11, so a flood of views of one link would spend the wallet's own rate limit. Views
 * beyond the limit are refused before the engine is asked. Only links that opened an invoice are
 * counted, so a stranger's guesses can't use up a tenant's views.
 */
final class PageViewLimiter {
  private static final Duration WINDOW = Duration.ofMinutes(1);

  /**
   * More invoices than this in one window: drop the windows that are over, so memory stays small.
   */
  private static final int MAX_TRACKED = 10_000;

  private record Window(Instant start, int views) {}

  private final int viewsPerMinute;
  private final Clock clock;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  PageViewLimiter(int viewsPerMinute, Clock clock) {
    if (viewsPerMinute < 1) {
      throw new IllegalArgumentException(
          "host.page-views-per-minute must be at least 1, got " + viewsPerMinute);
    }
    this.viewsPerMinute = viewsPerMinute;
    this.clock = clock;
  }

  int viewsPerMinute() {
    return viewsPerMinute;
  }

  /** Whether one more view of {@code invoiceId} may go on now; counts it if so. */
  boolean tryView(String invoiceId) {
    Instant now = clock.instant();
    if (windows.size() > MAX_TRACKED) {
      windows.values().removeIf(w -> !now.isBefore(w.start().plus(WINDOW)));
    }
    Window after =
        windows.compute(
            invoiceId,
            (id, w) ->
                w == null || !now.isBefore(w.start().plus(WINDOW))
                    ? new Window(now, 1)
                    : new Window(w.start(), w.views() + 1));
    return after.views() <= viewsPerMinute;
  }
}
