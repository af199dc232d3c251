package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.CloseResult;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.testkit.MutableClock;
import dev.caravel.billing.testkit.Race;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 21, "the engine decides, the storage records", on a real database: engine instances, each
 * with its own pool, void, write off and collect the same invoices at once. Each decides on its own
 * read; the storage's compare-and-set ({@code changeCollection}) lets only a decision made on what
 * is still stored through. So an invoice is closed once, a close never lands on an invoice a round
 * leased, and no money is ever taken for a closed invoice.
 */
abstract class ClosesAcrossInstancesContract {
  static final int ENGINES = 6;
  static final int INVOICES = 24;

  /** A fresh database (schema) for this test. */
  abstract void openDatabase();

  /** A new connection pool of {@code size} onto that database: one per engine instance. */
  abstract DataSource newPool(int size);

  abstract void closeDatabase();

  private final MutableClock clock = new MutableClock(Scenario.START);
  private final Rails rails = new Rails(clock);
  private final List<DataSource> pools = new ArrayList<>();
  private final List<Billing> engines = new ArrayList<>();
  private JdbcRepository repository;

  @BeforeEach
  void startEngines() {
    openDatabase();
    for (int e = 0; e < ENGINES; e++) {
      DataSource pool = newPool(3);
      if (e == 0) {
        JdbcRepository.migrate(pool);
        repository = new JdbcRepository(pool);
      }
      pools.add(pool);
      engines.add(Scenario.engine(new JdbcRepository(pool), clock, rails, "engine-" + e));
    }
  }

  @AfterEach
  void stopEngines() throws Exception {
    for (Billing engine : engines) {
      engine.close();
    }
    for (DataSource pool : pools) {
      if (pool instanceof AutoCloseable closeable) {
        closeable.close();
      }
    }
    closeDatabase();
  }

  /** One invoice per tenant, each tenant paying by card with {@code customer + index}. */
  private List<String> invoices(String customer) {
    Billing first = engines.get(0);
    List<String> ids = new ArrayList<>();
    for (int t = 0; t < INVOICES; t++) {
      String tenant = String.format("%064x", 0xc105e000L + t);
      first.saveTenant(tenant, null, customer + t);
      first.record(Activity.create("c-" + t, tenant, "r", "basic", clock.instant()));
      ids.add(first.generateInvoice(tenant).orElseThrow().id());
    }
    return ids;
  }

  private Map<BillingEvent.Type, Map<String, Long>> closeEventsByInvoice() {
    return repository.events(0, 10_000).stream()
        .filter(
            e ->
                e.type() == BillingEvent.Type.INVOICE_VOIDED
                    || e.type() == BillingEvent.Type.INVOICE_WRITTEN_OFF)
        .collect(
            Collectors.groupingBy(
                BillingEvent::type,
                Collectors.groupingBy(e -> e.invoiceId().orElseThrow(), Collectors.counting())));
  }

  @Test
  @Timeout(120)
  void operatorsOnEveryInstanceClosingAtOnceCloseEachInvoiceOnce() {
    List<String> ids = invoices("no_"); // declined: open, nothing moving
    engines.get(0).collectDue();

    List<List<CloseResult>> answers =
        Race.all(
            ENGINES,
            e -> {
              List<String> order = new ArrayList<>(ids);
              Collections.shuffle(order, new Random(e));
              List<CloseResult> mine = new ArrayList<>();
              for (String id : order) {
                mine.add(
                    e % 2 == 0
                        ? engines.get(e).voidInvoice(id, "issued by mistake")
                        : engines.get(e).writeOff(id, "gone"));
              }
              return mine;
            });

    List<CloseResult> all = answers.stream().flatMap(List::stream).toList();
    Map<String, Long> closedBy =
        all.stream()
            .filter(CloseResult.Closed.class::isInstance)
            .map(r -> ((CloseResult.Closed) r).invoice().id())
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    assertThat(closedBy).as("each invoice closed by one operator").hasSize(INVOICES);
    assertThat(closedBy.values()).containsOnly(1L);
    assertThat(all)
        .filteredOn(r -> !(r instanceof CloseResult.Closed))
        .allSatisfy(
            r ->
                assertThat(
                        r instanceof CloseResult.AlreadyClosed
                            || (r instanceof CloseResult.Refused refused
                                && refused.reason() == CloseResult.Reason.CLOSED_OTHERWISE))
                    .as("the others find it closed: %s", r)
                    .isTrue());
    long events =
        closeEventsByInvoice().values().stream()
            .flatMap(m -> m.values().stream())
            .mapToLong(Long::longValue)
            .sum();
    assertThat(events).as("one close event per invoice").isEqualTo(INVOICES);
  }

  @Test
  @Timeout(120)
  void closesRacingRoundsNeverCloseAnInvoiceARoundLeasedNorTakeItsMoney() {
    List<String> ids = invoices("ok_"); // every round pays

    AtomicInteger closed = new AtomicInteger();
    Race.all(
        ENGINES,
        e -> {
          List<String> order = new ArrayList<>(ids);
          Collections.shuffle(order, new Random(e));
          for (String id : order) {
            if (e % 2 == 0) {
              engines.get(e).collect(id);
            } else if (engines.get(e).voidInvoice(id, "issued by mistake")
                instanceof CloseResult.Closed) {
              closed.incrementAndGet();
            }
          }
          return true;
        });

    for (String id : ids) {
      Invoice after = repository.findInvoice(id).orElseThrow();
      int taken = rails.moneyTaken.getOrDefault(id, new AtomicInteger()).get();
      assertThat(after.isPaid() || after.isClosed()).as(id + " ended").isTrue();
      assertThat(after.isPaid() && after.isClosed()).as(id + " both paid and closed").isFalse();
      assertThat(taken).as(id + ": money taken").isEqualTo(after.isPaid() ? 1 : 0);
    }
    assertThat(repository.events(0, 10_000))
        .extracting(BillingEvent::type)
        .doesNotContain(BillingEvent.Type.REFUND_NEEDED);
    assertThat(closeEventsByInvoice().getOrDefault(BillingEvent.Type.INVOICE_VOIDED, Map.of()))
        .hasSize(closed.get());
  }
}
