package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The replay's {@code trial_days} (S20, issue 23): a 14-day trial on a monthly plan, a relay
 * created and deleted during it billing nothing, and the first term charged at the anchor; a trial
 * given after the tenant's first activity is refused by file and line, nothing billed.
 */
class ReplayTrialTest {
  private static final String T = "a".repeat(64);
  private static final String PLANS = "[{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500}]";

  @TempDir Path dir;

  private static String line(String at, String type, String fields) {
    return "{\"at\": \""
        + at
        + "\", \"type\": \""
        + type
        + "\", \"tenant\": \""
        + T
        + "\""
        + fields
        + "}";
  }

  private static String bill(String at) {
    return "{\"at\": \"" + at + "\", \"type\": \"bill\"}";
  }

  private Path plans() throws Exception {
    return Files.writeString(dir.resolve("plans.json"), PLANS);
  }

  private Path events(String... lines) throws Exception {
    return Files.writeString(dir.resolve("events.jsonl"), String.join("\n", lines) + "\n");
  }

  @Test
  void aFourteenDayTrialBillsNothingUntilItsEndAndThenTheFirstTermOfEachActiveRelay()
      throws Exception {
    List<String> out =
        Replay.run(
            new InMemoryRepository(),
            ReplayInput.readPlans(plans(), "plans.json"),
            ReplayInput.readEvents(
                events(
                    line("2025-02-01T00:00:00Z", "tenant", ", \"trial_days\": 14"),
                    line(
                        "2025-02-01T09:00:00Z",
                        "create_relay",
                        ", \"relay\": \"r1\", \"plan\": \"basic\""),
                    line(
                        "2025-02-03T12:00:00Z",
                        "create_relay",
                        ", \"relay\": \"r2\", \"plan\": \"basic\""),
                    line("2025-02-05T12:00:00Z", "deactivate_relay", ", \"relay\": \"r2\""),
                    bill("2025-02-10T00:00:00Z"),
                    line("2025-02-10T00:00:00Z", "preview", ""),
                    bill("2025-02-15T09:00:00Z"),
                    bill("2025-03-15T09:00:00Z")),
                "events.jsonl"),
            "events.jsonl");
    // Standing lines left out: the tenants of a replay never pay.
    assertThat(out)
        .filteredOn(l -> l.startsWith("{\"invoice\":") || l.startsWith("{\"preview\":"))
        .containsExactly(
            "{\"preview\":\""
                + T
                + "\",\"at\":\"2025-02-10T00:00:00Z\",\"items\":[],\"tax\":0,\"total\":0}",
            "{\"invoice\":\"inv-1\",\"tenant\":\""
                + T
                + "\",\"period_start\":\"2025-02-15T09:00:00Z\","
                + "\"period_end\":\"2025-03-15T09:00:00Z\",\"total\":500,\"tax\":0,"
                + "\"tax_included\":0,\"items\":[{\"relay\":\"r1\",\"amount\":500,"
                + "\"description\":\"First period after trial\"}]}",
            "{\"invoice\":\"inv-2\",\"tenant\":\""
                + T
                + "\",\"period_start\":\"2025-03-15T09:00:00Z\","
                + "\"period_end\":\"2025-04-15T09:00:00Z\",\"total\":500,\"tax\":0,"
                + "\"tax_included\":0,\"items\":[{\"relay\":\"r1\",\"amount\":500,"
                + "\"description\":\"Subscription renewal\"}]}");
  }

  static Stream<Arguments> badTrials() {
    return Stream.of(
        Arguments.of(", \"trial_days\": 0", "\"trial_days\" must be a whole number of days"),
        Arguments.of(", \"trial_days\": 366", "from 1 to 365, got 366"),
        Arguments.of(", \"trial_days\": 7.5", "from 1 to 365"),
        Arguments.of(", \"trial_days\": \"14\"", "from 1 to 365"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTrials")
  void aMalformedTrialIsNamedByFileAndLine(String fields, String problem) throws Exception {
    Path events = events(line("2025-02-01T00:00:00Z", "tenant", fields));
    Cli.Result r = Cli.run("replay", "--plans", plans().toString(), "--events", events.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("billing replay: " + events + ":1: ").contains(problem);
  }

  @Test
  void aTrialAfterTheTenantsFirstActivityIsRefusedByFileAndLineAndNothingIsBilled()
      throws Exception {
    Path events =
        events(
            line(
                "2025-02-01T09:00:00Z", "create_relay", ", \"relay\": \"r1\", \"plan\": \"basic\""),
            bill("2025-02-01T09:00:00Z"),
            line("2025-02-02T00:00:00Z", "tenant", ", \"trial_days\": 14"));
    Cli.Result r = Cli.run("replay", "--plans", plans().toString(), "--events", events.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .startsWith("billing replay: " + events + ":3: ")
        .contains("the engine refused this trial")
        .contains("before its first activity");
  }
}
