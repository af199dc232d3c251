package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo runs once for the class; each test checks one part of its story, with real figures. */
class DemoCommandTest {
  static Cli.Result demo;

  @BeforeAll
  static void runTheDemo() {
    demo = Cli.run("demo");
  }

  @Test
  void itSucceedsQuietly() {
    assertThat(demo.exit()).isZero();
    assertThat(demo.err()).isEmpty();
  }

  @Test
  void itMakesTwelveInvoicesWithTheseTotals() {
    assertThat(totals())
        .containsExactly(
            "demo-0001 alice $5.00",
            "demo-0002 bob $15.00",
            "demo-0003 carol $5.00",
            "demo-0004 alice $4.83",
            "demo-0005 alice $15.00",
            "demo-0006 carol $5.00",
            "demo-0007 bob $5.67",
            "demo-0008 alice $38.33",
            "demo-0009 bob $30.00",
            "demo-0010 carol $5.00",
            "demo-0011 carol $5.00",
            "demo-0012 alice $20.00");
  }

  @Test
  void anAnchorOnJanuary31stFollowsTheLeapFebruaryAndMonthEnds() {
    assertThat(demo.out())
        .contains("invoice demo-0001 for alice, period 2024-01-31 10:00 to 2024-02-29 10:00 UTC")
        .contains("invoice demo-0005 for alice, period 2024-02-29 10:00 to 2024-03-31 10:00 UTC")
        .contains("invoice demo-0008 for alice, period 2024-04-30 10:00 to 2024-05-31 10:00 UTC")
        .contains("invoice demo-0012 for alice, period 2024-05-31 10:00 to 2024-06-30 10:00 UTC");
  }

  @Test
  void theUpgradeIsProratedOverTheLeapFebruary() {
    // 14 of 29 days left: round(1500 * 14 / 29) - round(500 * 14 / 29) = 724 - 241 = 483.
    assertThat(demo.out())
        .contains(
            "| 2024-02-15 10:00 | alice-main | pro  | Plan changed from Basic to Pro |  $4.83 |");
  }

  @Test
  void theDeactivationCreditCarriesToTheReactivationInvoice() {
    // 4 of 29 days: -round(1500 * 4 / 29) = -207; then 16 of 31 days: round(1500 * 16 / 31) = 774.
    assertThat(demo.out())
        .contains("bob: no invoice today; -$2.07 not yet invoiced carries to the next invoice")
        .contains(
            "| 2024-03-01 10:00 | bob-relay | pro  | Relay deactivated (prorated credit) | -$2.07 |")
        .contains(
            "| 2024-03-20 10:00 | bob-relay | pro  | Relay reactivated                   |  $7.74 |")
        .contains(
            "|                  |           |      | total USD                           |  $5.67 |");
  }

  @Test
  void theMissedMonthIsCaughtUpPeriodByPeriod() {
    assertThat(demo.out())
        .contains(
            String.join(
                "\n",
                "         | 2024-03-31 10:00 | alice-main   | pro   | Subscription renewal | $15.00 |",
                "         | 2024-04-10 10:00 | alice-backup | basic | New relay created    |  $3.33 |",
                "         | 2024-04-30 10:00 | alice-backup | basic | Subscription renewal |  $5.00 |",
                "         | 2024-04-30 10:00 | alice-main   | pro   | Subscription renewal | $15.00 |"));
    assertThat(demo.out())
        .contains(
            String.join(
                "\n",
                "         | 2024-04-05 10:00 | bob-relay | pro  | Subscription renewal | $15.00 |",
                "         | 2024-05-05 10:00 | bob-relay | pro  | Subscription renewal | $15.00 |"));
    // No poll ran while billing was down.
    assertThat(demo.out()).doesNotContain("\n2024-04-14 (").doesNotContain("\n2024-03-31 (");
  }

