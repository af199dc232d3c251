package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The replay's coupon and redeem lines (S21, issue 23), through the real {@code replay} command:
 * exact invoice lines, discount items printed with {@code "relay": "discount"}, and malformed lines
 * refused by file and line with nothing billed.
 */
class ReplayCouponTest {
  private static final String T = "a".repeat(64);
  private static final String PLANS =
      "[{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500},"
          + " {\"id\": \"pro\", \"name\": \"Pro\", \"amount\": 2000}]";

  @TempDir Path dir;

  private static String create(String relay, String plan) {
    return "{\"at\": \"2025-02-01T00:00:00Z\", \"tenant\": \""
        + T
        + "\", \"type\": \"create_relay\", \"relay\": \""
        + relay
        + "\", \"plan\": \""
        + plan
        + "\"}";
  }

  private static String coupon(String fields) {
    return "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": \"coupon\", \"coupon\": \"LAUNCH20\""
        + fields
        + "}";
  }

  private static String redeem(String code) {
    return "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": \"redeem\", \"tenant\": \""
        + T
        + "\", \"coupon\": \""
        + code
        + "\"}";
  }

  private static String bill(String at) {
    return "{\"at\": \"" + at + "\", \"type\": \"bill\"}";
  }

  private Cli.Result run(String... lines) throws Exception {
    Path plans = Files.writeString(dir.resolve("plans.json"), PLANS);
    Path events = Files.writeString(dir.resolve("events.jsonl"), String.join("\n", lines) + "\n");
    return Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
  }

  /** The invoice lines the command printed, in order. */
  private List<String> invoices(String... lines) throws Exception {
    Cli.Result r = run(lines);
    assertThat(r.exit()).as(r.err()).isZero();
    return Arrays.stream(r.out().split("\n")).filter(l -> l.startsWith("{\"invoice\":")).toList();
  }

  private static String invoice(int n, String start, String end, long total, String items) {
    return String.format(
        "{\"invoice\":\"inv-%d\",\"tenant\":\"%s\",\"period_start\":\"%s\",\"period_end\":\"%s\","
            + "\"total\":%d,\"tax\":0,\"tax_included\":0,\"items\":[%s]}",
        n, T, start, end, total, items);
  }

  private static String item(String relay, long amount, String description) {
    return String.format(
        "{\"relay\":\"%s\",\"amount\":%d,\"description\":\"%s\"}", relay, amount, description);
  }

  @Test
  void twentyPercentForThreePeriodsDiscountsThreeInvoicesThenStops() throws Exception {
    List<String> out =
        invoices(
            create("r1", "basic"),
            coupon(", \"percent_off\": 20, \"duration\": \"periods\", \"periods\": 3"),
            redeem("LAUNCH20"),
            bill("2025-02-01T00:00:00Z"),
            bill("2025-03-01T00:00:00Z"),
            bill("2025-04-01T00:00:00Z"),
            bill("2025-05-01T00:00:00Z"));
    String discount = item("discount", -100, "Discount LAUNCH20");
    assertThat(out)
        .containsExactly(
            invoice(
                1,
                "2025-02-01T00:00:00Z",
                "2025-03-01T00:00:00Z",
                400,
                item("r1", 500, "New relay created") + "," + discount),
            invoice(
                2,
                "2025-03-01T00:00:00Z",
                "2025-04-01T00:00:00Z",
                400,
                item("r1", 500, "Subscription renewal") + "," + discount),
            invoice(
                3,
                "2025-04-01T00:00:00Z",
                "2025-05-01T00:00:00Z",
                400,
                item("r1", 500, "Subscription renewal") + "," + discount),
            invoice(
                4,
                "2025-05-01T00:00:00Z",
                "2025-06-01T00:00:00Z",
                500,
                item("r1", 500, "Subscription renewal")));
  }

  @Test
  void anAmountOffLargerThanTheInvoiceLeavesZeroPaidAtOnceAndIsUsedUp() throws Exception {
    List<String> out =
        invoices(
            create("r1", "basic"),
            "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": \"coupon\", \"coupon\": \"BIG\","
                + " \"amount_off\": 1500, \"duration\": \"once\"}",
            redeem("BIG"),
            bill("2025-02-01T00:00:00Z"),
            bill("2025-03-01T00:00:00Z"));
    assertThat(out)
        .containsExactly(
            invoice(
                1,
                "2025-02-01T00:00:00Z",
                "2025-03-01T00:00:00Z",
                0,
                item("r1", 500, "New relay created")
                    + ","
                    + item("discount", -500, "Discount BIG")),
            invoice(
                2,
                "2025-03-01T00:00:00Z",
                "2025-04-01T00:00:00Z",
                500,
                item("r1", 500, "Subscription renewal")));
  }

