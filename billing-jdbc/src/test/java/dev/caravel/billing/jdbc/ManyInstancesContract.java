package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.testkit.MutableClock;
import dev.caravel.billing.testkit.Race;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many engine instances, each with its own connection pool, bill the same tenants on one database
 * at once, each collecting several invoices at once; an audit then finds every invariant of the
 * root README's "Concurrency and failure" held, and a ledger equal to one engine replaying the same
 * log alone.
 */
abstract class ManyInstancesContract {
  static final int ENGINES = 8;

  /**
   * Invoices each engine collects at once (issue 16): rounds of one engine race each other as well
   * as the other engines' rounds, each under its invoice's lease.
   */
  static final int COLLECTION_CONCURRENCY = 4;

  /** Connections per engine: the cycle's own, and one per round collected at once. */
  static final int POOL = COLLECTION_CONCURRENCY + 1;

  /**
   * Past the engine's default unknown-outcome delay (10 minutes): resumed rounds run in the test.
   */
  static final Duration RESUME_AFTER = Duration.ofMinutes(15);

  /**
   * When the operator, told of our faults, has fixed the setup and reopens the invoices that need
   * attention (issue 21: a fault of ours ends the round; a person moves it on).
   */
  static final Duration AFTER_FAULT = Duration.ofMinutes(75);

  /** The engine's default retry schedule (S11). */
  static final List<Duration> SCHEDULE =
      List.of(Duration.ofDays(1), Duration.ofDays(3), Duration.ofDays(7));

  /** A fresh database (schema) for this test. */
  abstract void openDatabase();

  /** A new connection pool of {@code size} onto that database: one per engine instance. */
  abstract DataSource newPool(int size);

  abstract void closeDatabase();

  abstract int tenants();

  /**
   * Issue 14's numbering: eight engines, each with its own pool, claim the same tenants at once,
   * each visiting them in its own order; the invoices made are numbered 1..N, no gap, no repeat.
   */
  @Test
  @Timeout(300)
  void eightEnginesClaimingAtOnceNumberInvoicesOneToN() throws Exception {
    openDatabase();
    List<DataSource> pools = new ArrayList<>();
    try {
      MutableClock clock = new MutableClock(Scenario.START);
      List<Billing> engines = new ArrayList<>();
      for (int e = 0; e < ENGINES; e++) {
        DataSource pool = newPool(2);
        pools.add(pool);
        if (e == 0) {
          JdbcRepository.migrate(pool);
        }
        engines.add(
            Billing.builder()
                .repository(new JdbcRepository(pool))
                .catalogue(Scenario.CATALOGUE)
                .clock(clock)
                .appUrl("https://relays.example")
                .instanceId("engine-" + e)
                .build());
      }
      int tenants = Math.min(tenants(), 120);
      List<String> all = new ArrayList<>();
      for (int t = 0; t < tenants; t++) {
        String tenant = String.format("%064x", 0xabc000 + t);
        all.add(tenant);
        engines.get(0).record(Activity.create("n-" + t, tenant, "r", "basic", clock.instant()));
      }
      List<List<String>> made =
          Race.all(
              ENGINES,
              e -> {
                List<String> order = new ArrayList<>(all);
                java.util.Collections.shuffle(order, new Random(e));
                List<String> ids = new ArrayList<>();
                for (String tenant : order) {
                  engines.get(e).generateInvoice(tenant).ifPresent(i -> ids.add(i.id()));
                }
                return ids;
              });
      List<String> ids = made.stream().flatMap(List::stream).toList();
      assertThat(ids).doesNotHaveDuplicates().hasSize(tenants);
      assertThat(ids.stream().map(id -> Integer.parseInt(id.substring("INV-".length()))).sorted())
          .containsExactlyElementsOf(
              java.util.stream.IntStream.rangeClosed(1, tenants).boxed().toList());
    } finally {
      for (DataSource pool : pools) {
        if (pool instanceof AutoCloseable c) {
          c.close();
        }
      }
      closeDatabase();
    }
  }

