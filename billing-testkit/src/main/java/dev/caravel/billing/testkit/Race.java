package dev.caravel.billing.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/** Starts many threads at one instant on the same work and collects what each got. */
public final class Race {
  private static final long DEADLINE_SECONDS = 90;

  /** What one contender got: a value, or the exception it threw. */
  public record Outcome<T>(T value, Throwable error) {
    public boolean failed() {
      return error != null;
    }
  }

  private Race() {}

  /**
   * Runs {@code task.apply(i)} for every {@code i < threads}, all released together, and returns
   * the outcomes in index order. Fails if any contender is still running at the deadline.
   */
  public static <T> List<Outcome<T>> run(int threads, IntFunction<T> task) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Outcome<T>>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int index = i;
        futures.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  try {
                    return new Outcome<>(task.apply(index), null);
                  } catch (RuntimeException | Error e) {
                    return new Outcome<T>(null, e);
                  }
                }));
      }
      if (!ready.await(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError("contenders did not start within " + DEADLINE_SECONDS + " s");
      }
      go.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
      List<Outcome<T>> outcomes = new ArrayList<>();
      for (Future<Outcome<T>> f : futures) {
        outcomes.add(f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      }
      return outcomes;
    } catch (TimeoutException e) {
      throw new AssertionError(
          "a contender did not finish within " + DEADLINE_SECONDS + " s (deadlock?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** Like {@link #run} but every contender must succeed; returns the values. */
  public static <T> List<T> all(int threads, IntFunction<T> task) {
    List<T> values = new ArrayList<>();
    for (Outcome<T> o : run(threads, task)) {
      if (o.failed()) {
        throw new AssertionError("a contender failed: " + o.error(), o.error());
      }
      values.add(o.value());
    }
    return values;
  }
}
