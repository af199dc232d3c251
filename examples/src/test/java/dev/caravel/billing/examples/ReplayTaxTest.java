package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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

/** The replay's tenant lines and the tax on its invoice lines (S24, issue 23). */
class ReplayTaxTest {
  private static final String T = "a".repeat(64);
  private static final String PLANS = "[{\"id\": \"odd\", \"name\": \"Odd\", \"amount\": 999}]";
  private static final String CREATE =
      "{\"at\": \"2025-02-01T00:00:00Z\", \"tenant\": \""
          + T
          + "\", \"type\": \"create_relay\", \"relay\": \"r1\", \"plan\": \"odd\"}";

  @TempDir Path dir;

  private static String tenantLine(String at, String fields) {
    return "{\"at\": \""
        + at
        + "\", \"type\": \"tenant\", \"tenant\": \""
        + T
        + "\""
        + fields
        + "}";
  }

  private static String bill(String at) {
    return "{\"at\": \"" + at + "\", \"type\": \"bill\"}";
  }

  /** The invoice lines the replay prints, in order (standing lines left out). */
  private List<String> replay(String... lines) throws Exception {
    return everything(lines).stream().filter(l -> l.startsWith("{\"invoice\":")).toList();
  }

  private List<String> everything(String... lines) throws Exception {
    Path p = Files.writeString(dir.resolve("plans.json"), PLANS);
    Path e = Files.writeString(dir.resolve("events.jsonl"), String.join("\n", lines) + "\n");
    return Replay.run(
        new InMemoryRepository(),
        ReplayInput.readPlans(p, "plans.json"),
        ReplayInput.readEvents(e, "events.jsonl"),
        "events.jsonl");
  }

  private static JsonNode json(String line) throws Exception {
    return ReplayInput.JSON.readTree(line);
  }

  /** "total" is the sum of the items plus "tax", whatever the line says otherwise. */
  private static void totalIsItemsPlusTax(JsonNode invoice) {
    long items = 0;
    for (JsonNode item : invoice.get("items")) {
      items += item.get("amount").longValue();
    }
    assertThat(invoice.get("total").longValue()).isEqualTo(items + invoice.get("tax").longValue());
  }

  @Test
  void aTenantLineTaxesTheInvoicesClaimedAfterIt() throws Exception {
    List<String> out =
        replay(
            CREATE,
            bill("2025-02-01T00:00:00Z"),
            tenantLine(
                "2025-02-10T00:00:00Z",
                ", \"tax_bps\": 2000, \"tax_mode\": \"exclusive\", \"tax_label\": \"VAT\""),
            bill("2025-03-01T00:00:00Z"));
    JsonNode before = json(out.get(0));
    JsonNode after = json(out.get(1));
    assertThat(before.get("total").longValue()).isEqualTo(999);
    assertThat(before.get("tax").longValue()).isZero();
    assertThat(after.get("total").longValue()).as("999 + 199.8").isEqualTo(1199);
    assertThat(after.get("tax").longValue()).isEqualTo(200);
    assertThat(after.get("tax_included").longValue()).isZero();
    totalIsItemsPlusTax(before);
    totalIsItemsPlusTax(after);
  }

  @Test
  void anInclusiveTaxIsStatedAndAddsNothing() throws Exception {
    List<String> out =
        replay(
            tenantLine("2025-02-01T00:00:00Z", ", \"tax_bps\": 2000, \"tax_mode\": \"inclusive\""),
            CREATE,
            bill("2025-02-01T00:00:00Z"));
    JsonNode invoice = json(out.get(0));
    assertThat(invoice.get("total").longValue()).isEqualTo(999);
    assertThat(invoice.get("tax").longValue()).isZero();
    assertThat(invoice.get("tax_included").longValue()).as("999 / 6 = 166.5").isEqualTo(167);
    totalIsItemsPlusTax(invoice);
  }

  @Test
  void aTenantLineWithoutATaxRateRemovesTheTax() throws Exception {
    List<String> out =
        replay(
            tenantLine("2025-02-01T00:00:00Z", ", \"tax_bps\": 2000"),
            CREATE,
            bill("2025-02-01T00:00:00Z"),
            tenantLine("2025-02-10T00:00:00Z", ""),
            bill("2025-03-01T00:00:00Z"));
    assertThat(json(out.get(0)).get("total").longValue()).isEqualTo(1199);
    assertThat(json(out.get(1)).get("total").longValue()).isEqualTo(999);
    assertThat(json(out.get(1)).get("tax").longValue()).isZero();
  }

  static Stream<Arguments> badTenantLines() {
    return Stream.of(
        Arguments.of(", \"tax_bps\": 10001", "\"tax_bps\" must be a whole number of basis points"),
        Arguments.of(", \"tax_bps\": -1", "from 0 to 10000"),
        Arguments.of(", \"tax_bps\": 12.5", "from 0 to 10000"),
        Arguments.of(", \"tax_bps\": \"2000\"", "from 0 to 10000"),
        Arguments.of(", \"tax_bps\": 2000, \"tax_mode\": \"sideways\"", "\"exclusive\" or"),
        Arguments.of(", \"tax_bps\": 2000, \"tax_label\": \" \"", "must not be blank"),
        Arguments.of(", \"tax_label\": \"VAT\"", "need a \"tax_bps\""),
        Arguments.of(", \"trial_days\": 14", "the engine refused this trial"),
        Arguments.of(", \"card\": \"yes\"", "\"card\" must be true or false"),
        Arguments.of(", \"tax\": 2000", "unknown field \"tax\"; a tenant line has"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTenantLines")
  void aMalformedTenantLineIsNamedByFileAndLine(String fields, String problem) throws Exception {
    Path plans = Files.writeString(dir.resolve("plans.json"), PLANS);
    Path events =
        Files.writeString(
            dir.resolve("events.jsonl"),
            CREATE + "\n" + tenantLine("2025-02-02T00:00:00Z", fields) + "\n");
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("billing replay: " + events + ":2: ").contains(problem);
  }

  @Test
  void aTenantLineNeedsAValidTenant() throws Exception {
    Path plans = Files.writeString(dir.resolve("plans.json"), PLANS);
    Path events =
        Files.writeString(
            dir.resolve("events.jsonl"),
            "{\"at\": \"2025-02-02T00:00:00Z\", \"type\": \"tenant\", \"tenant\": \"alice\"}\n");
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("billing replay: " + events + ":1: ").contains("64 lowercase");
  }
}
