package dev.caravel.billing.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Heap use since the last reset, two ways:
 *
 * <ul>
 *   <li>{@link #peak()}: the peak of each heap pool, summed. An upper bound that grows with the
 *       heap it is given: G1 lets the young generation fill whatever room {@code -Xmx} leaves
 *       before it collects, and each pool peaks at its own moment, so over a long run this
 *       approaches the maximum whether the live data grows or not.
 *   <li>{@link #peakLive()}: the most the heap held just after a full collection, forced every
 *       {@code every} by {@link #watchLive} (each a pause of tens of milliseconds at these sizes,
 *       counted in the day's time). That is the live data at that moment, so if it stays flat from
 *       a small day to a large one, nothing the day keeps grows with the tenants. Only a full
 *       collection says so: after a young one the old generation still holds garbage not yet
 *       reclaimed, and that grows with the day's length.
 * </ul>
 */
final class Heap {
  private static final AtomicLong LIVE = new AtomicLong();

  private Heap() {}

  static void resetPeak() {
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
    LIVE.set(0);
  }

  static long peak() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  /**
   * Until the returned handle is closed, a daemon thread forces a full collection every {@code
   * every} and keeps the most the heap held just after one; closing takes one last sample.
   */
  static AutoCloseable watchLive(Duration every) {
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (true) {
                  Thread.sleep(every.toMillis());
                  sampleLive();
                }
              } catch (InterruptedException stopped) {
                // closed
              }
            },
            "live-heap-watch");
    watcher.setDaemon(true);
    watcher.start();
    return () -> {
      watcher.interrupt();
      watcher.join();
      sampleLive();
    };
  }

  private static void sampleLive() {
    System.gc(); // a full, stop-the-world collection under G1 (no -XX:+ExplicitGCInvokesConcurrent)
    LIVE.accumulateAndGet(
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
  }

  /** The most the heap held just after a full collection of {@link #watchLive}, since the reset. */
  static long peakLive() {
    return LIVE.get();
  }
}
