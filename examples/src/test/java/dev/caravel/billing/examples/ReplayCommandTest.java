package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.jdbc.JdbcRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReplayCommandTest {
  /** The example shipped in the repository (tests run in the module's folder). */
  static final Path PLANS = Path.of("replay/plans.json");

  static final Path EVENTS = Path.of("replay/events.jsonl");
  static final Path EXPECTED = Path.of("replay/expected-output.jsonl");

  static final String T1 = "3e792a80ff5a37e52dd83282ab17afd29757e2dff9945c3ce27a67c25f785f5a";
  static final String T2 = "d3f39ab591e7b6095df445a7885f7e27a0da314b7b794f72cab06d1d692720c2";

  @TempDir Path dir;

  // ---- the shipped example, end to end ----

  @Test
  void theShippedExampleBillsExactlyTheGoldenOutput() throws IOException {
    Cli.Result r = Cli.run("replay", "--plans", PLANS.toString(), "--events", EVENTS.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo(Files.readString(EXPECTED, StandardCharsets.UTF_8));
  }

  /**
   * The golden file's figures, worked out by hand from the rules (the README's rules S2, S3, S5,
   * S6, S7).
   */
  @Test
  void theGoldenOutputIsWhatTheRulesSay() throws IOException {
    List<String> lines = Files.readAllLines(EXPECTED, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(18);
    // Anchor Jan 31: the first period ends Feb 28 (clamped), not Mar 3.
    assertThat(lines.get(0))
        .isEqualTo(
            "{\"invoice\":\"inv-1\",\"tenant\":\""
                + T1
                + "\",\"period_start\":\"2025-01-31T10:00:00Z\","
                + "\"period_end\":\"2025-02-28T10:00:00Z\",\"total\":500,\"tax\":0,\"tax_included\":0,\"items\":[{\"relay\":\"r1\",\"amount\":500,"
                + "\"description\":\"New relay created\"}]}");
    // Its first round failed at once (no rail in the replay): past due after the first round.
    assertThat(lines.get(1))
        .isEqualTo(
            "{\"at\":\"2025-01-31T12:00:00Z\",\"tenant\":\""
                + T1
                + "\",\"standing\":\"PAST_DUE\",\"was\":\"GOOD\"}");
    // Paid by hand, and so good again; then part of it refunded, owed (a manual payment).
    assertThat(lines.get(4)).contains("\"invoice\":\"inv-1\",\"paid\":\"bank-0001\"");
    assertThat(lines.get(5)).contains("\"standing\":\"GOOD\",\"was\":\"PAST_DUE\"");
    assertThat(lines.get(6))
        .contains("\"refund\":\"refund-inv-1\",\"amount\":100,\"status\":\"OWED\"");
    // The outage credit, then the upgrade on Feb 14 with 14 of 28 days left: 750 - 250 = 500;
    // then the Feb 28 renewal at Pro: -200 + 500 + 1500 = 1800.
    assertThat(lines.get(7))
        .contains(
            "\"invoice\":\"inv-3\"",
            "\"total\":1800",
            "{\"relay\":\"adjustment\",\"amount\":-200,\"description\":\"Outage credit (Feb 11)\"}",
            "{\"relay\":\"r1\",\"amount\":500,\"description\":\"Plan changed from Basic to Pro\"}",
            "{\"relay\":\"r1\",\"amount\":1500,\"description\":\"Subscription renewal\"}");
    // inv-2 unpaid 14 days after its first attempt (Feb 10): suspended at the Mar 1 run; voided,
    // and so good again.
    assertThat(lines.get(9)).contains("\"tenant\":\"" + T2 + "\"", "\"standing\":\"SUSPENDED\"");
    assertThat(lines.get(10)).contains("\"invoice\":\"inv-2\",\"voided\"");
    assertThat(lines.get(11)).contains("\"standing\":\"GOOD\",\"was\":\"SUSPENDED\"");
    // No billing in March and April: both missed renewals, and r1b's 25 of 30 days (416.67 -> 417).
    assertThat(lines.get(12))
        .contains(
            "\"invoice\":\"inv-4\"",
            "\"period_start\":\"2025-04-30T10:00:00Z\"",
            "\"period_end\":\"2025-05-31T10:00:00Z\"",
            "\"total\":3917");
    // The credit (14 of 28 days of Pro: -750) waited for the next positive invoice, with the
    // setup charge: -750 + 300 + 1016 (21 of 31 days) + 1500 (the Apr 10 renewal) = 2066.
    assertThat(lines.get(13))
        .contains(
            "\"invoice\":\"inv-5\"",
            "\"tenant\":\"" + T2 + "\"",
            "\"total\":2066",
            "{\"relay\":\"r2\",\"amount\":-750,\"description\":\"Relay deactivated (prorated credit)\"}",
            "{\"relay\":\"adjustment\",\"amount\":300,\"description\":\"Custom domain setup\"}",
            "{\"relay\":\"r2\",\"amount\":1016,\"description\":\"Relay reactivated\"}");
    // Outstanding, in order of first appearance; the May 5 credit (5 of 30 days) is unclaimed.
    assertThat(lines.get(16)).isEqualTo("{\"tenant\":\"" + T1 + "\",\"outstanding\":0}");
    assertThat(lines.get(17)).isEqualTo("{\"tenant\":\"" + T2 + "\",\"outstanding\":-250}");
  }

  @Test
  void theSameLogIntoAGivenDatabaseBillsTheSameAndStaysThere() throws Exception {
    String url = "jdbc:h2:mem:replay-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    JdbcDataSource ds = h2(url);
    try (Connection keep = ds.getConnection()) {
      assertThat(keep.isValid(1)).as("this connection keeps the in-memory database alive").isTrue();
      Cli.Result r =
          Cli.run(
              "replay", "--plans", PLANS.toString(), "--events", EVENTS.toString(), "--jdbc", url);
      assertThat(r.err()).isEmpty();
      assertThat(r.exit()).isZero();
      assertThat(r.out()).isEqualTo(Files.readString(EXPECTED, StandardCharsets.UTF_8));
      JdbcRepository ledger = new JdbcRepository(ds);
      assertThat(ledger.invoices(T1)).hasSize(3);
      assertThat(ledger.invoices(T2)).hasSize(2);

      // A second replay into the same ledger would mix two logs: refused, nothing added.
      Cli.Result again =
          Cli.run(
              "replay", "--plans", PLANS.toString(), "--events", EVENTS.toString(), "--jdbc", url);
      assertThat(again.exit()).isEqualTo(2);
      assertThat(again.out()).isEmpty();
      assertThat(again.err()).contains("--jdbc: the database already holds billing data");
      assertThat(ledger.invoices(T1)).hasSize(3);
    } finally {
      shutdown(ds);
    }
  }

  @Test
  void aBadLineWritesNothingToTheGivenDatabase() throws Exception {
    Path plans = write("plans.json", "[{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500}]");
    Path events =
        write(
            "events.jsonl",
            activity("2025-01-31T10:00:00Z", T1, "create_relay", "r1", "basic"),
            "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": \"bill\"}",
            activity("2025-02-02T00:00:00Z", T1, "update_relay", "r9", null));
    String url = "jdbc:h2:mem:replay-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    JdbcDataSource ds = h2(url);
    try (Connection keep = ds.getConnection()) {
      Cli.Result r =
          Cli.run(
              "replay", "--plans", plans.toString(), "--events", events.toString(), "--jdbc", url);
      assertThat(r.exit()).isEqualTo(2);
      assertThat(r.out()).isEmpty();
      assertThat(r.err()).contains(events + ":3: ");
      try (var s = keep.createStatement();
          var rs =
              s.executeQuery(
                  "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME LIKE 'BILLING%'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("not even the schema was created").isZero();
      }
    } finally {
      shutdown(ds);
    }
  }

  @Test
  void outputIsTheSameOnEveryRun() {
    Cli.Result first =
        Cli.run("replay", "--plans", PLANS.toString(), "--events", EVENTS.toString());
    Cli.Result second = Cli.run("replay", "--events=" + EVENTS, "--plans=" + PLANS);
    assertThat(second.exit()).isZero();
    assertThat(second.out()).isEqualTo(first.out());
  }

  @Test
  void windowsLineEndingsAndAByteOrderMarkReadTheSame() throws IOException {
    String lf = Files.readString(EVENTS, StandardCharsets.UTF_8);
    Path crlf = dir.resolve("events-crlf.jsonl");
    Files.writeString(crlf, "\uFEFF" + lf.replace("\n", "\r\n"), StandardCharsets.UTF_8);
    Cli.Result r = Cli.run("replay", "--plans", PLANS.toString(), "--events", crlf.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo(Files.readString(EXPECTED, StandardCharsets.UTF_8));
  }

  @Test
  void aLogWithNoActivityBillsNothing() throws IOException {
    Path plans =
        write(
            "plans.json",
            "[{\"id\": \"free\", \"name\": \"Free\", \"amount\": 0, \"currency\": \"EUR\"}]");
    Path events =
        write("events.jsonl", "", "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": \"bill\"}", "   ");
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEmpty();
  }

  @Test
  void aNetCreditIsNoInvoiceAndShowsAsNegativeOutstanding() throws IOException {
    Path plans = write("plans.json", "[{\"id\": \"pro\", \"name\": \"Pro\", \"amount\": 1500}]");
    Path events =
        write(
            "events.jsonl",
            activity("2025-03-01T00:00:00Z", T2, "create_relay", "r", "pro"),
            "{\"at\": \"2025-03-01T00:00:00Z\", \"type\": \"bill\"}",
            activity("2025-03-11T00:00:00Z", T2, "deactivate_relay", "r", null),
            "{\"at\": \"2025-03-12T00:00:00Z\", \"type\": \"bill\"}");
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
    assertThat(r.exit()).isZero();
    // 21 of 31 days of March left: 1500 * 21 / 31 = 1016.13 -> 1016.
    assertThat(r.out())
        .isEqualTo(
            "{\"invoice\":\"inv-1\",\"tenant\":\""
                + T2
                + "\",\"period_start\":\"2025-03-01T00:00:00Z\","
                + "\"period_end\":\"2025-04-01T00:00:00Z\",\"total\":1500,\"tax\":0,\"tax_included\":0,\"items\":[{\"relay\":\"r\",\"amount\":1500,"
                + "\"description\":\"New relay created\"}]}\n"
                // the bill's poll runs the first round, which fails: no rail in the replay
                + "{\"at\":\"2025-03-01T00:00:00Z\",\"tenant\":\""
                + T2
                + "\",\"standing\":\"PAST_DUE\",\"was\":\"GOOD\"}\n"
                + "{\"tenant\":\""
                + T2
                + "\",\"outstanding\":-1016}\n");
  }

  // ---- bad input: exit 2, FILE:LINE on stderr, nothing on stdout ----

  static final String PLANS_OK =
      "[\n  {\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500},\n"
          + "  {\"id\": \"pro\", \"name\": \"Pro\", \"amount\": 1500}\n]\n";
  static final String CREATE = activity("2025-01-31T10:00:00Z", T1, "create_relay", "r1", "basic");
  static final String BILL = "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": \"bill\"}";

  static Stream<Arguments> badEvents() {
    return Stream.of(
        Arguments.of(
            "bad JSON",
            List.of(CREATE, BILL, "{\"at\": \"2025-02-02T00:00:00Z\", \"type\": "),
            3,
            "not valid JSON"),
        Arguments.of("not an object", List.of(CREATE, "[1, 2]"), 2, "must be a JSON object"),
        Arguments.of(
            "a void of a paid invoice",
            List.of(
                CREATE,
                BILL,
                "{\"at\": \"2025-02-02T00:00:00Z\", \"type\": \"paid\", \"invoice\": \"inv-1\", \"reference\": \"b1\"}",
                "{\"at\": \"2025-02-03T00:00:00Z\", \"type\": \"void\", \"invoice\": \"inv-1\", \"reason\": \"x\"}"),
            4,
            "the engine refused this void: PAID"),
        Arguments.of(
            "a refund above the payment",
            List.of(
                CREATE,
                BILL,
                "{\"at\": \"2025-02-02T00:00:00Z\", \"type\": \"paid\", \"invoice\": \"inv-1\", \"reference\": \"b1\"}",
                "{\"at\": \"2025-02-03T00:00:00Z\", \"type\": \"refund\", \"invoice\": \"inv-1\", \"amount\": 99999, \"reason\": \"x\", \"key\": \"k\"}"),
            4,
            "left to refund"),
        Arguments.of(
            "a credit key reused for another amount",
            List.of(
                CREATE,
                "{\"at\": \"2025-02-02T00:00:00Z\", \"tenant\": \""
                    + T1
                    + "\", \"type\": \"credit\", \"amount\": 100, \"reason\": \"r\", \"key\": \"k\"}",
                "{\"at\": \"2025-02-03T00:00:00Z\", \"tenant\": \""
                    + T1
                    + "\", \"type\": \"credit\", \"amount\": 200, \"reason\": \"r\", \"key\": \"k\"}"),
            3,
            "was used already"),
        Arguments.of(
            "a credit with a misspelt field",
            List.of(
                CREATE,
                "{\"at\": \"2025-02-02T00:00:00Z\", \"tenant\": \""
                    + T1
                    + "\", \"type\": \"credit\", \"amount\": 100, \"reasn\": \"r\", \"key\": \"k\"}"),
            2,
            "unknown field \"reasn\""),
        Arguments.of(
            "two values on a line", List.of(CREATE, BILL + " " + BILL), 2, "not valid JSON"),
        Arguments.of(
            "duplicate field",
            List.of(
                "{\"at\": \"2025-02-01T00:00:00Z\", \"at\": \"2025-02-01T00:00:00Z\", \"type\": \"bill\"}"),
            1,
            "Duplicate field"),
        Arguments.of("missing at", List.of(CREATE, "{\"type\": \"bill\"}"), 2, "missing \"at\""),
        Arguments.of(
            "missing type",
            List.of(CREATE, "{\"at\": \"2025-02-01T00:00:00Z\"}"),
            2,
            "missing \"type\""),
        Arguments.of(
            "missing tenant",
            List.of(
                CREATE,
                "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": \"activate_relay\", \"relay\": \"r1\"}"),
            2,
            "missing \"tenant\""),
        Arguments.of(
            "missing relay",
            List.of(
                CREATE,
                "{\"at\": \"2025-02-01T00:00:00Z\", \"tenant\": \""
                    + T1
                    + "\", \"type\": \"activate_relay\"}"),
            2,
            "missing \"relay\""),
        Arguments.of(
            "create without plan",
            List.of(activity("2025-01-31T10:00:00Z", T1, "create_relay", "r1", null)),
            1,
            "create_relay needs a \"plan\""),
        Arguments.of(
            "deactivate with plan",
            List.of(CREATE, activity("2025-02-01T00:00:00Z", T1, "deactivate_relay", "r1", "pro")),
            2,
            "deactivate_relay takes no \"plan\""),
        Arguments.of(
            "unknown type",
            List.of(CREATE, activity("2025-02-01T00:00:00Z", T1, "delete_relay", "r1", null)),
            2,
            "unknown \"type\" \"delete_relay\""),
        Arguments.of(
            "unknown field",
            List.of(
                CREATE,
                "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": \"bill\", \"tenant\": \""
                    + T1
                    + "\"}"),
            2,
            "unknown field \"tenant\""),
        Arguments.of(
            "misspelt field",
            List.of(
                CREATE,
                "{\"at\": \"2025-02-01T00:00:00Z\", \"tenant\": \""
                    + T1
                    + "\", \"type\": \"update_relay\", \"relay\": \"r1\", \"plna\": \"pro\"}"),
            2,
            "unknown field \"plna\""),
        Arguments.of(
            "type not a string",
            List.of(CREATE, "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": 7}"),
            2,
            "\"type\" must be a string"),
        Arguments.of(
            "at not an instant",
            List.of(CREATE, "{\"at\": \"2025-02-01 00:00\", \"type\": \"bill\"}"),
            2,
            "\"at\" must be a UTC instant"),
        Arguments.of(
            "at with fractions",
            List.of(CREATE, "{\"at\": \"2025-02-01T00:00:00.5Z\", \"type\": \"bill\"}"),
            2,
            "whole seconds"),
        Arguments.of(
            "at decreasing",
            List.of(CREATE, BILL, "{\"at\": \"2025-01-31T23:59:59Z\", \"type\": \"bill\"}"),
            3,
            "is before 2025-02-01T00:00:00Z on line 2"),
        Arguments.of(
            "bad tenant key",
            List.of(activity("2025-01-31T10:00:00Z", "npub1xyz", "create_relay", "r1", "basic")),
            1,
            "\"tenant\" must be a Nostr public key"),
        Arguments.of(
            "upper-case tenant key",
            List.of(
                activity("2025-01-31T10:00:00Z", T1.toUpperCase(), "create_relay", "r1", "basic")),
            1,
            "64 lowercase hex"),
        Arguments.of(
            "unknown plan",
            List.of(
                CREATE, BILL, activity("2025-02-02T00:00:00Z", T1, "update_relay", "r1", "gold")),
            3,
            "unknown_plan"),
        Arguments.of(
            "unknown relay",
            List.of(
                CREATE, BILL, activity("2025-02-02T00:00:00Z", T1, "deactivate_relay", "r2", null)),
            3,
            "unknown_relay"),
        Arguments.of(
            "relay created twice",
            List.of(
                CREATE, BILL, activity("2025-02-02T00:00:00Z", T1, "create_relay", "r1", "pro")),
            3,
            "relay_exists"),
        Arguments.of(
            "relay of another tenant",
            List.of(CREATE, activity("2025-02-02T00:00:00Z", T2, "activate_relay", "r1", null)),
            2,
            "unknown_relay"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badEvents")
  void aBadEventsLineIsNamedAndNothingIsBilled(
      String name, List<String> lines, int badLine, String problem) throws IOException {
    Path plans = write("plans.json", PLANS_OK);
    Path events = write("events.jsonl", lines.toArray(String[]::new));
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).as("nothing billed, nothing printed").isEmpty();
    assertThat(r.err())
        .startsWith("billing replay: " + events + ":" + badLine + ": ")
        .contains(problem)
        .contains("nothing was billed");
  }

  static Stream<Arguments> badPlans() {
    return Stream.of(
        Arguments.of("empty file", "", 1, "the file is empty"),
        Arguments.of("not an array", "{\"id\": \"basic\"}", 1, "expected a JSON array of plans"),
        Arguments.of("no plans", "[]", 1, "lists no plans"),
        Arguments.of(
            "bad JSON",
            "[\n  {\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500},\n  {\"id\": \"pro\" \"name\"}\n]",
            3,
            "not valid JSON"),
        Arguments.of(
            "unclosed array",
            "[\n  {\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500}\n",
            4,
            "not closed"),
        Arguments.of(
            "missing amount",
            "[\n  {\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500},\n  {\"id\": \"pro\", \"name\": \"Pro\"}\n]",
            3,
            "missing \"amount\""),
        Arguments.of(
            "missing name", "[{\"id\": \"basic\", \"amount\": 500}]", 1, "missing \"name\""),
        Arguments.of(
            "fractional amount",
            "[\n{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 4.99}]",
            2,
            "whole number of minor units"),
        Arguments.of(
            "amount as a string",
            "[{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": \"500\"}]",
            1,
            "whole number"),
        Arguments.of(
            "negative amount",
            "[{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": -1}]",
            1,
            "must not be negative"),
        Arguments.of(
            "duplicate id",
            "[\n{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500},\n{\"id\": \"basic\", \"name\": \"B\", \"amount\": 1}]",
            3,
            "already defined on line 2"),
        Arguments.of(
            "mixed currencies",
            "[\n{\"id\": \"a\", \"name\": \"A\", \"amount\": 1},\n{\"id\": \"b\", \"name\": \"B\", \"amount\": 1, \"currency\": \"eur\"}]",
            3,
            "one catalogue has one currency"),
        Arguments.of(
            "bad currency",
            "[{\"id\": \"a\", \"name\": \"A\", \"amount\": 1, \"currency\": \"dollars\"}]",
            1,
            "three-letter"),
        Arguments.of(
            "unknown field",
            "[{\"id\": \"a\", \"name\": \"A\", \"amount\": 1, \"price\": 2}]",
            1,
            "unknown field \"price\""),
        Arguments.of(
            "a plan that is not an object",
            "[\n\"basic\"\n]",
            2,
            "each plan must be a JSON object"),
        Arguments.of(
            "content after the array",
            "[{\"id\": \"a\", \"name\": \"A\", \"amount\": 1}]\n[]",
            2,
            "after the array"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badPlans")
  void aBadPlansFileIsNamedAndNothingIsBilled(
      String name, String content, int badLine, String problem) throws IOException {
    Path plans = write("plans.json", content);
    Path events = write("events.jsonl", CREATE, BILL);
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .startsWith("billing replay: " + plans + ":" + badLine + ": ")
        .contains(problem);
  }

  @Test
  void anUnreadableFileIsNamed() throws IOException {
    Path plans = write("plans.json", PLANS_OK);
    Path missing = dir.resolve("no-such-events.jsonl");
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", missing.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("billing replay: " + missing + ": cannot read: no such file");

    Cli.Result folder =
        Cli.run("replay", "--plans", dir.toString(), "--events", missing.toString());
    assertThat(folder.exit()).isEqualTo(2);
    assertThat(folder.out()).isEmpty();
    assertThat(folder.err()).startsWith("billing replay: " + dir + ": cannot read");
  }

  @Test
  void textThatIsNotUtf8IsNamedWithItsLine() throws IOException {
    Path plans = write("plans.json", PLANS_OK);
    Path events = dir.resolve("latin1.jsonl");
    Files.write(
        events,
        (CREATE
                + "\n"
                + "{\"at\": \"2025-02-01T00:00:00Z\", \"type\": \"bill\", \"x\": \"caf\u00e9\"}\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("billing replay: " + events + ":2: not UTF-8");
  }

  @Test
  void theFirstBadLineAfterManyGoodOnesStillBillsNothing() throws IOException {
    Path plans = write("plans.json", PLANS_OK);
    String[] lines = new String[41];
    lines[0] = CREATE;
    for (int i = 1; i < 40; i++) {
      lines[i] =
          "{\"at\": \"2025-"
              + String.format("%02d", 2 + i / 4)
              + "-0"
              + (1 + i % 4)
              + "T00:00:00Z\", \"type\": \"bill\"}";
    }
    lines[40] = activity("2025-12-31T00:00:00Z", T1, "activate_relay", "nope", null);
    Path events = write("events.jsonl", lines);
    Cli.Result r = Cli.run("replay", "--plans", plans.toString(), "--events", events.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("billing replay: " + events + ":41: ");
  }

  @Test
  void usageMistakesExit2() {
    Cli.Result noPlans = Cli.run("replay", "--events", EVENTS.toString());
    assertThat(noPlans.exit()).isEqualTo(2);
    assertThat(noPlans.out()).isEmpty();
    assertThat(noPlans.err()).contains("--plans is required", "billing replay --help");

    Cli.Result stray =
        Cli.run("replay", "--plans", PLANS.toString(), "--events", EVENTS.toString(), "extra");
    assertThat(stray.exit()).isEqualTo(2);
    assertThat(stray.err()).contains("unexpected argument \"extra\"");

    Cli.Result noValue = Cli.run("replay", "--plans");
    assertThat(noValue.exit()).isEqualTo(2);
    assertThat(noValue.err()).contains("--plans needs a value");

    Cli.Result badDriver =
        Cli.run(
            "replay",
            "--plans",
            PLANS.toString(),
            "--events",
            EVENTS.toString(),
            "--jdbc",
            "jdbc:nosuchdb://host/db?password=hunter2");
    assertThat(badDriver.exit()).isEqualTo(2);
    assertThat(badDriver.out()).isEmpty();
    assertThat(badDriver.err()).contains("no JDBC driver takes that URL").doesNotContain("hunter2");
  }

  // ---- helpers ----

  static String activity(String at, String tenant, String type, String relay, String plan) {
    return "{\"at\": \""
        + at
        + "\", \"tenant\": \""
        + tenant
        + "\", \"type\": \""
        + type
        + "\", \"relay\": \""
        + relay
        + "\""
        + (plan == null ? "" : ", \"plan\": \"" + plan + "\"")
        + "}";
  }

  private Path write(String name, String... lines) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    return file;
  }

  private static JdbcDataSource h2(String url) {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(url);
    return ds;
  }

  private static void shutdown(JdbcDataSource ds) throws SQLException {
    try (Connection c = ds.getConnection();
        var s = c.createStatement()) {
      s.execute("SHUTDOWN");
    }
  }
}
