package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The replay's plan intervals (S19): {@code "interval_months"} on a plan. */
class ReplayIntervalTest {
  private static final String T = "a".repeat(64);

  @TempDir Path dir;

  @Test
  void aYearlyPlanIsBilledOnceATermThroughMonthlyBillingRuns() throws Exception {
    Path p =
        Files.writeString(
            dir.resolve("plans.json"),
            "[{\"id\": \"yearly\", \"name\": \"Yearly\", \"amount\": 5000, \"interval_months\": 12}]");
    StringBuilder events =
        new StringBuilder(
            "{\"at\": \"2025-01-31T10:00:00Z\", \"tenant\": \""
                + T
                + "\", \"type\": \"create_relay\", \"relay\": \"r1\", \"plan\": \"yearly\"}\n");
    for (String month : List.of("2025-01-31", "2025-02-28", "2025-07-31", "2026-01-31")) {
      events.append("{\"at\": \"").append(month).append("T10:00:00Z\", \"type\": \"bill\"}\n");
    }
    Path e = Files.writeString(dir.resolve("events.jsonl"), events);
    List<String> invoices =
        Replay.run(
                new InMemoryRepository(),
                ReplayInput.readPlans(p, "plans.json"),
                ReplayInput.readEvents(e, "events.jsonl"),
                "events.jsonl")
            .stream()
            .filter(l -> l.startsWith("{\"invoice\":"))
            .toList();
    assertThat(invoices).hasSize(2);
    assertThat(invoices.get(0))
        .contains("\"period_start\":\"2025-01-31T10:00:00Z\"", "\"total\":5000");
    assertThat(invoices.get(1))
        .contains("\"period_start\":\"2026-01-31T10:00:00Z\"", "\"total\":5000")
        .contains("Subscription renewal");
  }

  @ParameterizedTest(name = "interval_months {0}")
  @ValueSource(strings = {"2", "0", "1.5", "\"12\"", "null"})
  void anIntervalOtherThan1_3_6Or12IsNamedByFileAndLine(String value) throws Exception {
    Path plans =
        Files.writeString(
            dir.resolve("plans.json"),
            "[\n{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500, \"interval_months\": "
                + value
                + "}\n]");
    Path events = Files.writeString(dir.resolve("events.jsonl"), "");
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("billing replay: " + plans + ":2: ")
        .contains("\"interval_months\" must be 1, 3, 6 or 12");
  }
}
