package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.BillingListener;
import dev.caravel.billing.InvalidInputException.ConflictingKeyException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.RefundResult;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import dev.caravel.billing.testkit.Race;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntFunction;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 21 (money) on the databases: engine instances, each with its own storage object (and, on
 * PostgreSQL, its own pool), decide refunds and adjustments on their own reads at once; the storage
 * records only writes whose read still holds, so the engine's rules hold across instances: the
 * refunds of an invoice never exceed its total, an adjustment key holds one adjustment, a refund
 * moves once, and each recorded thing is told to the listener once.
 */
class RefundRacesJdbcTest {
  private static final int ENGINES = 4;
  private static final int THREADS = 16;
  private static final String ALICE = Fixture.pubkey(0xa11ce);

  @Test
  @Timeout(120)
  void racingEnginesKeepTheMoneyRulesOnH2() {
    DataSource h2 = Databases.newH2();
    JdbcRepository.migrate(h2);
    racesKeepTheRules(i -> h2);
    Databases.shutdownH2(h2);
  }

  @Test
  @Timeout(180)
  void racingEnginesKeepTheMoneyRulesOnPostgres() {
    String schema = Databases.newPostgresSchema();
    List<HikariDataSource> pools = new ArrayList<>();
    try {
      for (int i = 0; i < ENGINES; i++) {
        pools.add(Databases.postgresPool(schema, THREADS / ENGINES + 1));
      }
      JdbcRepository.migrate(pools.get(0));
      racesKeepTheRules(pools::get);
    } finally {
      pools.forEach(HikariDataSource::close);
      Databases.dropPostgresSchema(schema);
    }
  }

  private static void racesKeepTheRules(IntFunction<DataSource> databaseOfEngine) {
    MutableClock clock = new MutableClock(Fixture.T0);
    List<String> told = Collections.synchronizedList(new ArrayList<>());
    List<Billing> engines = new ArrayList<>();
    for (int i = 0; i < ENGINES; i++) {
      engines.add(
          Billing.builder()
              .repository(new JdbcRepository(databaseOfEngine.apply(i)))
              .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
              .clock(clock)
              .appUrl("https://relays.example")
              .instanceId("engine-" + i)
              .listener(
                  new BillingListener() {
                    @Override
                    public void refundRecorded(Invoice invoice, Payment.Refund refund) {
                      told.add(refund.key() + " " + refund.status());
                    }

                    @Override
                    public void adjustmentRecorded(InvoiceItem item) {
                      told.add(item.id());
                    }
                  })
              .build());
    }
    Billing first = engines.get(0);
    first.record(Activity.create("c-1", ALICE, "r1", "basic", clock.instant()));
    Invoice invoice = first.generateInvoice(ALICE).orElseThrow();
    first.settle(invoice.id(), PaymentMethod.MANUAL, "bank-1");

    // Refunds of 150 under six keys, by hand and as credits, from every engine at once.
    List<Race.Outcome<RefundResult>> refunds =
        Race.run(
            THREADS,
            i ->
                engines
                    .get(i % ENGINES)
                    .refund(
                        invoice.id(),
                        150,
                        "Outage",
                        "k-" + (i % 6),
                        (i % 6) % 2 == 0 ? Payment.Refund.Via.BY_HAND : Payment.Refund.Via.CREDIT));
    assertThat(refunds).allSatisfy(o -> assertThat(o.failed()).as("%s", o.error()).isFalse());
    assertThat(refunds)
        .extracting(Race.Outcome::value)
        .allSatisfy(
            r -> {
              if (r instanceof RefundResult.Refused no) {
                assertThat(no.reason()).isEqualTo(RefundResult.Reason.EXCEEDS_PAYMENT);
                assertThat(no.message()).contains("left to refund, not 150");
              } else {
                assertThat(r).isInstanceOf(RefundResult.Recorded.class);
              }
            });
    List<Payment.Refund> recorded = first.refunds(invoice.id());
    assertThat(recorded).hasSize(3);
    assertThat(first.balance(invoice.id()).refunded()).isEqualTo(450);
    long credits = recorded.stream().filter(r -> r.via() == Payment.Refund.Via.CREDIT).count();
    assertThat(first.unbilledBalance(ALICE))
        .as("one credit item per credit")
        .isEqualTo(-150 * credits);

    // One adjustment key asked with two contents at once: one is stored, the other conflicts.
    List<Race.Outcome<Boolean>> charges =
        Race.run(
            THREADS,
            i -> engines.get(i % ENGINES).charge(ALICE, 100 + (i % 2), "Setup fee", "fee-1"));
    assertThat(charges.stream().filter(o -> !o.failed() && o.value())).hasSize(1);
    long stored = first.unbilledBalance(ALICE) + 150 * credits;
    for (int i = 0; i < THREADS; i++) {
      Race.Outcome<Boolean> charge = charges.get(i);
      if (100 + (i % 2) == stored) {
        assertThat(charge.failed()).as("the stored request again is a retry").isFalse();
      } else {
        assertThat(charge.error()).isInstanceOf(ConflictingKeyException.class);
      }
    }

    // An owed refund paid from every engine at once is paid once.
    String owed = "k-owed";
    assertThat(first.refund(invoice.id(), 50, "The rest", owed))
        .as("the 50 left, owed by hand")
        .isInstanceOf(RefundResult.Recorded.class);
    List<Boolean> paid =
        Race.all(THREADS, i -> engines.get(i % ENGINES).refundPaid(owed, "bank-out-" + i));
    assertThat(paid.stream().filter(p -> p)).hasSize(1);

    assertThat(told).as("told once per recorded thing").doesNotHaveDuplicates();
    assertThat(told).filteredOn(t -> t.endsWith(" DONE") && t.startsWith(owed)).hasSize(1);
    List<BillingEvent> events = new ArrayList<>(first.events(0, 1000));
    assertThat(events).filteredOn(e -> e.type() == BillingEvent.Type.CHARGED).hasSize(1);
    assertThat(events)
        .filteredOn(e -> e.type().name().startsWith("REFUND"))
        .as("four recorded, one of them paid")
        .hasSize(5);
  }
}
