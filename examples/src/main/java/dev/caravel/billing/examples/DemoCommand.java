package dev.caravel.billing.examples;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingListener;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.SecretCipher;
import dev.caravel.billing.spi.Repository;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code billing demo}: three tenants over four months of 2024 on a driven clock, through the real
 * engine and {@code JdbcRepository} on an embedded in-memory H2 database, paying through demo rails
 * ({@link DemoRails}). Deterministic: the same output on every run.
 */
final class DemoCommand {
  static final String HELP =
      """
      Usage: billing demo

      Runs the real billing engine, with JdbcRepository on an embedded in-memory H2 database, on
      a driven clock: three tenants over four months of 2024, in about a second. No setup.

        alice  anchors on Jan 31 (her periods end Feb 29, Mar 31, Apr 30: a leap February and
               clamped month ends), upgrades Basic -> Pro mid-period, adds a relay while billing
               is down; pays from her demo wallet (Nostr Wallet Connect).
        bob    deactivates his relay (a prorated credit that carries forward) and reactivates it;
               pays with his demo card, which is declined once.
        carol  starts with an empty demo wallet and no card: she is asked by DM, the invoice is
               retried on schedule (1, 3, 7 days) and paid once she tops up.

      The poll runs daily at 12:00 UTC (hourly in production), except from Mar 21 to May 9,
      when billing is down: on May 10 it catches up every missed renewal, period by period.
      Every invoice is shown as a table, every payment attempt goes through a rail named
      "demo" (nothing is charged or sent anywhere), and a ledger summary closes the run.

      Options:
        -h, --help   show this help
      """;

  static final String ALICE = "a11ce" + "0".repeat(59);
  static final String BOB = "b0b" + "0".repeat(61);
  static final String CAROL = "ca201" + "0".repeat(59);

  static final Plan BASIC = new Plan("basic", "Basic", 500);
  static final Plan PRO = new Plan("pro", "Pro", 1500);

  static final LocalDate FIRST_DAY = LocalDate.of(2024, 1, 31);
  static final LocalDate LAST_DAY = LocalDate.of(2024, 5, 31);
  static final LocalDate OUTAGE_FIRST = LocalDate.of(2024, 3, 21);
  static final LocalDate OUTAGE_LAST = LocalDate.of(2024, 5, 9);
  static final LocalTime POLL_TIME = LocalTime.NOON;

  private static final DateTimeFormatter MINUTES =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  private DemoCommand() {}

  static int run(List<String> arguments, PrintStream out, PrintStream err) {
    Args args = Args.parse(arguments, Set.of());
    if (args.help()) {
      out.print(HELP);
      return Main.OK;
    }
    if (!args.positional().isEmpty()) {
      throw new Args.UsageException(
          "demo takes no arguments, got \"" + args.positional().get(0) + "\"");
    }
    new Demo(out).run();
    out.flush();
    return Main.OK;
  }

  /** One thing that happens at a given moment of the story. */
  private record Step(Instant at, Runnable action) {}

  private static final class Demo {
    private final PrintStream out;
    private final DrivenClock clock =
        new DrivenClock(FIRST_DAY.atStartOfDay().toInstant(ZoneOffset.UTC));
    private final Narrator narrator;
    private final Map<String, String> names = new LinkedHashMap<>();
    private final DemoRails rails;
    private final List<Step> steps = new ArrayList<>();
    private final Set<String> activeToday = new HashSet<>();
    private final Set<String> invoicedToday = new HashSet<>();
    private Billing billing;
    private Repository repository;
    private int activityCount;

    Demo(PrintStream out) {
      this.out = out;
      this.narrator = new Narrator(out, clock);
      names.put(ALICE, "alice");
      names.put(BOB, "bob");
      names.put(CAROL, "carol");
      this.rails = new DemoRails(narrator, clock, this::name);
    }

