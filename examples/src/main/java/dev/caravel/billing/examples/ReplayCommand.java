package dev.caravel.billing.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.jdbc.JdbcRepository;
import dev.caravel.billing.memory.InMemoryRepository;
import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/** {@code billing replay --plans FILE --events FILE [--jdbc URL]}. */
final class ReplayCommand {
  static final String HELP =
      """
      Usage: billing replay --plans FILE --events FILE [--jdbc URL]

      Runs the real billing engine on an activity log and prints what it bills, as JSON Lines
      on stdout: every invoice as it is created, then every tenant's outstanding balance. Use it
      to answer "why was I charged this?" from the log alone.

      Options:
        --plans FILE    the plan catalogue: a JSON array of plans
        --events FILE   the activity log: JSON Lines, "at" never decreasing
        --jdbc URL      bill into this database instead of an embedded in-memory H2 one, e.g.
                        jdbc:postgresql://localhost/billing?user=me&password=... (the schema is
                        migrated; the database must hold no billing data yet)
        -h, --help      show this help

      Plans file:
        [{"id": "basic", "name": "Basic", "amount": 500},
         {"id": "pro", "name": "Pro", "amount": 1500, "currency": "usd"},
         {"id": "yearly", "name": "Yearly", "amount": 5000, "interval_months": 12}]
        amount: minor units (cents), a whole number >= 0, the price of one term;
        interval_months: 1 (default), 3, 6 or 12; currency: optional, default usd, the same
        for every plan; history: optional price changes [{"effective": ..., "amount": N}].

      Events file, one JSON object a line (blank lines are skipped):
        {"at": "2025-01-31T10:00:00Z", "tenant": "<64 hex>", "type": "create_relay", "relay": "r1", "plan": "basic"}
        {"at": "2025-02-10T08:30:00Z", "tenant": "<64 hex>", "type": "update_relay", "relay": "r1", "plan": "pro"}
        {"at": "2025-02-20T00:00:00Z", "tenant": "<64 hex>", "type": "deactivate_relay", "relay": "r1"}
        {"at": "2025-03-01T00:00:00Z", "type": "bill"}
        type: create_relay (plan required), update_relay (plan optional; "when": "now" or
        "term_end"), activate_relay, deactivate_relay, cancel_change (no plan), or bill:
        generate an invoice for every tenant seen so far, in order of first appearance, then
        run the poll (the replay has no rail: rounds fail, standings move). Also: price,
        credit, charge, void, paid, refund, preview, tenant (trial_days, tax_bps, tax_mode,
        tax_label, card), coupon, redeem and card_minimum lines; examples/README.md gives
        each one's fields. The clock is set to each line's "at" (a UTC instant, whole seconds)
        before the line is handled; activities are reconciled as they arrive. Unknown fields
        are errors.

      Output, one JSON object a line:
        {"invoice": "inv-1", "tenant": "<64 hex>", "period_start": "2025-01-31T10:00:00Z",
         "period_end": "2025-02-28T10:00:00Z", "total": 500, "tax": 0, "tax_included": 0,
         "items": [{"relay": "r1", "amount": 500, "description": "New relay created"}]}
        total = the items (discounts: relay "discount"; carried amounts: relay "carried")
        plus tax. An invoice below the card minimum of a card-only tenant prints
        {"at": ..., "invoice": "inv-2", "carried": 30} instead. Also preview lines
        {"preview": "<64 hex>", "at": ..., "items": [...], "tax": 0, "total": 0}, standing
        changes, voids, payments and refunds; after the last line, per tenant in order of
        first appearance:
        {"tenant": "<64 hex>", "outstanding": 0}
        (outstanding: the sum of its items on no invoice yet; zero or negative allowed).
        Invoice ids are inv-1, inv-2, ... in order of creation.

      The whole input is checked first, through the engine itself: a bad file or line (bad JSON,
      a missing or unknown field, an unknown type, "at" going backwards, an unknown plan or
      relay, a relay created twice, a bad tenant key, an unreadable file) prints FILE:LINE and
      the problem on stderr, exits 2, and bills nothing: nothing is printed on stdout and
      nothing is written to the --jdbc database.

      Exit codes: 0 success, 1 runtime failure (database), 2 bad input or usage.
      """;