  @Test
  @Timeout(300)
  void eightEnginesAtOnceBillExactlyLikeOneEngineAlone() throws Exception {
    Scenario scenario = new Scenario(42, tenants(), 12);
    openDatabase();
    List<DataSource> pools = new ArrayList<>();
    try {
      MutableClock clock = new MutableClock(Scenario.START);
      Rails rails = new Rails(clock);
      Random webhookCopies = new Random(7);
      List<Billing> engines = new ArrayList<>();
      DataSource first = newPool(POOL);
      JdbcRepository.migrate(first);
      pools.add(first);
      for (int e = 0; e < ENGINES; e++) {
        DataSource pool = e == 0 ? first : newPool(POOL);
        if (e > 0) {
          pools.add(pool);
        }
        engines.add(
            Scenario.engine(
                new JdbcRepository(pool), clock, rails, "engine-" + e, COLLECTION_CONCURRENCY));
      }
      for (int t = 0; t < scenario.tenants.size(); t++) {
        engines.get(t % ENGINES).saveTenant(scenario.tenants.get(t), null, Rails.customerFor(t));
      }

      AtomicInteger failures = new AtomicInteger();
      Instant previous = null;
      for (Instant step : scenario.steps) {
        clock.set(step);
        Instant from = previous;
        // the host records what happened since the last step, through every instance at once ...
        Race.all(
            ENGINES,
            e -> {
              for (int t = e; t < scenario.tenants.size(); t += ENGINES) {
                for (Activity a : scenario.between(scenario.tenants.get(t), from, step)) {
                  engines.get(e).record(a);
                }
              }
              return null;
            });
        // ... then every instance runs a billing cycle over every tenant, all at the same moment,
        // and again a quarter of an hour later, when rounds whose outcome was unknown resume, and
        // once the operator reopened, from every instance at once, what our faults left needing
        // attention
        Race.all(ENGINES, e -> failures.addAndGet(engines.get(e).runCycle().failures()));
        rails.deliverWebhooks(engines, webhookCopies);
        for (Duration later : List.of(RESUME_AFTER, AFTER_FAULT)) {
          clock.set(step.plus(later));
          if (later.equals(AFTER_FAULT)) {
            List<String> flagged = needingAttention(new JdbcRepository(first), scenario);
            Race.all(ENGINES, e -> flagged.stream().filter(engines.get(e)::reopen).count());
          }
          Race.all(ENGINES, e -> failures.addAndGet(engines.get(e).runCycle().failures()));
        }
        previous = step;
      }
      assertThat(failures).as("cycles that failed").hasValue(0);

      Repository shared = new JdbcRepository(first);
      LedgerSnapshot actual = LedgerSnapshot.of(shared);
      LedgerSnapshot expected = replayAlone(scenario);
      audit(first, shared, scenario, rails, actual);
      assertThat(actual.firstDifference(expected)).isEmpty();
      assertThat(actual.invoiceCount()).isGreaterThan(tenants());
      System.out.printf(
          "%s: %d engines, %d tenants, %d activities, %d items, %d invoices totalling %d, %d DMs%n",
          getClass().getSimpleName(),
          ENGINES,
          tenants(),
          scenario.activityCount(),
          actual.itemCount(),
          actual.invoiceCount(),
          actual.invoicedTotal(),
          rails.directMessages.values().stream().mapToInt(AtomicInteger::get).sum());
    } finally {
      for (DataSource pool : pools) {
        if (pool instanceof AutoCloseable closeable) {
          closeable.close();
        }
      }
      closeDatabase();
    }
  }

  /** The same log, the same instants, one engine on the reference repository. */
  private static LedgerSnapshot replayAlone(Scenario scenario) {
    InMemoryRepository repo = new InMemoryRepository();
    MutableClock clock = new MutableClock(Scenario.START);
    Rails rails = new Rails(clock);
    Billing engine = Scenario.engine(repo, clock, rails, "alone", COLLECTION_CONCURRENCY);
    for (int t = 0; t < scenario.tenants.size(); t++) {
      engine.saveTenant(scenario.tenants.get(t), null, Rails.customerFor(t));
    }
    Instant previous = null;
    for (Instant step : scenario.steps) {
      clock.set(step);
      for (String tenant : scenario.tenants) {
        for (Activity a : scenario.between(tenant, previous, step)) {
          engine.record(a);
        }
      }
      assertThat(engine.runCycle().failures()).isZero();
      rails.deliverWebhooks(List.of(engine, engine), new Random(7));
      for (Duration later : List.of(RESUME_AFTER, AFTER_FAULT)) {
        clock.set(step.plus(later));
        if (later.equals(AFTER_FAULT)) {
          needingAttention(repo, scenario).forEach(engine::reopen);
        }
        assertThat(engine.runCycle().failures()).isZero();
      }
      previous = step;
    }
    return LedgerSnapshot.of(repo);
  }

  /** The invoices our faults left needing attention, as an operator finds them. */
  static List<String> needingAttention(Repository repo, Scenario scenario) {
    List<String> flagged = new ArrayList<>();
    for (String tenant : scenario.tenants) {
      flagged.addAll(needingAttention(repo, tenant));
    }
    return flagged;
  }

  /** The invoices of one tenant that our faults left needing attention. */
  static List<String> needingAttention(Repository repo, String tenant) {
    List<String> flagged = new ArrayList<>();
    for (Invoice invoice : repo.invoices(tenant)) {
      if (repo.collectionState(invoice.id())
          .flatMap(CollectionState::hold)
          .filter(h -> h.reason() == CollectionHold.Reason.CONFIGURATION_FAULT)
          .isPresent()) {
        flagged.add(invoice.id());
      }
    }
    return flagged;
  }

