package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.StandingRead;
import dev.caravel.billing.spi.StandingVerdict;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two engines share one storage. Engine A judges a tenant's standing from a read that a payment,
 * recorded by engine B, makes stale before A records its verdict: A's verdict must lose, and A
 * judges again from what is stored now (issue 21: the engine judges, the storage records only a
 * verdict judged from current data). The interleaving is forced through a storage wrapper, so the
 * race is replayed exactly, every run.
 */
class AStaleStandingVerdictIsNeverRecordedTest {
  private final MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
  private final InMemoryRepository shared = new InMemoryRepository();
  private final List<String> heard = new ArrayList<>();
  private final BillingListener listener =
      new BillingListener() {
        @Override
        public void standingChanged(String tenant, Standing from, Standing to) {
          heard.add(from + "->" + to);
        }
      };

  /** What A's storage saw: the reads it handed out and whether each verdict was recorded. */
  private final List<String> seenByA = new ArrayList<>();

  /** Run once, right after A's next read of the standing, before A judges it. */
  private Runnable afterNextRead;

  /** No rail, a messenger: a round asks the tenant by DM, and fails (S13: PAST_DUE). */
  private Billing engine(dev.caravel.billing.spi.Repository repository) {
    return Fixtures.engine(repository, clock).listener(listener).messenger(Fixtures.UNREAD).build();
  }

  private final Billing engineA =
      engine(
          new DelegatingRepository(shared) {
            @Override
            public List<StandingRead> readStandings(List<String> tenants) {
              List<StandingRead> read = super.readStandings(tenants);
              read.forEach(r -> seenByA.add("read " + r.openInvoices().size() + " open"));
              Runnable interleaved = afterNextRead;
              afterNextRead = null;
              if (interleaved != null) {
                interleaved.run();
              }
              return read;
            }

            @Override
            public List<StandingVerdict> recordStandings(List<StandingVerdict> verdicts) {
              List<StandingVerdict> recorded = super.recordStandings(verdicts);
              for (StandingVerdict verdict : verdicts) {
                seenByA.add(
                    (recorded.contains(verdict) ? "recorded " : "lost ") + verdict.standing());
              }
              return recorded;
            }
          });
  private final Billing engineB = engine(shared);

  @Test
  void aVerdictJudgedBeforeAPaymentLandedLosesAndIsJudgedAgain() {
    engineA.record(Activity.create("c-1", ALICE, "r1", "basic", clock.instant()));
    Invoice invoice = engineA.generateInvoice(ALICE).orElseThrow();
    boolean[] settledMeanwhile = {false};
    // A's round fails; A reads the invoice with its failed round (PAST_DUE by S13). Before A
    // records that, B settles the invoice, and B's own refresh finds GOOD, as stored: no change.
    afterNextRead =
        () -> settledMeanwhile[0] = engineB.settle(invoice.id(), PaymentMethod.MANUAL, "bank-1");

    engineA.collect(invoice.id());

    assertThat(settledMeanwhile[0]).as("the payment landed between A's read and write").isTrue();
    assertThat(seenByA)
        .as("A's stale verdict lost; A read again and recorded what is true now")
        .containsExactly("read 1 open", "lost PAST_DUE", "read 0 open", "recorded GOOD");
    assertThat(heard).as("a paid tenant is never told it is past due").isEmpty();
    assertThat(engineA.events(0, 1000))
        .noneMatch(e -> e.type() == BillingEvent.Type.STANDING_CHANGED);
    assertThat(engineA.standing(ALICE)).isEqualTo(Standing.GOOD);

    // Nothing stale is left for the poll to tell later either.
    clock.advance(Duration.ofDays(20));
    engineA.runCycle();
    engineB.runCycle();
    assertThat(heard).isEmpty();
  }

  @Test
  void aVerdictThatLostToAFresherOneIsNotToldTwice() {
    engineA.record(Activity.create("c-1", ALICE, "r1", "basic", clock.instant()));
    Invoice invoice = engineA.generateInvoice(ALICE).orElseThrow();
    // A's round fails and A reads it; before A records, B judges the same state and records
    // GOOD -> PAST_DUE first. A's verdict (the same change) loses, and A, judging again, finds
    // PAST_DUE stored: the change is told once, by B.
    afterNextRead =
        () -> {
          clock.advance(Duration.ofHours(1)); // past the round's lease: alice's check is due
          engineB.runCycle(); // and B's poll judges it
        };

    engineA.collect(invoice.id());

    assertThat(seenByA)
        .containsExactly("read 1 open", "lost PAST_DUE", "read 1 open", "recorded PAST_DUE");
    assertThat(heard).containsExactly("GOOD->PAST_DUE");
    assertThat(engineA.events(0, 1000))
        .filteredOn(e -> e.type() == BillingEvent.Type.STANDING_CHANGED)
        .hasSize(1);
  }
}