    void run() {
      try (EmbeddedH2 h2 = new EmbeddedH2("demo")) {
        repository = h2.repository();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        billing =
            Billing.builder()
                .repository(repository)
                .catalogue(PlanCatalogue.of(BASIC, PRO))
                .clock(clock)
                .serviceWallet(rails.serviceWallet)
                .walletConnector(rails.connector)
                .exchangeRates(rails.rates)
                .cipher(SecretCipher.aesGcm(key))
                .paymentGateway(rails.card)
                .messenger(rails.messenger)
                .appUrl("https://relays.example")
                .linkSecret("ZGVtbyBsaW5rIHNlY3JldDogcHVibGljLCBmb3IgdGhlIGRlbW8gb25seQ==")
                .instanceId("demo")
                .invoiceNumbers(n -> String.format(java.util.Locale.ROOT, "demo-%04d", n))
                // The demo tells what happens as a story, in order: one invoice at a time, each on
                // the caller's thread (a host would keep the default and collect several at once).
                .collectionConcurrency(1)
                .listener(new Listener())
                .build();
        try {
          introduce();
          script();
          play();
          summarize();
        } finally {
          billing.close();
        }
      }
    }

    private String name(String pubkey) {
      return names.getOrDefault(pubkey, pubkey.substring(0, 8) + "...");
    }

    private void introduce() {
      narrator.plain(
          "Caravel Billing demo: three tenants, four months (2024-01-31 .. 2024-05-31), on a driven clock.");
      narrator.plain(
          "Storage: JdbcRepository on an embedded in-memory H2 database (schema migrated at start).");
      narrator.plain(
          "Plans: Basic "
              + Money.format(BASIC.amount(), "usd")
              + "/month, Pro "
              + Money.format(PRO.amount(), "usd")
              + "/month. Demo exchange rate: 1 cent = "
              + Money.msats(DemoRails.MSATS_PER_CENT)
              + ".");
      narrator.plain(
          "The poll runs daily at 12:00 UTC (hourly in production); quiet days are not shown.");
      narrator.plain(
          "Billing is down from "
              + OUTAGE_FIRST
              + " to "
              + OUTAGE_LAST
              + ": no poll runs in April.");
      narrator.plain("");
      narrator.plain("Tenants (Nostr pubkeys shortened):");
      billing.saveTenant(ALICE, rails.openWallet("alice", 100_000_000), null);
      narrator.plain(
          "  alice  "
              + ALICE.substring(0, 12)
              + "...  demo wallet (NWC) holding "
              + Money.msats(rails.balance("alice")));
      billing.saveTenant(BOB, null, "cus_demo_bob");
      narrator.plain(
          "  bob    "
              + BOB.substring(0, 12)
              + "...  demo card (Stripe-like), customer cus_demo_bob");
      billing.saveTenant(CAROL, rails.openWallet("carol", 0), null);
      narrator.plain(
          "  carol  " + CAROL.substring(0, 12) + "...  demo wallet (NWC), empty; no card");
    }

    private void script() {
      at("2024-01-31T10:00:00Z", () -> create(ALICE, "alice-main", BASIC));
      at("2024-02-05T10:00:00Z", () -> create(BOB, "bob-relay", PRO));
      at("2024-02-14T10:00:00Z", () -> create(CAROL, "carol-relay", BASIC));
      at(
          "2024-02-15T10:00:00Z",
          () -> {
            narrator.say(
                "alice: update_relay alice-main to Pro (upgrade in the middle of her 29-day leap-February period)");
            record(Activity.update(nextId(), ALICE, "alice-main", PRO.id(), clock.instant()));
          });
      at(
          "2024-02-16T09:00:00Z",
          () -> {
            rails.topUp("carol", 25_000_000);
            narrator.say(
                "carol tops up her demo wallet: balance now "
                    + Money.msats(rails.balance("carol")));
          });
      at(
          "2024-03-01T10:00:00Z",
          () -> {
            narrator.say("bob: deactivate_relay bob-relay (4 of the 29 days of his period left)");
            record(Activity.deactivate(nextId(), BOB, "bob-relay", clock.instant()));
          });
      at(
          "2024-03-20T10:00:00Z",
          () -> {
            narrator.say("bob: activate_relay bob-relay (16 of the 31 days of his period left)");
            record(Activity.activate(nextId(), BOB, "bob-relay", clock.instant()));
          });
      at(
          "2024-03-21T12:00:00Z",
          () ->
              narrator.say(
                  "billing goes down: no poll runs until 2024-05-10 (activity is still recorded)"));
      at("2024-04-10T10:00:00Z", () -> create(ALICE, "alice-backup", BASIC));
      at(
          "2024-05-10T09:00:00Z",
          () -> {
            rails.card.declineNext();
            narrator.say("(script) bob's bank will decline the next demo card charge");
          });
      at(
          "2024-05-10T11:59:00Z",
          () ->
              narrator.say(
                  "billing is back: this poll catches up every period missed, one by one"));
    }

