package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The replay's plan changes at term end (S22, issue 23), through the real {@code replay} command:
 * {@code "when": "term_end"} on an {@code update_relay} line, and the {@code cancel_change} line.
 */
class ReplayTermEndTest {
  private static final String T = "a".repeat(64);
  private static final String PLANS =
      "[{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500},"
          + " {\"id\": \"plus\", \"name\": \"Plus\", \"amount\": 1000},"
          + " {\"id\": \"pro\", \"name\": \"Pro\", \"amount\": 2000},"
          + " {\"id\": \"yearly\", \"name\": \"Yearly\", \"amount\": 5000, \"interval_months\": 12}]";

  @TempDir Path dir;

  private static String activity(String at, String type, String rest) {
    return "{\"at\": \""
        + at
        + "\", \"tenant\": \""
        + T
        + "\", \"type\": \""
        + type
        + "\", \"relay\": \"r1\""
        + rest
        + "}";
  }

  private static String create(String plan) {
    return activity("2025-01-31T10:00:00Z", "create_relay", ", \"plan\": \"" + plan + "\"");
  }

  private static String atTermEnd(String at, String plan) {
    return activity(at, "update_relay", ", \"plan\": \"" + plan + "\", \"when\": \"term_end\"");
  }

  private static String bill(String at) {
    return "{\"at\": \"" + at + "\", \"type\": \"bill\"}";
  }

