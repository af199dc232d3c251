package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

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
 * The replay's card minimum (S25, issue 23), through the real {@code replay} command: a card-only
 * tenant's 30-cent invoice under a 50-cent minimum is printed as carried, and its 30 is billed
 * exactly once, as the "carried" item of the next invoice.
 */
class ReplayCarriedTest {
  private static final String T = "a".repeat(64);
  private static final String PLANS = "[{\"id\": \"tiny\", \"name\": \"Tiny\", \"amount\": 30}]";

  @TempDir Path dir;

  private static String minimum(String at, String fields) {
    return "{\"at\": \"" + at + "\", \"type\": \"card_minimum\"" + fields + "}";
  }

  private static String tenant(String at, boolean card) {
    return "{\"at\": \""
        + at
        + "\", \"type\": \"tenant\", \"tenant\": \""
        + T
        + "\", \"card\": "
        + card
        + "}";
  }

  private static String create(String at) {
    return "{\"at\": \""
        + at
        + "\", \"tenant\": \""
        + T
        + "\", \"type\": \"create_relay\", \"relay\": \"r1\", \"plan\": \"tiny\"}";
  }

  private static String bill(String at) {
    return "{\"at\": \"" + at + "\", \"type\": \"bill\"}";
  }

  private Cli.Result replay(String... lines) throws Exception {
    Path plans = Files.writeString(dir.resolve("plans.json"), PLANS);
    Path events = Files.writeString(dir.resolve("events.jsonl"), String.join("\n", lines) + "\n");
    return Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
  }

  private static List<String> lines(Cli.Result r) {
    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();
    return r.out().lines().toList();
  }

  /** The invoice, carried and preview lines, standing lines left out. */
  private static List<String> billed(Cli.Result r) {
    return lines(r).stream().filter(l -> !l.contains("\"standing\"")).toList();
  }

  @Test
  void aThirtyCentInvoiceIsCarriedThenBilledExactlyOnceOnTheNext() throws Exception {
    List<String> out =
        lines(
            replay(
                minimum("2025-02-01T00:00:00Z", ", \"currency\": \"usd\", \"amount\": 50"),
                tenant("2025-02-01T00:00:00Z", true),
                create("2025-02-01T00:00:00Z"),
                bill("2025-02-01T00:00:00Z"),
                bill("2025-03-01T00:00:00Z")));
    assertThat(out)
        .containsExactly(
            "{\"at\":\"2025-02-01T00:00:00Z\",\"invoice\":\"inv-1\",\"carried\":30}",
            "{\"invoice\":\"inv-2\",\"tenant\":\""
                + T
                + "\",\"period_start\":\"2025-03-01T00:00:00Z\",\"period_end\":"
                + "\"2025-04-01T00:00:00Z\",\"total\":60,\"tax\":0,\"tax_included\":0,\"items\":["
                + "{\"relay\":\"carried\",\"amount\":30,\"description\":\"Carried from inv-1\"},"
                + "{\"relay\":\"r1\",\"amount\":30,\"description\":\"Subscription renewal\"}]}",
            // Only inv-2 is dunned: the carried inv-1 was never due, so the tenant stayed GOOD.
            "{\"at\":\"2025-03-01T00:00:00Z\",\"tenant\":\""
                + T
                + "\",\"standing\":\"PAST_DUE\",\"was\":\"GOOD\"}",
            "{\"tenant\":\"" + T + "\",\"outstanding\":0}");
  }

  @Test
  void aTenantNotMarkedCardOnlyIsNeverCarried() throws Exception {
    List<String> out =
        lines(
            replay(
                minimum("2025-02-01T00:00:00Z", ", \"currency\": \"usd\", \"amount\": 50"),
                tenant("2025-02-01T00:00:00Z", false),
                create("2025-02-01T00:00:00Z"),
                bill("2025-02-01T00:00:00Z")));
    assertThat(out.get(0)).startsWith("{\"invoice\":\"inv-1\"").contains("\"total\":30");
  }

  @Test
  void beforeTheMinimumLineThereIsNoMinimum() throws Exception {
    List<String> out =
        billed(
            replay(
                tenant("2025-02-01T00:00:00Z", true),
                create("2025-02-01T00:00:00Z"),
                bill("2025-02-01T00:00:00Z"),
                minimum("2025-02-15T00:00:00Z", ", \"currency\": \"usd\", \"amount\": 50"),
                bill("2025-03-01T00:00:00Z")));
    assertThat(out.get(0)).startsWith("{\"invoice\":\"inv-1\"").contains("\"total\":30");
    assertThat(out.get(1))
        .isEqualTo("{\"at\":\"2025-03-01T00:00:00Z\",\"invoice\":\"inv-2\",\"carried\":30}");
  }

  @Test
  void aPreviewOfAnInvoiceThatWouldBeCarriedKeepsThePreviewFormatAndTheRunCarriesIt()
      throws Exception {
    List<String> out =
        lines(
            replay(
                minimum("2025-02-01T00:00:00Z", ", \"currency\": \"usd\", \"amount\": 50"),
                tenant("2025-02-01T00:00:00Z", true),
                create("2025-02-01T00:00:00Z"),
                "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": \"preview\", \"tenant\": \""
                    + T
                    + "\"}",
                bill("2025-02-01T00:00:00Z")));
    assertThat(out.get(0))
        .isEqualTo(
            "{\"preview\":\""
                + T
                + "\",\"at\":\"2025-02-01T00:00:00Z\",\"items\":[{\"relay\":\"r1\",\"amount\":30,"
                + "\"description\":\"New relay created\"}],\"tax\":0,\"total\":30}");
    assertThat(out.get(1))
        .isEqualTo("{\"at\":\"2025-02-01T00:00:00Z\",\"invoice\":\"inv-1\",\"carried\":30}");
  }

  static Stream<Arguments> badMinimumLines() {
    return Stream.of(
        Arguments.of(", \"amount\": 50", "missing \"currency\""),
        Arguments.of(", \"currency\": \"usd\"", "missing \"amount\""),
        Arguments.of(", \"currency\": \"USD\", \"amount\": 50", "three-letter code in lowercase"),
        Arguments.of(", \"currency\": \"dollars\", \"amount\": 50", "three-letter code"),
        Arguments.of(", \"currency\": \"usd\", \"amount\": 0", "\"amount\" must be above zero"),
        Arguments.of(", \"currency\": \"usd\", \"amount\": 12.5", "whole number of minor units"),
        Arguments.of(", \"currency\": \"usd\", \"amount\": -5", "must not be negative"),
        Arguments.of(
            ", \"currency\": \"usd\", \"amount\": 50, \"card\": true",
            "unknown field \"card\"; a card_minimum line has"),
        Arguments.of(", \"currency\": \"eur\", \"amount\": 50", "the plans are in usd"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badMinimumLines")
  void aMalformedCardMinimumLineIsNamedByFileAndLineAndNothingIsBilled(
      String fields, String problem) throws Exception {
    Cli.Result r =
        replay(
            create("2025-02-01T00:00:00Z"),
            bill("2025-02-01T00:00:00Z"),
            minimum("2025-02-02T00:00:00Z", fields));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .startsWith("billing replay: " + dir.resolve("events.jsonl") + ":3: ")
        .contains(problem);
  }
}
