package dev.caravel.billing.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

// spotless:off: the README shows this code as it is written here
/** The README's snippet for the clock and the race, as it stands there. */
class ToolsTest {
  @Test
  void theReadmeSnippetRuns() {
    MutableClock clock = MutableClock.at("2025-01-31T10:00:00Z"); // a java.time.Clock that moves only when told
    clock.advance(Duration.ofDays(29));
    assert clock.instant().equals(Instant.parse("2025-03-01T10:00:00Z"));

    AtomicInteger winners = new AtomicInteger();
    AtomicBoolean taken = new AtomicBoolean();
    List<Boolean> got = Race.all(8, i -> taken.compareAndSet(false, true) && winners.incrementAndGet() == 1);
    assert got.stream().filter(won -> won).count() == 1; // 8 threads released together, one wins

    assertThat(clock.instant()).isEqualTo(Instant.parse("2025-03-01T10:00:00Z"));
    assertThat(got).hasSize(8).containsOnlyOnce(true);
    assertThat(winners).hasValue(1);
  }
}
// spotless:on
