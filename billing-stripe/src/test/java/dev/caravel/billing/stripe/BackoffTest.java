package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class BackoffTest {
  final Backoff backoff =
      new Backoff(5, Duration.ofMillis(500), Duration.ofSeconds(8), new Random(7));

  @Property
  void eachStepIsJitteredWithinItsBoundsAndCapped(
      @ForAll @IntRange(min = 0, max = 4) int retry, @ForAll long seed) {
    Backoff b = new Backoff(5, Duration.ofMillis(500), Duration.ofSeconds(8), new Random(seed));
    long step = Math.min(500L << retry, 8_000);

    Duration wait = b.delay(retry, Optional.empty()).orElseThrow();

    assertThat(wait.toMillis()).isBetween(step / 2, step);
  }

  @Property
  void retryAfterIsHonouredUpToTheCap(@ForAll @LongRange(min = 0, max = 20) long seconds) {
    Optional<Duration> wait = backoff.delay(0, Optional.of(Duration.ofSeconds(seconds)));
    if (seconds <= 8) {
      assertThat(wait).contains(Duration.ofSeconds(seconds));
    } else {
      assertThat(wait).isEmpty();
    }
  }

  @Property
  void noWaitOnceRetriesAreSpent(@ForAll @IntRange(min = 5, max = 100) int retry) {
    assertThat(backoff.delay(retry, Optional.empty())).isEmpty();
    assertThat(backoff.delay(retry, Optional.of(Duration.ofSeconds(1)))).isEmpty();
  }
}
