package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.StandingRead;
import dev.caravel.billing.spi.StandingVerdict;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 25: the rounds of the invoices a poll page made cost no read of their tenants, and their
 * standings are judged together after the rounds, one read and one write for the page, with every
 * change still told once.
 */
class APageOfRoundsJudgesItsStandingsAtOnceTest {
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");

  /** Counts what the engine asks of the storage that this test pins down. */
  private static final class Counting extends DelegatingRepository {
    final List<Integer> standingReads = new CopyOnWriteArrayList<>();
    final List<Integer> standingWrites = new CopyOnWriteArrayList<>();
    final AtomicInteger tenantsRead = new AtomicInteger();

    Counting() {
      super(new InMemoryRepository());
    }

    @Override
    public List<StandingRead> readStandings(List<String> tenants) {
      standingReads.add(tenants.size());
      return super.readStandings(tenants);
    }

    @Override
    public List<StandingVerdict> recordStandings(List<StandingVerdict> verdicts) {
      standingWrites.add(verdicts.size());
      return super.recordStandings(verdicts);
    }

    @Override
    public Optional<Tenant> findTenant(String pubkey) {
      tenantsRead.incrementAndGet();
      return super.findTenant(pubkey);
    }
  }

  /** Pays every card but the one of {@code declined}'s customer. */
  private static PaymentGateway cardsPayingBut(String declined) {
    return new PaymentGateway() {
      @Override
      public Optional<String> savedPaymentMethod(String customerId) {
        return Optional.of("pm_" + customerId);
      }

      @Override
      public ChargeOutcome charge(ChargeRequest request) {
        return request.customerId().equals(declined)
            ? new ChargeOutcome.Declined("card_declined", "Your card was declined.")
            : new ChargeOutcome.Paid("pi_" + request.idempotencyKey());
      }
    };
  }

  @Test
  void thePageMadeIsCollectedWithoutReadingItsTenantsAndJudgedInOneReadAndOneWrite() {
    Counting storage = new Counting();
    List<String> heard = new CopyOnWriteArrayList<>();
    Billing billing =
        Fixtures.engine(storage, clock)
            .paymentGateway(cardsPayingBut("cus_2"))
            .messenger(Fixtures.UNREAD)
            .collectionConcurrency(4)
            .listener(
                new BillingListener() {
                  @Override
                  public void standingChanged(String tenant, Standing from, Standing to) {
                    heard.add(tenant + ":" + from + "->" + to);
                  }
                })
            .build();
    for (int t = 0; t < 5; t++) {
      String tenant = Fixtures.tenant(t);
      billing.saveTenant(tenant, null, "cus_" + t);
      billing.record(Activity.create("evt-" + t, tenant, "relay", "basic", clock.instant()));
    }
    storage.standingReads.clear();
    storage.standingWrites.clear();
    storage.tenantsRead.set(0);

    CycleReport report = billing.runCycle();

    assertThat(report.invoicesCreated()).hasSize(5);
    assertThat(report.payments())
        .filteredOn(r -> r instanceof PaymentResult.Paid)
        .as("four cards paid")
        .hasSize(4);
    assertThat(storage.tenantsRead).as("how each tenant pays came with its ledger").hasValue(0);
    assertThat(storage.standingReads)
        .as("the five tenants' standings read at once, after their rounds")
        .containsExactly(5);
    assertThat(storage.standingWrites).as("and recorded at once").containsExactly(5);
    assertThat(heard)
        .as("the declined tenant's change is told, once")
        .containsExactly(Fixtures.tenant(2) + ":GOOD->PAST_DUE");
    assertThat(billing.standing(Fixtures.tenant(2))).isEqualTo(Standing.PAST_DUE);
    assertThat(billing.standing(Fixtures.tenant(1))).isEqualTo(Standing.GOOD);

    // Nothing is left for the poll to judge again: a later cycle tells nothing new.
    clock.advance(Duration.ofMinutes(1));
    billing.runCycle();
    assertThat(heard).hasSize(1);
  }
}