  @Test
  void paymentsGoThroughTheDemoRailsNamedAsSuch() {
    assertThat(demo.out())
        .contains(
            "demo wallet (alice): paid lnbcdemo1, 5,000,000 msats; balance now 95,000,000 msats")
        .contains("=> demo-0001 PAID $5.00 by nwc (demo wallet)")
        .contains(
            "demo card (cus_demo_bob, visa ending 4242): charged $15.00 for demo-0002, pi_demo_1")
        .contains("=> demo-0002 PAID $15.00 by stripe (demo card)");
  }

  @Test
  void anEmptyWalletEndsInADmAndTheRetryScheduleCollectsLater() {
    String out = demo.out();
    assertThat(out)
        .contains("demo wallet (carol): cannot pay lnbcdemo2: INSUFFICIENT_BALANCE")
        .contains("demo DM to carol (printed, not sent):")
        .contains("| https://relays.example/account?invoice=demo-0003")
        .contains("| Your wallet did not have enough balance to pay it.")
        .doesNotContain("| demo wallet balance 0 msats")
        .contains("=> demo-0003 is unpaid; next attempt 2024-02-15 12:00")
        .contains("=> demo-0003 is unpaid; next attempt 2024-02-17 12:00");
    // Paid on the third round, after the top-up; the expired BOLT11 was replaced each time.
    int paid = out.indexOf("=> demo-0003 PAID $5.00 by nwc (demo wallet)");
    assertThat(paid).isGreaterThan(out.indexOf("\n2024-02-17 (Sat)\n"));
    assertThat(out).contains("demo wallet (carol): paid lnbcdemo5, 5,000,000 msats");
  }

  @Test
  void aDeclinedCardFallsBackToADmAndIsRetriedTheNextDay() {
    assertThat(demo.out())
        .contains(
            "demo card (cus_demo_bob, visa ending 4242): charge of $30.00 for demo-0009 DECLINED (insufficient_funds)")
        .contains("demo DM to bob (printed, not sent):")
        .contains("| Your card was declined.")
        .doesNotContain("| Your card has insufficient funds.")
        .contains("=> demo-0009 is unpaid; next attempt 2024-05-11 12:00")
        .contains(
            "demo card (cus_demo_bob, visa ending 4242): charged $30.00 for demo-0009, pi_demo_3");
  }

  @Test
  void theLedgerSummaryAddsUp() {
    assertThat(demo.out())
        .contains(
            String.join(
                "\n",
                "  | tenant | invoices | invoiced |    paid | unpaid | not yet invoiced |",
                "  +--------+----------+----------+---------+--------+------------------+",
                "  | alice  |        5 |   $83.16 |  $83.16 |  $0.00 |            $0.00 |",
                "  | bob    |        3 |   $50.67 |  $50.67 |  $0.00 |            $0.00 |",
                "  | carol  |        4 |   $20.00 |  $20.00 |  $0.00 |            $0.00 |",
                "  +--------+----------+----------+---------+--------+------------------+",
                "  | all    |       12 |  $153.83 | $153.83 |  $0.00 |            $0.00 |"));
    assertThat(demo.out())
        .contains(
            "Paid by: nwc (demo wallet) 9 invoices, $103.16; stripe (demo card) 3 invoices, $50.67")
        .contains("Activities recorded: 7; items on the ledger: 18; demo DMs printed: 3.")
        .contains("Demo wallets left: alice 16,840,000 msats, carol 5,000,000 msats.");
  }

  @Test
  void itIsTheSameOnEveryRun() {
    assertThat(Cli.run("demo").out()).isEqualTo(demo.out());
  }

  /** "demo-0001 alice $5.00" for every invoice, in order, from its header and its total row. */
  private static List<String> totals() {
    Pattern header = Pattern.compile("invoice (demo-\\d{4}) for (\\w+), period");
    Pattern total = Pattern.compile("\\| total USD +\\| +(-?\\$[0-9,.]+) \\|");
    Matcher h = header.matcher(demo.out());
    Matcher t = total.matcher(demo.out());
    List<String> found = new java.util.ArrayList<>();
    while (h.find()) {
      assertThat(t.find(h.end())).isTrue();
      found.add(h.group(1) + " " + h.group(2) + " " + t.group(1));
    }
    return found;
  }
}
