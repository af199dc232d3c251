package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.memory.InMemoryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay's price lines and plan histories (S15). */
class ReplayPriceTest {
  private static final String T = "a".repeat(64);

  @TempDir Path dir;

  private List<String> replay(String plans, String events) throws Exception {
    Path p = Files.writeString(dir.resolve("plans.json"), plans);
    Path e = Files.writeString(dir.resolve("events.jsonl"), events);
    PlanCatalogue catalogue = ReplayInput.readPlans(p, "plans.json");
    return Replay.run(
        new InMemoryRepository(),
        catalogue,
        ReplayInput.readEvents(e, "events.jsonl"),
        "events.jsonl");
  }

  @Test
  void aPriceLineRepricesFromItsEffectiveInstant() throws Exception {
    List<String> out =
        replay(
            "[{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500}]",
            "{\"at\": \"2025-02-01T00:00:00Z\", \"tenant\": \""
                + T
                + "\", \"type\": \"create_relay\", \"relay\": \"r1\", \"plan\": \"basic\"}\n"
                + "{\"at\": \"2025-02-10T00:00:00Z\", \"type\": \"price\", \"plan\": \"basic\","
                + " \"amount\": 700, \"effective\": \"2025-02-15T00:00:00Z\"}\n"
                + "{\"at\": \"2025-03-01T00:00:00Z\", \"type\": \"bill\"}\n");
    assertThat(out.get(0)).contains("\"total\":1200");
  }

  /**
   * S15 as rewritten (issue 21, defect 12): a change effective mid-period reaches the tenant at its
   * next period, so the credit for r1's last 7 of 28 days returns what was charged (500 × 7 / 28 =
   * 125), not the new price's 175; r2's renewal on Mar 1 is at 700.
   */
  @Test
  void aPriceLineReachesATenantAtItsNextPeriod() throws Exception {
    List<String> out =
        replay(
            "[{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500}]",
            "{\"at\": \"2025-02-01T00:00:00Z\", \"tenant\": \""
                + T
                + "\", \"type\": \"create_relay\", \"relay\": \"r1\", \"plan\": \"basic\"}\n"
                + "{\"at\": \"2025-02-01T00:00:00Z\", \"tenant\": \""
                + T
                + "\", \"type\": \"create_relay\", \"relay\": \"r2\", \"plan\": \"basic\"}\n"
                + "{\"at\": \"2025-02-10T00:00:00Z\", \"type\": \"price\", \"plan\": \"basic\","
                + " \"amount\": 700, \"effective\": \"2025-02-15T00:00:00Z\"}\n"
                + "{\"at\": \"2025-02-22T00:00:00Z\", \"tenant\": \""
                + T
                + "\", \"type\": \"deactivate_relay\", \"relay\": \"r1\"}\n"
                + "{\"at\": \"2025-03-01T00:00:00Z\", \"type\": \"bill\"}\n");
    assertThat(out.get(0))
        .contains("{\"relay\":\"r1\",\"amount\":-125,")
        .contains("{\"relay\":\"r2\",\"amount\":700,\"description\":\"Subscription renewal\"}")
        .contains("\"total\":1575");
  }

  @Test
  void aPlansFileMayGiveAPriceHistory() throws Exception {
    List<String> out =
        replay(
            "[{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500, \"history\":"
                + " [{\"effective\": \"2025-02-15T00:00:00Z\", \"amount\": 700}]}]",
            "{\"at\": \"2025-02-01T00:00:00Z\", \"tenant\": \""
                + T
                + "\", \"type\": \"create_relay\", \"relay\": \"r1\", \"plan\": \"basic\"}\n"
                + "{\"at\": \"2025-03-01T00:00:00Z\", \"type\": \"bill\"}\n");
    assertThat(out.get(0)).contains("\"total\":1200");
  }
}
