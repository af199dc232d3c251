package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.spi.StorageException;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Billing on a database whose connections, statements and commits fail at random: whatever fails is
 * simply run again, and the ledger in the end is exactly the one a run without a single fault
 * produces. No invoice is ever charged twice on the way.
 */
abstract class FaultsContract {
  private static final int TENANTS = 300;
  private static final double FAULT_RATE = 0.03;

  /** A DataSource onto a fresh, empty database (no pool). */
  abstract DataSource newDatabase();

  abstract void closeDatabases();

  @Test
  @Timeout(300)
  void billingThroughRandomFaultsEndsWithTheFaultFreeLedger() {
    Scenario scenario = new Scenario(7, TENANTS, 10);
    try {
      LedgerSnapshot expected;
      List<String> expectedEvents;
      long started = System.nanoTime();
      try (HikariDataSource clean = pool(newDatabase())) {
        JdbcRepository.migrate(clean);
        MutableClock cleanClock = new MutableClock(Scenario.START);
        run(scenario, new JdbcRepository(clean), new Rails(cleanClock), cleanClock);
        expected = LedgerSnapshot.of(new JdbcRepository(clean));
        expectedEvents = ledgerEvents(new JdbcRepository(clean), scenario);
      }
      long cleanMillis = (System.nanoTime() - started) / 1_000_000;

      FaultyDataSource faulty = new FaultyDataSource(newDatabase(), 11, 0);
      JdbcRepository.migrate(faulty);
      MutableClock clock = new MutableClock(Scenario.START);
      Rails rails = new Rails(clock);
      started = System.nanoTime();
      try (HikariDataSource pool = pool(faulty)) {
        faulty.rate(FAULT_RATE);
        run(scenario, new JdbcRepository(pool), rails, clock);
        faulty.rate(0);
        LedgerSnapshot actual = LedgerSnapshot.of(new JdbcRepository(pool));

        assertThat(faulty.injected.get()).as("faults injected").isGreaterThan(100);
        assertThat(actual.firstDifference(expected)).isEmpty();
        assertThat(actual).isEqualTo(expected);
        System.out.printf(
            "%s: %d faults injected; %d items, %d invoices totalling %d, as without faults "
                + "(%d ms without faults, %d ms with)%n",
            getClass().getSimpleName(),
            faulty.injected.get(),
            actual.itemCount(),
            actual.invoiceCount(),
            actual.invoicedTotal(),
            cleanMillis,
            (System.nanoTime() - started) / 1_000_000);

        // The feed: no event lost, none written twice, ids without gap, whatever failed.
        JdbcRepository repo = new JdbcRepository(pool);
        assertFeedMatchesLedger(repo, scenario);
        assertThat(ledgerEvents(repo, scenario))
            .as("the ledger's events")
            .isEqualTo(expectedEvents);

        // Money moved exactly once per paying invoice, through every retry.
        for (int t = 0; t < scenario.tenants.size(); t++) {
          boolean pays = Rails.pays(Rails.customerFor(t));
          for (Invoice invoice : repo.invoices(scenario.tenants.get(t))) {
            AtomicInteger taken = rails.moneyTaken.get(invoice.id());
            assertThat(taken == null ? 0 : taken.get())
                .as("charges of %s", invoice.id())
                .isEqualTo(pays ? 1 : 0);
            assertThat(invoice.payment().map(p -> p.method()))
                .isEqualTo(pays ? Optional.of(PaymentMethod.STRIPE) : Optional.empty());
          }
        }
      }
    } finally {
      closeDatabases();
    }
  }

