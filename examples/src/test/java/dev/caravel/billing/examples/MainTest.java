package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {

  @ParameterizedTest
  @ValueSource(strings = {"--help", "-h", "help"})
  void globalHelpListsEveryCommand(String flag) {
    Cli.Result r = Cli.run(flag);
    assertThat(r.exit()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .startsWith("Usage: billing <command> [options]")
        .contains(
            "demo",
            "replay",
            "nwc-check",
            "Exit codes: 0 success, 1 runtime failure, 2 bad input or usage.");
  }

  @Test
  void noCommandPrintsTheHelpOnStderrAndExits2() {
    Cli.Result r = Cli.run();
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("Usage: billing <command>");
  }

  @Test
  void unknownCommandExits2() {
    Cli.Result r = Cli.run("bill-everyone");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("unknown command \"bill-everyone\"", "billing --help");
  }

  @Test
  void demoHelp() {
    for (Cli.Result r : new Cli.Result[] {Cli.run("demo", "--help"), Cli.run("help", "demo")}) {
      assertThat(r.exit()).isZero();
      assertThat(r.err()).isEmpty();
      assertThat(r.out())
          .startsWith("Usage: billing demo\n")
          .contains(
              "embedded in-memory H2",
              "leap February",
              "demo wallet",
              "demo card",
              "ledger summary");
    }
  }

  @Test
  void replayHelpDocumentsTheFormats() {
    Cli.Result r = Cli.run("replay", "--help");
    assertThat(r.exit()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .startsWith("Usage: billing replay --plans FILE --events FILE [--jdbc URL]\n")
        .contains("{\"id\": \"basic\", \"name\": \"Basic\", \"amount\": 500}")
        .contains("\"type\": \"bill\"")
        .contains("{\"tenant\": \"<64 hex>\", \"outstanding\": 0}")
        .contains("\"interval_months\": 12", "\"term_end\"", "trial_days", "card_minimum")
        .contains("\"tax\": 0, \"tax_included\": 0", "\"carried\": 30", "{\"preview\":")
        .contains("exits 2");
  }

  @Test
  void nwcCheckHelp() {
    Cli.Result r = Cli.run("nwc-check", "-h");
    assertThat(r.exit()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .startsWith("Usage: billing nwc-check [--timeout SECONDS] URI\n")
        .contains(
            "\"step\":\"info\"",
            "\"step\":\"make_invoice\"",
            "\"step\":\"lookup_invoice\"",
            "never printed");
  }

  @Test
  void unknownOptionIsAUsageError() {
    Cli.Result r = Cli.run("demo", "--fast");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("billing demo: unknown option --fast", "billing demo --help");
  }
}
