package dev.caravel.billing.benchmarks;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Heap use since the last reset, two ways:
 *
 * <ul>
 *   <li>{@link #peak()}: the peak of each heap pool, summed. An upper bound that grows with the
 *       heap it is given: G1 lets the young generation fill whatever room {@code -Xmx} leaves
 *       before it collects, and each pool peaks at its own moment, so over a long run this
 *       approaches the maximum whether the live data grows or not.
 *   <li>{@link #peakAfterCollection()}: the most the heap held just after any collection, young or
 *       full, summed over its pools at that moment. What survived a collection is live data plus
 *       the old generation's garbage not yet reclaimed, so this is still an upper bound of the live
 *       data, but one that does not grow with {@code -Xmx}: if it stays flat from a small day to a
 *       large one, nothing the day keeps grows with the tenants.
 * </ul>
 */
final class Heap {
  private static final AtomicLong AFTER_COLLECTION = new AtomicLong();
  private static final AtomicLong COLLECTIONS = new AtomicLong();
  private static final Set<String> HEAP_POOLS =
      ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(pool -> pool.getType() == MemoryType.HEAP)
          .map(MemoryPoolMXBean::getName)
          .collect(Collectors.toUnmodifiableSet());

  static {
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) collector)
          .addNotificationListener(
              (notification, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                    notification.getType())) {
                  afterCollection(
                      GarbageCollectionNotificationInfo.from(
                          (CompositeData) notification.getUserData()));
                }
              },
              null,
              null);
    }
  }

  private Heap() {}

  private static void afterCollection(GarbageCollectionNotificationInfo info) {
    long used = 0;
    for (var pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (HEAP_POOLS.contains(pool.getKey())) {
        MemoryUsage usage = pool.getValue();
        used += usage.getUsed();
      }
    }
    AFTER_COLLECTION.accumulateAndGet(used, Math::max);
    COLLECTIONS.incrementAndGet();
  }

  static void resetPeak() {
    long told = COLLECTIONS.get();
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
    // The notification of the collection above arrives on another thread, maybe after this line:
    // what it saw is the loading's, not the day's, so it is forgotten once it has been told.
    long settled = System.nanoTime() + 1_000_000_000L;
    while (COLLECTIONS.get() == told && System.nanoTime() < settled) {
      Thread.onSpinWait();
    }
    AFTER_COLLECTION.set(0);
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

  /** The most the heap held just after a collection since the last reset (0 if none ran). */
  static long peakAfterCollection() {
    return AFTER_COLLECTION.get();
  }
}
