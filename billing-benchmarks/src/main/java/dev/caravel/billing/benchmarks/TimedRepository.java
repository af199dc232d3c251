package dev.caravel.billing.benchmarks;

import dev.caravel.billing.spi.Repository;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Measures the ledger part of {@code Billing.runCycle()} from outside the engine: a cycle takes a
 * page of the tenants due ({@code takeDueTenants}), bills it (reads the ledgers, reconciles,
 * renews) and ends with {@code claim}; only then does it collect the page's invoices. So the ledger
 * part is the sum, over pages, of the time from asking for a page to its claim's return (plus the
 * last, empty, page request). A dynamic proxy, so it follows the Repository interface as it grows.
 */
final class TimedRepository {
  private TimedRepository() {}

  /** {@code repository}, timed; {@code ledgerNanos} accumulates the ledger part. */
  static Repository wrap(Repository repository, AtomicLong ledgerNanos) {
    return wrap(repository, ledgerNanos, null, null);
  }

  /**
   * {@code repository}, timed, and the WAL the ledger part writes summed into {@code ledgerWal}
   * ({@code wal} reads the server's position; see {@link WalPosition}). The pages' ledger parts and
   * their collections follow one another, never overlap, on one instance, so the rest of the day's
   * WAL is the collection's (including the day's end: due invoices, Lightning sweep, standings).
   * The position is read outside the ledger part's timed spans, so its two reads a page (a
   * millisecond or so) count in the collection part's time.
   */
  static Repository wrap(
      Repository repository, AtomicLong ledgerNanos, LongSupplier wal, AtomicLong ledgerWal) {
    long[] pageStarted = {0};
    long[] pageWal = {0};
    InvocationHandler handler =
        (proxy, method, args) -> {
          String name = method.getName();
          boolean page = name.equals("takeDueTenants");
          long walAtStart = page && wal != null ? wal.getAsLong() : 0;
          long t0 = System.nanoTime();
          if (page) {
            pageStarted[0] = t0;
            pageWal[0] = walAtStart;
          }
          Object result;
          try {
            result = method.invoke(repository, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (name.equals("claim")) {
            if (pageStarted[0] == 0) {
              // The engine found its page some other way: the figure would be meaningless.
              throw new IllegalStateException("a claim with no page of due tenants taken before");
            }
            ledgerNanos.addAndGet(System.nanoTime() - pageStarted[0]);
            if (wal != null) {
              ledgerWal.addAndGet(wal.getAsLong() - pageWal[0]);
            }
          } else if (page && ((java.util.List<?>) result).isEmpty()) {
            ledgerNanos.addAndGet(System.nanoTime() - t0);
            if (wal != null) {
              ledgerWal.addAndGet(wal.getAsLong() - walAtStart);
            }
          }
          return result;
        };
    return (Repository)
        Proxy.newProxyInstance(
            Repository.class.getClassLoader(), new Class<?>[] {Repository.class}, handler);
  }
}