  @Test
  void aPlanLimitedCouponDiscountsOnlyItsPlans() throws Exception {
    List<String> out =
        invoices(
            create("r1", "basic"),
            create("r2", "pro"),
            coupon(", \"percent_off\": 50, \"duration\": \"forever\", \"plans\": [\"pro\"]"),
            redeem("LAUNCH20"),
            bill("2025-02-01T00:00:00Z"));
    assertThat(out)
        .containsExactly(
            invoice(
                1,
                "2025-02-01T00:00:00Z",
                "2025-03-01T00:00:00Z",
                1500,
                item("r1", 500, "New relay created")
                    + ","
                    + item("r2", 2000, "New relay created")
                    + ","
                    + item("discount", -1000, "Discount LAUNCH20")));
  }

  static Stream<Arguments> badCouponLines() {
    return Stream.of(
        Arguments.of(
            coupon(", \"percent_off\": 20, \"amount_off\": 500, \"duration\": \"once\""),
            "either \"percent_off\" or \"amount_off\""),
        Arguments.of(
            coupon(", \"duration\": \"once\""), "either \"percent_off\" or \"amount_off\""),
        Arguments.of(
            coupon(", \"percent_off\": 20, \"duration\": \"periods\""),
            "\"duration\": \"periods\" needs \"periods\""),
        Arguments.of(
            coupon(", \"percent_off\": 20, \"duration\": \"once\", \"periods\": 3"),
            "\"periods\" goes with \"duration\": \"periods\" only"),
        Arguments.of(
            coupon(", \"percent_off\": 20, \"duration\": \"periods\", \"periods\": 0"),
            "\"periods\" must be at least 1"),
        Arguments.of(coupon(", \"percent_off\": 101, \"duration\": \"once\""), "1 to 100"),
        Arguments.of(coupon(", \"percent_off\": 12.5, \"duration\": \"once\""), "whole number"),
        Arguments.of(
            coupon(", \"amount_off\": 0, \"duration\": \"once\""), "\"amount_off\" must be"),
        Arguments.of(
            coupon(", \"percent_off\": 20, \"duration\": \"weekly\""), "\"duration\" must"),
        Arguments.of(coupon(", \"percent_off\": 20"), "missing \"duration\""),
        Arguments.of(
            coupon(", \"percent_off\": 20, \"duration\": \"once\", \"plans\": \"pro\""),
            "\"plans\" must be a list"),
        Arguments.of(
            coupon(", \"percent_off\": 20, \"duration\": \"once\", \"code\": \"X\""),
            "unknown field \"code\""),
        Arguments.of(redeem("NOPE"), "unknown coupon \"NOPE\""));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badCouponLines")
  void aMalformedCouponLineIsNamedByFileAndLineAndNothingIsBilled(String line, String problem)
      throws Exception {
    Cli.Result r = run(create("r1", "basic"), line, bill("2025-02-01T00:00:00Z"));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .startsWith("billing replay: " + dir.resolve("events.jsonl") + ":2: ")
        .contains(problem);
  }

  @Test
  void aCouponRedefinedOtherwiseOrLimitedToAnUnknownPlanIsRefused() throws Exception {
    Cli.Result redefined =
        run(
            coupon(", \"percent_off\": 20, \"duration\": \"once\""),
            coupon(", \"percent_off\": 25, \"duration\": \"once\""));
    assertThat(redefined.exit()).isEqualTo(2);
    assertThat(redefined.err()).contains(":2: ").contains("defined otherwise");
    Cli.Result unknownPlan =
        run(
            create("r1", "basic"),
            coupon(", \"percent_off\": 20, \"duration\": \"once\", \"plans\": [\"gold\"]"));
    assertThat(unknownPlan.exit()).isEqualTo(2);
    assertThat(unknownPlan.err()).contains(":2: ").contains("no plan gold");
  }
}
