package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.UnclaimedTotal;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A poll page claims from the unclaimed totals its ledger read carried, plus the items it wrote
 * since, and taxes its invoices by the setting read with the ledger: no second read of either (the
 * renewal day's cost). Where another instance billed part of the page first, the totals are read
 * again, and the claim is still exact.
 */
class ClaimFromTheTotalsReadTest {

  /** Counts {@link Repository#unclaimedTotals} reads, and runs {@code meanwhile} once if set. */
  static final class Counting extends DelegatingRepository {
    final AtomicInteger totalsRead = new AtomicInteger();
    final AtomicInteger tenantsRead = new AtomicInteger();
    Runnable meanwhile;

    Counting(Repository delegate) {
      super(delegate);
    }

    @Override
    public List<UnclaimedTotal> unclaimedTotals(List<String> tenants) {
      totalsRead.incrementAndGet();
      return super.unclaimedTotals(tenants);
    }

    @Override
    public java.util.Optional<dev.caravel.billing.spi.Tenant> findTenant(String pubkey) {
      tenantsRead.incrementAndGet();
      return super.findTenant(pubkey);
    }

    @Override
    public int recordReconciliations(List<Reconciliation> work, OptionalLong pricedWith) {
      if (meanwhile != null) {
        Runnable r = meanwhile;
        meanwhile = null;
        r.run();
      }
      return super.recordReconciliations(work, pricedWith);
    }
  }

  @Test
  void aPageOfRenewalsAndNewActivityIsClaimedWithoutReadingItsTotalsAgain() {
    InMemoryRepository store = new InMemoryRepository();
    Counting counting = new Counting(store);
    MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
    Billing billing = Fixtures.engine(counting, clock).build();
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.record(Activity.create("b1", BOB, "r1", "basic", clock.instant()));
    billing.runCycle();
    // A month on: both renew, and Alice adds a relay the poll reconciles (a missed event).
    clock.set(Instant.parse("2025-02-01T12:00:00Z"));
    Fixtures.appendJudged(
        store, Activity.create("a2", ALICE, "r2", "basic", Instant.parse("2025-02-01T06:00:00Z")));
    counting.totalsRead.set(0);
    counting.tenantsRead.set(0);

    billing.runCycle();

    assertThat(counting.totalsRead).as("no second read of the page's totals").hasValue(0);
    // Neither claiming nor collecting reads a tenant: its tax and how it pays are read with the
    // ledger, and the invoices made are collected from that read.
    assertThat(counting.tenantsRead)
        .as("no tenant read for claiming or collecting what the page made")
        .hasValue(0);
    assertThat(billing.invoices(ALICE)).hasSize(2);
    assertThat(billing.invoices(ALICE).get(1).total())
        .as("Alice's renewal and her new relay, as the items say")
        .isEqualTo(sum(store.invoiceItems(billing.invoices(ALICE).get(1).id())))
        .isGreaterThan(500);
    assertThat(billing.invoices(BOB)).extracting(Invoice::total).containsExactly(500L, 500L);
    assertThat(billing.unbilledBalance(ALICE)).isZero();
  }

  @Test
  void aTenantBilledMeanwhileByAnotherInstanceHasItsTotalsReadAgain() {
    InMemoryRepository store = new InMemoryRepository();
    Counting counting = new Counting(store);
    MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
    Billing billing = Fixtures.engine(counting, clock).build();
    Billing other = Fixtures.engine(store, clock).instanceId("other").build();
    Fixtures.appendJudged(store, Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    clock.set(Instant.parse("2025-01-02T00:00:00Z"));
    // The other instance reconciles and claims Alice between this one's read and its write.
    counting.meanwhile = () -> other.generateInvoice(ALICE);

    assertThat(billing.generateInvoice(ALICE)).as("nothing left to claim").isEmpty();

    assertThat(counting.totalsRead).as("read again: its write applied only in part").hasValue(1);
    assertThat(billing.invoices(ALICE)).extracting(Invoice::total).containsExactly(500L);
    assertThat(billing.unbilledBalance(ALICE)).isZero();
  }

  private static long sum(List<InvoiceItem> items) {
    return items.stream().mapToLong(InvoiceItem::amount).sum();
  }
}