    private void at(String instant, Runnable action) {
      steps.add(new Step(Instant.parse(instant), action));
    }

    private int nextActivity;

    private String nextId() {
      return "demo-activity-" + (++nextActivity);
    }

    private void create(String tenant, String relay, Plan plan) {
      narrator.say(
          name(tenant)
              + ": create_relay "
              + relay
              + " on "
              + plan.name()
              + " ("
              + Money.format(plan.amount(), "usd")
              + "/month)");
      record(Activity.create(nextId(), tenant, relay, plan.id(), clock.instant()));
    }

    private void record(Activity activity) {
      billing.record(activity);
      activityCount++;
      activeToday.add(activity.tenant());
    }

    /**
     * Day by day: the day's steps before noon, then the poll (unless billing is down), then the
     * rest.
     */
    private void play() {
      steps.sort((a, b) -> a.at().compareTo(b.at()));
      int next = 0;
      for (LocalDate day = FIRST_DAY; !day.isAfter(LAST_DAY); day = day.plusDays(1)) {
        Instant poll = day.atTime(POLL_TIME).toInstant(ZoneOffset.UTC);
        activeToday.clear();
        invoicedToday.clear();
        while (next < steps.size() && steps.get(next).at().isBefore(poll)) {
          clock.set(steps.get(next).at());
          steps.get(next++).action().run();
        }
        clock.set(poll);
        boolean down = !day.isBefore(OUTAGE_FIRST) && !day.isAfter(OUTAGE_LAST);
        if (!down) {
          poll();
        }
        Instant endOfDay = day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        while (next < steps.size() && steps.get(next).at().isBefore(endOfDay)) {
          clock.set(steps.get(next).at());
          steps.get(next++).action().run();
        }
      }
    }

    private void poll() {
      CycleReport report = billing.runCycle();
      for (PaymentResult result : report.payments()) {
        if (result instanceof PaymentResult.NotPaid notPaid) {
          narrator.say(
              "=> "
                  + notPaid.invoiceId()
                  + " is unpaid"
                  + notPaid
                      .nextAttempt()
                      .map(t -> "; next attempt " + MINUTES.format(t))
                      .orElse("; no attempts left"));
        } else if (result instanceof PaymentResult.Unknown unknown) {
          narrator.say(
              "=> "
                  + unknown.invoiceId()
                  + ": outcome unknown ("
                  + unknown.message()
                  + "); resumed "
                  + MINUTES.format(unknown.nextAttempt()));
        }
      }
      for (String tenant : activeToday) {
        if (invoicedToday.contains(tenant)) {
          continue;
        }
        long unclaimed = unclaimed(tenant);
        if (unclaimed != 0) {
          narrator.say(
              name(tenant)
                  + ": no invoice today; "
                  + Money.format(unclaimed, "usd")
                  + " not yet invoiced carries to the next invoice");
        }
      }
    }

    private long unclaimed(String tenant) {
      long sum = 0;
      for (InvoiceItem item : repository.unclaimedItems(tenant)) {
        sum = Math.addExact(sum, item.amount());
      }
      return sum;
    }

    /** Prints what the engine does, as it does it. */
    private final class Listener implements BillingListener {
      @Override
      public void invoiceCreated(Invoice invoice) {
        invoicedToday.add(invoice.tenant());
        narrator.say(
            "invoice "
                + invoice.id()
                + " for "
                + name(invoice.tenant())
                + ", period "
                + MINUTES.format(invoice.periodStart())
                + " to "
                + MINUTES.format(invoice.periodEnd())
                + " UTC");
        TextTable table = TextTable.of("date", "relay", "plan", "item", ">amount");
        for (InvoiceItem item : repository.invoiceItems(invoice.id())) {
          table.row(
              MINUTES.format(item.at()),
              item.relay(),
              item.plan(),
              item.description(),
              Money.format(item.amount(), invoice.currency()));
        }
        table.footer(
            "",
            "",
            "",
            "total " + invoice.currency().toUpperCase(java.util.Locale.ROOT),
            Money.format(invoice.total(), invoice.currency()));
        table.render().forEach(narrator::more);
      }