  /**
   * The pool sits above the faults, as it would above a driver: it sees and evicts broken
   * connections.
   */
  private static HikariDataSource pool(DataSource database) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(database);
    config.setMaximumPoolSize(2);
    config.setMinimumIdle(0);
    config.setInitializationFailTimeout(-1);
    return new HikariDataSource(config);
  }

  /**
   * The host's loop: record what happened, run the cycle; whatever throws a StorageException is run
   * again, as a host would on its next poll; and due invoices are collected every ten minutes for
   * two hours after each cycle. A run without faults does exactly the same calls.
   */
  private static void run(
      Scenario scenario, JdbcRepository repository, Rails rails, MutableClock clock) {
    // Building seeds the stored catalogue: a write, which may fail like any other.
    Billing engine = untilDone(() -> Scenario.engine(repository, clock, rails, "solo"));
    for (int t = 0; t < scenario.tenants.size(); t++) {
      int index = t;
      untilDone(
          () -> {
            engine.saveTenant(scenario.tenants.get(index), null, Rails.customerFor(index));
            return true;
          });
    }
    Instant previous = null;
    for (Instant step : scenario.steps) {
      clock.set(step);
      for (String tenant : scenario.tenants) {
        for (Activity a : scenario.between(tenant, previous, step)) {
          untilDone(() -> engine.record(a));
        }
      }
      untilDone(() -> engine.runCycle().failures() == 0 ? true : null);
      // A round cut short by a fault is due again ten minutes later (the engine's default), and
      // a host polls again well within the day the card rail remembers idempotency keys for.
      collectEveryTenMinutes(engine, clock, step);
      // The operator, told of our faults, fixed the setup and reopens what they left needing
      // attention: the next round (a new key) goes through. Each read and each reopen is its own
      // step, retried alone, as the rest of this loop is: a whole sweep of 300 tenants would
      // almost never get through without a fault. The reopened rounds are then collected as the
      // first were, so that one a fault cut short is resumed too.
      for (String tenant : scenario.tenants) {
        for (String invoiceId :
            untilDone(() -> ManyInstancesContract.needingAttention(repository, tenant))) {
          untilDone(() -> engine.reopen(invoiceId) || true);
        }
      }
      collectEveryTenMinutes(engine, clock, clock.instant());
      // Stripe's success webhooks for charges still processing, once the rounds are over
      untilDone(
          () -> {
            rails.deliverWebhooks(List.of(engine), new Random(7));
            return true;
          });
      previous = step;
    }
  }

  /** Collects what is due every ten minutes for two hours after {@code from}. */
  private static void collectEveryTenMinutes(Billing engine, MutableClock clock, Instant from) {
    for (int retry = 1; retry <= 12; retry++) {
      clock.set(from.plus(Duration.ofMinutes(10L * retry)));
      untilDone(
          () -> {
            engine.collectDue();
            return true;
          });
    }
  }

  private static List<BillingEvent> feed(JdbcRepository repo) {
    return repo.events(0, 1_000_000);
  }

  /**
   * The events of ledger changes, without their ids and instants (a round a fault cut short is
   * resumed minutes later), sorted: the same multiset in a run with faults as without. Invoices are
   * named by tenant and period, not number: a page of claims a fault cut short is claimed again
   * after later pages, so numbers go to invoices in another order (still 1..N, checked in {@link
   * #assertFeedMatchesLedger}). Standing changes are left out here, as their timing follows the
   * rounds'; {@link #assertFeedMatchesLedger} checks that they chain.
   */
  private static List<String> ledgerEvents(JdbcRepository repo, Scenario scenario) {
    java.util.Map<String, String> nameOf = new java.util.HashMap<>();
    for (String tenant : scenario.tenants) {
      for (Invoice i : repo.invoices(tenant)) {
        nameOf.put(i.id(), "invoice-of-" + i.periodStart());
      }
    }
    return feed(repo).stream()
        .filter(e -> e.type() != BillingEvent.Type.STANDING_CHANGED)
        .map(
            e ->
                e.type()
                    + " "
                    + e.tenant()
                    + " "
                    + e.invoiceId().map(nameOf::get).orElse("-")
                    + " "
                    + e.amount()
                    + " "
                    + named(e.reference().orElse("-"), nameOf)
                    + " "
                    + named(e.detail(), nameOf))
        .sorted()
        .toList();
  }

  /**
   * Every invoice has exactly one creation event, every paid one exactly one payment event with its
   * reference; ids run 1..N; each tenant's standing changes chain (each starts where the last
   * ended).
   */
  private static void assertFeedMatchesLedger(JdbcRepository repo, Scenario scenario) {
    List<BillingEvent> feed = feed(repo);
    assertThat(feed)
        .extracting(BillingEvent::id)
        .isEqualTo(java.util.stream.LongStream.rangeClosed(1, feed.size()).boxed().toList());
    java.util.Map<String, Integer> created = new java.util.HashMap<>();
    java.util.Map<String, String> paid = new java.util.HashMap<>();
    java.util.Map<String, String> standing = new java.util.HashMap<>();
    for (BillingEvent e : feed) {
      switch (e.type()) {
        case INVOICE_CREATED -> created.merge(e.invoiceId().orElseThrow(), 1, Integer::sum);
        case PAYMENT_SUCCEEDED ->
            assertThat(paid.put(e.invoiceId().orElseThrow(), e.reference().orElseThrow()))
                .as("paid twice: %s", e)
                .isNull();
        case STANDING_CHANGED -> {
          assertThat(e.reference()).contains(standing.getOrDefault(e.tenant(), "GOOD"));
          standing.put(e.tenant(), e.detail());
        }
        default -> {}
      }
    }
    int invoices = 0;
    for (String tenant : scenario.tenants) {
      for (Invoice invoice : repo.invoices(tenant)) {
        invoices++;
        assertThat(created.get(invoice.id())).as("created %s", invoice.id()).isEqualTo(1);
        assertThat(Optional.ofNullable(paid.get(invoice.id())))
            .isEqualTo(invoice.payment().map(p -> p.reference()));
      }
    }
    assertThat(created).hasSize(invoices);
    assertThat(created.keySet().stream().map(id -> Integer.parseInt(id.substring(4))).sorted())
        .as("invoice numbers: no gap, no repeat, whatever failed")
        .containsExactlyElementsOf(
            java.util.stream.IntStream.rangeClosed(1, invoices).boxed().toList());
  }

  /** {@code text} with every invoice id in it (a card reference names its invoice) named. */
  private static String named(String text, java.util.Map<String, String> nameOf) {
    return java.util.regex.Pattern.compile("INV-[0-9]{6}")
        .matcher(text)
        .replaceAll(m -> nameOf.getOrDefault(m.group(), m.group()));
  }

  private static <T> T untilDone(Supplier<T> action) {
    for (int attempt = 0; attempt < 200; attempt++) {
      try {
        T result = action.get();
        if (result != null) {
          return result;
        }
      } catch (StorageException retried) {
        // nothing was half-written: run it again
      }
    }
    throw new AssertionError("still failing after 200 attempts");
  }
}
