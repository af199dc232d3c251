package dev.caravel.billing.benchmarks;

import dev.caravel.billing.PureFunctionsBenchmark;
import java.util.Collection;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the pure-function benchmarks (one fork with a fixed, pre-touched heap, 3 warm-up and 5
 * measured seconds each) and prints JMH's table, then {@code jmh: period_per_s=...
 * proration_per_s=... fold_per_s=...} as the last line (fold: activities per second). {@code
 * -Dquick=true}: in-process, a tenth of a second each, for the smoke test; its figures are only a
 * sign of life.
 */
public final class JmhMain {
  /**
   * The fork's heap: fixed and touched before the first iteration. On this project's benchmark
   * machine (a Firecracker VM whose memory the host backs lazily) the first write to each 4 KiB
   * page of fresh memory costs about 12 µs, forty times a write to a page already touched. The
   * period lookup allocates its answer (72 bytes), so whenever the default heap grew during an
   * iteration, that iteration measured the host's page faults (down to 4 M lookups/s) instead of
   * the lookup, and the 5-iteration mean moved by tens of millions between runs. A heap of one
   * size, touched while the fork starts ({@code AlwaysPreTouch}), is never fresh during a
   * measurement. 512 MiB keeps young collections cheap and the start-up touch under two seconds.
   */
  static final String[] FORK_HEAP = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"};

  private JmhMain() {}

  public static void main(String[] args) throws RunnerException {
    System.out.println(run(Boolean.getBoolean("quick")).line());
  }

  /** Throughputs per second. */
  public record Figures(double period, double proration, double fold) {
    public String line() {
      return String.format(
          Locale.ROOT,
          "jmh: period_per_s=%.0f proration_per_s=%.0f fold_per_s=%.0f",
          period,
          proration,
          fold);
    }
  }

  public static Figures run(boolean quick) throws RunnerException {
    OptionsBuilder options = new OptionsBuilder();
    options.include(PureFunctionsBenchmark.class.getName() + "\\.");
    if (quick) {
      options
          .forks(0)
          .warmupIterations(1)
          .warmupTime(TimeValue.milliseconds(100))
          .measurementIterations(1)
          .measurementTime(TimeValue.milliseconds(100));
    } else {
      options
          .forks(1)
          .jvmArgsAppend(FORK_HEAP)
          .warmupIterations(3)
          .warmupTime(TimeValue.seconds(1))
          .measurementIterations(5)
          .measurementTime(TimeValue.seconds(1));
    }
    Options built = options.build();
    Collection<RunResult> results = new Runner(built).run();
    double period = 0;
    double proration = 0;
    double fold = 0;
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      double score = r.getPrimaryResult().getScore();
      if (name.endsWith(".periodLookup")) {
        period = score;
      } else if (name.endsWith(".proration")) {
        proration = score;
      } else if (name.endsWith(".relayStateFold")) {
        fold = score;
      }
    }
    return new Figures(period, proration, fold);
  }
}
