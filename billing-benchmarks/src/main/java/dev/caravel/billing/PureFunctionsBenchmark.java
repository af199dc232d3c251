package dev.caravel.billing;

import dev.caravel.billing.Invoice.Period;
import dev.caravel.billing.internal.BillingPeriods;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH for issue 16's pure functions: period lookup (S2), proration (S3), the relay-state fold (S4).
 * In core's package because the fold ({@link RelayState}) and proration ({@link Proration}) are
 * package-private; the benchmarks run on the class path, where that is allowed. Inputs are drawn
 * once, from a fixed seed; each call takes the next of 4,096, so the JIT cannot fold them away.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PureFunctionsBenchmark {
  private static final int SIZE = 1 << 12;
  private static final int MASK = SIZE - 1;

  /** Activities per fold: one relay's log; the fold's figure is activities per second. */
  public static final int FOLD = 1000;

  private final BillingPeriods[] periods = new BillingPeriods[SIZE];
  private final Instant[] instants = new Instant[SIZE];
  private final Period[] prorated = new Period[SIZE];
  private final long[] prices = new long[SIZE];
  private final Activity[] log = new Activity[FOLD];
  private int next;

  @Setup
  public void draw() {
    SplittableRandom random = new SplittableRandom(16);
    Instant base = Instant.parse("2024-01-01T00:00:00Z");
    for (int i = 0; i < SIZE; i++) {
      // Anchors on random days of four years (every month-end and a Feb 29 among them), at a
      // random second; instants up to five years on.
      long day = random.nextInt(4 * 365);
      Instant anchor = base.plusSeconds(day * 86_400 + random.nextInt(86_400));
      periods[i] = new BillingPeriods(anchor);
      instants[i] = anchor.plusSeconds(random.nextLong(5L * 366 * 86_400));
      prorated[i] = periods[i].periodAt(instants[i]);
      prices[i] = random.nextInt(100_000);
    }
    String tenant = "a".repeat(64);
    Instant at = base;
    for (int i = 0; i < FOLD; i++) {
      at = at.plusSeconds(3600);
      String id = "evt-" + i;
      log[i] =
          switch (i == 0 ? 0 : 1 + random.nextInt(3)) {
            case 0 -> Activity.create(id, tenant, "relay", "basic", at);
            case 1 ->
                Activity.update(id, tenant, "relay", random.nextBoolean() ? "basic" : "pro", at);
            case 2 -> Activity.activate(id, tenant, "relay", at);
            default -> Activity.deactivate(id, tenant, "relay", at);
          };
    }
  }

  @Benchmark
  public Period periodLookup() {
    int i = next++ & MASK;
    return periods[i].periodAt(instants[i]);
  }

  @Benchmark
  public long proration() {
    int i = next++ & MASK;
    return Proration.prorate(prices[i], prorated[i], instants[i]);
  }

  @Benchmark
  @OperationsPerInvocation(FOLD)
  public RelayState relayStateFold() {
    RelayState state = RelayState.NONE;
    for (Activity activity : log) {
      state = state.apply(activity);
    }
    return state;
  }
}