  private Path file(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  private Cli.Result replay(String... lines) throws Exception {
    Path plans = file("plans.json", PLANS);
    Path events = file("events.jsonl", String.join("\n", lines) + "\n");
    return Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
  }

  /** Each invoice line's total and its items as "relay amount description". */
  private List<String> invoices(String... lines) throws Exception {
    Cli.Result r = replay(lines);
    assertThat(r.exit()).as(r.err()).isZero();
    List<String> out = new ArrayList<>();
    for (String line : r.out().split("\n")) {
      if (!line.startsWith("{\"invoice\":")) {
        continue;
      }
      JsonNode invoice = ReplayInput.JSON.readTree(line);
      StringBuilder text =
          new StringBuilder(invoice.get("period_start").textValue())
              .append(" total ")
              .append(invoice.get("total").longValue());
      for (JsonNode item : invoice.get("items")) {
        text.append(" | ")
            .append(item.get("amount").longValue())
            .append(' ')
            .append(item.get("description").textValue());
      }
      out.add(text.toString());
    }
    return out;
  }

  @Test
  void anAnnualPlanDowngradedAtTermEndBillsNothingMidTermAndRenewsAtTheMonthlyPrice()
      throws Exception {
    assertThat(
            invoices(
                create("yearly"),
                bill("2025-01-31T10:00:00Z"),
                atTermEnd("2025-03-15T00:00:00Z", "basic"),
                bill("2025-03-31T10:00:00Z"),
                bill("2025-12-31T10:00:00Z"),
                bill("2026-01-31T10:00:00Z"),
                bill("2026-02-28T10:00:00Z")))
        .containsExactly(
            "2025-01-31T10:00:00Z total 5000 | 5000 New relay created",
            "2026-01-31T10:00:00Z total 500 | 500 Subscription renewal",
            "2026-02-28T10:00:00Z total 500 | 500 Subscription renewal");
  }

  @Test
  void aScheduleIsReplacedByANewerOne() throws Exception {
    assertThat(
            invoices(
                create("basic"),
                bill("2025-01-31T10:00:00Z"),
                atTermEnd("2025-02-05T00:00:00Z", "pro"),
                atTermEnd("2025-02-10T00:00:00Z", "plus"),
                bill("2025-02-28T10:00:00Z")))
        .containsExactly(
            "2025-01-31T10:00:00Z total 500 | 500 New relay created",
            "2025-02-28T10:00:00Z total 1000 | 1000 Subscription renewal");
  }

  @Test
  void aScheduleIsCancelledByADeactivation() throws Exception {
    // February's period is 28 days: the credit on the 14th is 14/28 of 500, the charge on the 21st
    // 7/28; the relay renews on basic, not pro.
    assertThat(
            invoices(
                create("basic"),
                bill("2025-01-31T10:00:00Z"),
                atTermEnd("2025-02-05T00:00:00Z", "pro"),
                activity("2025-02-14T10:00:00Z", "deactivate_relay", ""),
                activity("2025-02-21T10:00:00Z", "activate_relay", ""),
                bill("2025-02-28T10:00:00Z")))
        .containsExactly(
            "2025-01-31T10:00:00Z total 500 | 500 New relay created",
            "2025-02-28T10:00:00Z total 375 | -250 Relay deactivated (prorated credit)"
                + " | 125 Relay reactivated | 500 Subscription renewal");
  }

  @Test
  void aCancelChangeLineDropsTheScheduleAndWhenNowIsTheChangeAtOnce() throws Exception {
    assertThat(
            invoices(
                create("basic"),
                bill("2025-01-31T10:00:00Z"),
                atTermEnd("2025-02-05T00:00:00Z", "pro"),
                activity("2025-02-06T00:00:00Z", "cancel_change", ""),
                activity(
                    "2025-02-14T10:00:00Z",
                    "update_relay",
                    ", \"plan\": \"plus\", \"when\": \"now\""),
                bill("2025-02-28T10:00:00Z")))
        .containsExactly(
            "2025-01-31T10:00:00Z total 500 | 500 New relay created",
            "2025-02-28T10:00:00Z total 1250 | 250 Plan changed from Basic to Plus"
                + " | 1000 Subscription renewal");
  }

  static Stream<Arguments> badLines() {
    return Stream.of(
        Arguments.of(
            activity(
                "2025-02-05T00:00:00Z", "update_relay", ", \"plan\": \"pro\", \"when\": \"later\""),
            "\"when\" must be \"now\" or \"term_end\", got \"later\""),
        Arguments.of(
            activity("2025-02-05T00:00:00Z", "update_relay", ", \"when\": \"term_end\""),
            "missing \"plan\""),
        Arguments.of(
            activity("2025-02-05T00:00:00Z", "update_relay", ", \"plan\": \"pro\", \"when\": 1"),
            "\"when\" must be a string"),
        Arguments.of(
            atTermEnd("2025-02-05T00:00:00Z", "basic"),
            "the engine refused this activity (not_schedulable)"),
        Arguments.of(
            atTermEnd("2025-02-05T00:00:00Z", "gold"),
            "the engine refused this activity (unknown_plan)"),
        Arguments.of(
            activity("2025-02-05T00:00:00Z", "cancel_change", ""),
            "the engine refused this activity (nothing_scheduled)"),
        Arguments.of(
            activity("2025-02-05T00:00:00Z", "cancel_change", ", \"plan\": \"pro\""),
            "unknown field \"plan\"; a cancel_change line has"),
        Arguments.of(
            activity("2025-02-05T00:00:00Z", "schedule_change", ", \"plan\": \"pro\""),
            "\"when\": \"term_end\""),
        Arguments.of(
            activity("2025-02-05T00:00:00Z", "deactivate_relay", ", \"when\": \"term_end\""),
            "unknown field \"when\""));
  }

  @ParameterizedTest
  @MethodSource("badLines")
  void aMalformedOrRefusedChangeIsNamedByFileAndLineAndNothingIsBilled(String line, String problem)
      throws Exception {
    Cli.Result r = replay(create("basic"), line, bill("2025-02-28T10:00:00Z"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .startsWith("billing replay: " + dir.resolve("events.jsonl") + ":2: ")
        .contains(problem);
  }

  @Test
  void aScheduleOnAnInactiveRelayIsRefused() throws Exception {
    Cli.Result r =
        replay(
            create("basic"),
            activity("2025-02-01T00:00:00Z", "deactivate_relay", ""),
            atTermEnd("2025-02-05T00:00:00Z", "pro"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("billing replay: " + dir.resolve("events.jsonl") + ":3: ")
        .contains("(not_schedulable)", "inactive");
  }
}