      @Override
      public void paymentSucceeded(Invoice invoice, Payment payment) {
        narrator.say(
            "=> "
                + invoice.id()
                + " PAID "
                + Money.format(invoice.total(), invoice.currency())
                + " by "
                + payment.method().wireName()
                + " ("
                + rail(payment.method())
                + ")");
      }

      @Override
      public void paymentFailed(Invoice invoice, Rail rail, String error) {
        narrator.say("=> " + rail.wireName() + " failed for " + invoice.id() + ": " + error);
      }
    }

    private static String rail(PaymentMethod method) {
      return switch (method) {
        case NWC -> "demo wallet";
        case OOB -> "demo wallet, out of band";
        case STRIPE -> "demo card";
        case MANUAL -> "settled by hand";
      };
    }

    /** The ledger, read back from the database. */
    private void summarize() {
      narrator.plain("");
      narrator.plain(
          "Ledger at " + MINUTES.format(clock.instant()) + " UTC, read back from the H2 database:");
      TextTable table =
          TextTable.of("tenant", ">invoices", ">invoiced", ">paid", ">unpaid", ">not yet invoiced");
      long[] totals = new long[5];
      Map<PaymentMethod, long[]> byMethod = new EnumMap<>(PaymentMethod.class);
      for (Map.Entry<String, String> tenant : names.entrySet()) {
        List<Invoice> invoices = repository.invoices(tenant.getKey());
        long invoiced = 0;
        long paid = 0;
        for (Invoice invoice : invoices) {
          invoiced += invoice.total();
          if (invoice.payment().isPresent()) {
            paid += invoice.total();
            long[] m = byMethod.computeIfAbsent(invoice.payment().get().method(), k -> new long[2]);
            m[0]++;
            m[1] += invoice.total();
          }
        }
        long unclaimed = unclaimed(tenant.getKey());
        long[] row = {invoices.size(), invoiced, paid, invoiced - paid, unclaimed};
        for (int i = 0; i < row.length; i++) {
          totals[i] += row[i];
        }
        table.row(
            tenant.getValue(),
            Long.toString(row[0]),
            Money.format(row[1], "usd"),
            Money.format(row[2], "usd"),
            Money.format(row[3], "usd"),
            Money.format(row[4], "usd"));
      }
      table.footer(
          "all",
          Long.toString(totals[0]),
          Money.format(totals[1], "usd"),
          Money.format(totals[2], "usd"),
          Money.format(totals[3], "usd"),
          Money.format(totals[4], "usd"));
      table.render().forEach(line -> narrator.plain("  " + line));
      StringBuilder rails = new StringBuilder("  Paid by: ");
      String sep = "";
      for (Map.Entry<PaymentMethod, long[]> e : byMethod.entrySet()) {
        rails
            .append(sep)
            .append(e.getKey().wireName())
            .append(" (")
            .append(rail(e.getKey()))
            .append(") ")
            .append(e.getValue()[0])
            .append(" invoices, ")
            .append(Money.format(e.getValue()[1], "usd"));
        sep = "; ";
      }
      narrator.plain(rails.toString());
      narrator.plain(
          "  Activities recorded: "
              + activityCount
              + "; items on the ledger: "
              + itemCount()
              + "; demo DMs printed: "
              + this.rails.messenger.sent()
              + ".");
      narrator.plain(
          "  Demo wallets left: alice "
              + Money.msats(this.rails.balance("alice"))
              + ", carol "
              + Money.msats(this.rails.balance("carol"))
              + ".");
    }

    private int itemCount() {
      int n = 0;
      for (String tenant : names.keySet()) {
        n += repository.items(tenant).size();
      }
      return n;
    }
  }
}
