package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay's preview line (S23): what generating now would make, printed, writing nothing. */
class ReplayPreviewTest {
  private static final String T = "a".repeat(64);
  private static final String PLANS = "[{\"id\": \"odd\", \"name\": \"Odd\", \"amount\": 999}]";

  @TempDir Path dir;

  private List<String> replay(String... lines) throws Exception {
    Path p = Files.writeString(dir.resolve("plans.json"), PLANS);
    Path e = Files.writeString(dir.resolve("events.jsonl"), String.join("\n", lines) + "\n");
    return Replay.run(
        new InMemoryRepository(),
        ReplayInput.readPlans(p, "plans.json"),
        ReplayInput.readEvents(e, "events.jsonl"),
        "events.jsonl");
  }

  private static String line(String at, String type, String rest) {
    return "{\"at\": \""
        + at
        + "\", \"type\": \""
        + type
        + "\", \"tenant\": \""
        + T
        + "\""
        + rest
        + "}";
  }

  @Test
  void aPreviewPrintsTheInvoiceTheNextBillMakesAndWritesNothing() throws Exception {
    List<String> out =
        replay(
            line("2025-02-01T00:00:00Z", "tenant", ", \"tax_bps\": 2000"),
            line("2025-02-01T00:00:00Z", "create_relay", ", \"relay\": \"r1\", \"plan\": \"odd\""),
            line("2025-02-01T00:00:00Z", "preview", ""),
            line("2025-02-01T00:00:00Z", "preview", ""),
            "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": \"bill\"}",
            line("2025-02-02T00:00:00Z", "preview", ""));
    String expected =
        "{\"preview\":\""
            + T
            + "\",\"at\":\"2025-02-01T00:00:00Z\",\"items\":[{\"relay\":\"r1\",\"amount\":999,"
            + "\"description\":\"New relay created\"}],\"tax\":200,\"total\":1199}";
    assertThat(out.get(0)).isEqualTo(expected);
    assertThat(out.get(1)).as("the first wrote nothing").isEqualTo(expected);
    assertThat(out.get(2)).startsWith("{\"invoice\":\"inv-1\"").contains("\"total\":1199");
    assertThat(out.get(3))
        .as("its first round failed: no rail")
        .contains("\"standing\":\"PAST_DUE\"");
    assertThat(out.get(4))
        .as("nothing left to invoice")
        .isEqualTo(
            "{\"preview\":\""
                + T
                + "\",\"at\":\"2025-02-02T00:00:00Z\",\"items\":[],\"tax\":0,\"total\":0}");
  }

  @Test
  void aPreviewLineHasOnlyItsFields() throws Exception {
    Path plans = Files.writeString(dir.resolve("plans.json"), PLANS);
    Path events =
        Files.writeString(
            dir.resolve("events.jsonl"),
            line("2025-02-01T00:00:00Z", "preview", ", \"relay\": \"r1\"") + "\n");
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("billing replay: " + events + ":1: ")
        .contains("unknown field \"relay\"; a preview line has");
  }
}
