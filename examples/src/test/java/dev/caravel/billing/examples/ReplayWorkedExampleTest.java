package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's worked example of issue 23 (an annual plan, a trial, a 20% coupon for 3 periods, a
 * downgrade at term end, 20% VAT and a 30-cent invoice carried forward) is what the replay prints:
 * the plans, the events and the output are read from the README itself, so its figures cannot drift
 * from the engine's, and each total its table states is on the invoice the output shows.
 */
class ReplayWorkedExampleTest {
  private static final Path README = Path.of("README.md");

  @TempDir Path dir;

  /** The fenced block after the HTML comment {@code <!-- worked-example:NAME -->}. */
  private static String block(String readme, String name) {
    Matcher m =
        Pattern.compile(
                "<!-- worked-example:" + name + " -->\\s*```[a-z]*\\n(.*?)```", Pattern.DOTALL)
            .matcher(readme);
    assertThat(m.find()).as("README block worked-example:" + name).isTrue();
    return m.group(1);
  }

  private static List<String> lines(String block) {
    List<String> out = new ArrayList<>();
    for (String line : block.split("\n")) {
      if (!line.isBlank()) {
        out.add(line.strip());
      }
    }
    return out;
  }

  @Test
  void theReadmesOutputIsWhatTheReplayPrints() throws Exception {
    String readme = Files.readString(README);
    Path plans = Files.writeString(dir.resolve("plans.json"), block(readme, "plans"));
    Path events = Files.writeString(dir.resolve("events.jsonl"), block(readme, "events"));
    List<String> printed =
        Replay.run(
            new InMemoryRepository(),
            ReplayInput.readPlans(plans, "plans.json"),
            ReplayInput.readEvents(events, "events.jsonl"),
            "events.jsonl");
    assertThat(printed).containsExactlyElementsOf(lines(block(readme, "output")));
  }

  /** The command itself (on its embedded H2 ledger, through billing-jdbc) prints the same. */
  @Test
  void theCommandPrintsItOnTheJdbcLedger() throws Exception {
    String readme = Files.readString(README);
    Path plans = Files.writeString(dir.resolve("plans.json"), block(readme, "plans"));
    Path events = Files.writeString(dir.resolve("events.jsonl"), block(readme, "events"));
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();
    assertThat(lines(r.out())).containsExactlyElementsOf(lines(block(readme, "output")));
  }

  /** Every "total **N**" of the table is the total of the invoice its row names, in the output. */
  @Test
  void theTablesTotalsAreTheOutputsInvoices() throws Exception {
    String readme = Files.readString(README);
    String output = block(readme, "output");
    Matcher rows =
        Pattern.compile("\\*\\*(inv-\\d+)\\*\\*[^\\n]*?total \\*\\*(\\d+)\\*\\*").matcher(readme);
    int checked = 0;
    while (rows.find()) {
      assertThat(output)
          .as("the table's total of " + rows.group(1))
          .containsPattern(
              "\\{\"invoice\":\"" + rows.group(1) + "\"[^\\n]*\"total\":" + rows.group(2) + ",");
      checked++;
    }
    Matcher carried =
        Pattern.compile("\\*\\*(inv-\\d+)\\*\\*[^\\n]*?carried \\*\\*(\\d+)\\*\\*").matcher(readme);
    while (carried.find()) {
      assertThat(output)
          .as("the table's carried amount of " + carried.group(1))
          .contains("\"invoice\":\"" + carried.group(1) + "\",\"carried\":" + carried.group(2));
      checked++;
    }
    assertThat(checked).as("figures the table states").isGreaterThanOrEqualTo(6);
  }
}