  private ReplayCommand() {}

  static int run(List<String> arguments, PrintStream out, PrintStream err) {
    Args args = Args.parse(arguments, Set.of("plans", "events", "jdbc"));
    if (args.help()) {
      out.print(HELP);
      return Main.OK;
    }
    if (!args.positional().isEmpty()) {
      throw new Args.UsageException("unexpected argument \"" + args.positional().get(0) + "\"");
    }
    String plansFile = args.required("plans");
    String eventsFile = args.required("events");
    String jdbcUrl = args.option("jdbc").orElse(null);

    PlanCatalogue catalogue;
    List<ReplayInput.Entry> entries;
    List<String> expected;
    try {
      catalogue = ReplayInput.readPlans(path(plansFile), plansFile);
      entries = ReplayInput.readEvents(path(eventsFile), eventsFile);
      // The dry run: the engine itself judges every activity, on a throwaway in-memory ledger,
      // before anything is written where it would stay.
      expected = Replay.run(new InMemoryRepository(), catalogue, entries, eventsFile);
    } catch (BadInputException e) {
      err.println("billing replay: " + e.getMessage());
      err.println("billing replay: nothing was billed");
      return Main.BAD_INPUT;
    }

    List<String> billed;
    try {
      billed =
          jdbcUrl == null
              ? onEmbeddedH2(catalogue, entries, eventsFile)
              : onDatabase(jdbcUrl, catalogue, entries, eventsFile);
    } catch (BadInputException e) {
      err.println("billing replay: " + e.getMessage());
      return Main.BAD_INPUT;
    }
    if (!billed.equals(expected)) {
      err.println(
          "billing replay: internal error: the database billed differently from the in-memory check;"
              + " please report this with the input files");
      return Main.FAILED;
    }
    billed.forEach(line -> out.print(line + "\n")); // JSON Lines: \n on every platform
    out.flush();
    return Main.OK;
  }

  private static Path path(String file) throws BadInputException {
    try {
      return Path.of(file);
    } catch (InvalidPathException e) {
      throw new BadInputException(file, 0, "not a valid path");
    }
  }

  private static List<String> onEmbeddedH2(
      PlanCatalogue catalogue, List<ReplayInput.Entry> entries, String eventsFile)
      throws BadInputException {
    try (EmbeddedH2 h2 = new EmbeddedH2("replay")) {
      return Replay.run(h2.repository(), catalogue, entries, eventsFile);
    }
  }

  private static List<String> onDatabase(
      String url, PlanCatalogue catalogue, List<ReplayInput.Entry> entries, String eventsFile)
      throws BadInputException {
    try {
      DriverManager.getDriver(url);
    } catch (SQLException e) {
      // The URL is not echoed: it may carry a password.
      throw new BadInputException(
          "--jdbc",
          0,
          "no JDBC driver takes that URL; this tool ships H2 (jdbc:h2:...) "
              + "and PostgreSQL (jdbc:postgresql://...)");
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName("billing-replay");
    config.setMaximumPoolSize(2);
    config.setMinimumIdle(1);
    try (HikariDataSource dataSource = new HikariDataSource(config)) {
      JdbcRepository.migrate(dataSource);
      JdbcRepository repository = new JdbcRepository(dataSource);
      if (!repository.tenantPage(null, 1).isEmpty()) {
        throw new BadInputException(
            "--jdbc",
            0,
            "the database already holds billing data; replay needs one with none,"
                + " so that what it prints is this log's billing alone");
      }
      return Replay.run(repository, catalogue, entries, eventsFile);
    }
  }
}