  private static void audit(
      DataSource db, Repository repo, Scenario scenario, Rails rails, LedgerSnapshot ledger)
      throws SQLException {
    // Straight from the tables, not through the repository that wrote them.
    assertThat(
            rows(
                db,
                "SELECT activity_id FROM billing_item WHERE activity_id IS NOT NULL "
                    + "GROUP BY activity_id HAVING COUNT(*) > 1"))
        .as("activities billed twice")
        .isZero();
    assertThat(
            rows(
                db,
                "SELECT tenant FROM billing_item WHERE renewal_period IS NOT NULL "
                    + "GROUP BY tenant, relay, renewal_period HAVING COUNT(*) > 1"))
        .as("periods renewed twice")
        .isZero();
    assertThat(
            rows(
                db,
                "SELECT i.id FROM billing_invoice i JOIN billing_item t ON t.invoice_id = i.id "
                    + "GROUP BY i.id, i.total HAVING SUM(t.amount) <> i.total"))
        .as("invoices whose items do not add up")
        .isZero();
    assertThat(rows(db, "SELECT id FROM billing_activity WHERE NOT billed"))
        .as("activities never billed")
        .isZero();
    assertThat(rows(db, "SELECT id FROM billing_activity")).isEqualTo(scenario.activityCount());

    // Collection never left a round hanging: an open round always has a live lease or a next
    // attempt.
    assertThat(
            rows(db, "SELECT id FROM billing_invoice WHERE round_open AND next_attempt_at IS NULL"))
        .as("open rounds nobody will resume")
        .isZero();
    assertThat(
            rows(
                db,
                "SELECT id FROM billing_invoice WHERE NOT paid AND next_attempt_at IS NULL "
                    + "AND hold_reason IS NULL AND rounds <= "
                    + SCHEDULE.size()))
        .as("unpaid invoices with nothing scheduled")
        .isZero();

    // Money: each invoice of a paying tenant charged exactly once at the gateway, nobody else's
    // ever.
    for (int t = 0; t < scenario.tenants.size(); t++) {
      boolean pays = Rails.pays(Rails.customerFor(t));
      boolean hasCard = Rails.customerFor(t) != null;
      for (Invoice invoice : repo.invoices(scenario.tenants.get(t))) {
        AtomicInteger taken = rails.moneyTaken.get(invoice.id());
        CollectionState flagged = repo.collectionState(invoice.id()).orElseThrow();
        boolean ourFault = String.valueOf(Rails.customerFor(t)).startsWith("bad_");
        if (invoice.payment().isEmpty()
            && ourFault
            && flagged.hold().map(CollectionHold::reason).stream()
                .anyMatch(r -> r == CollectionHold.Reason.CONFIGURATION_FAULT)) {
          // Made by the last cycle (a period began during it) and refused as our fault: it waits,
          // needing attention, for the operator. Nothing was taken; the tenant was told once.
          assertThat(taken).as("charges of flagged invoice %s", invoice.id()).isNull();
          assertThat(rails.directMessages.get(invoice.id())).hasValue(1);
          assertThat(flagged.nextAttemptAt()).isEmpty();
          continue;
        }
        assertThat(taken == null ? 0 : taken.get())
            .as(
                "charges of invoice %s (customer %s, %s, created %s)",
                invoice.id(),
                Rails.customerFor(t),
                repo.collectionState(invoice.id()).orElseThrow(),
                invoice.createdAt())
            .isEqualTo(pays ? 1 : 0);
        assertThat(invoice.payment().map(p -> p.method()))
            .isEqualTo(pays ? Optional.of(PaymentMethod.STRIPE) : Optional.empty());
        // a round that ends in a DM sends exactly one
        CollectionState state = repo.collectionState(invoice.id()).orElseThrow();
        AtomicInteger dms = rails.directMessages.get(invoice.id());
        // (our fault's round told the tenant once, "we could not charge you automatically")
        assertThat(dms == null ? 0 : dms.get())
            .as("DMs for invoice %s", invoice.id())
            .isEqualTo(pays ? (ourFault ? 1 : 0) : state.rounds());
        assertThat(state.roundOpen()).isFalse();

        // every round started at or after its scheduled time (S11), never early
        Instant first = state.firstAttemptAt().orElseThrow();
        List<Instant> roundStarts = new ArrayList<>();
        if (hasCard) {
          for (int r = 1; r <= state.rounds(); r++) {
            roundStarts.add(rails.firstSent.get("caravel-" + invoice.id() + "-round-" + r));
          }
        } else {
          roundStarts.addAll(rails.directMessageTimes.getOrDefault(invoice.id(), List.of()));
        }
        assertThat(roundStarts)
            .as("rounds of invoice %s", invoice.id())
            .hasSize(state.rounds())
            .doesNotContainNull();
        assertThat(roundStarts.get(0)).isAfterOrEqualTo(invoice.createdAt());
        for (int r = 2; r <= roundStarts.size(); r++) {
          // after our fault, the next round is the operator's, at once, not the schedule's
          Instant notBefore = ourFault ? roundStarts.get(r - 2) : first.plus(SCHEDULE.get(r - 2));
          assertThat(roundStarts.get(r - 1))
              .as("round %d of invoice %s", r, invoice.id())
              .isAfterOrEqualTo(notBefore);
        }
      }
    }
    assertThat(ledger.itemCount()).isPositive();
  }

  private static int rows(DataSource db, String sql) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      int n = 0;
      while (rs.next()) {
        n++;
      }
      return n;
    }
  }
}
