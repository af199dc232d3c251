package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.engine;
import static dev.caravel.billing.Fixtures.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.TenantLedger;
import dev.caravel.billing.testkit.MutableClock;
import dev.caravel.billing.testkit.Race;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The poll costs what is due (S17): an idle poll reads nobody's log, a tenant made due by an append
 * or a period start is visited, instances racing share the tenants without billing any twice, and
 * the catalogue is read again only when it changed.
 */
class DuePollTest {
  /** Counts what the engine reads. */
  static final class Counting extends DelegatingRepository {
    final AtomicInteger ledgerReads = new AtomicInteger();
    final AtomicInteger tenantsRead = new AtomicInteger();
    final AtomicInteger catalogueReads = new AtomicInteger();

    Counting(InMemoryRepository delegate) {
      super(delegate);
    }

    @Override
    public List<TenantLedger> ledgers(List<String> tenants) {
      ledgerReads.incrementAndGet();
      tenantsRead.addAndGet(tenants.size());
      return super.ledgers(tenants);
    }

    @Override
    public Optional<PlanCatalogue> catalogue() {
      catalogueReads.incrementAndGet();
      return super.catalogue();
    }
  }

  private static final Instant T0 = Instant.parse("2025-01-31T10:00:00Z");

  @Test
  void anIdlePollReadsNoLogAndADuePeriodStartIsVisited() {
    Counting repo = new Counting(new InMemoryRepository());
    MutableClock clock = new MutableClock(T0);
    Billing billing = engine(repo, clock).build();
    for (int i = 1; i <= 50; i++) {
      billing.record(Activity.create("c" + i, tenant(i), "r1", "basic", T0));
    }
    assertThat(billing.runCycle().tenantsVisited()).isEqualTo(50);
    assertThat(repo.invoices(tenant(1))).hasSize(1);

    // Idle: nothing recorded, no period started.
    repo.ledgerReads.set(0);
    clock.set(T0.plusSeconds(86_400 * 10));
    CycleReport idle = billing.runCycle();
    assertThat(idle.tenantsVisited()).isZero();
    assertThat(repo.ledgerReads.get()).isZero();

    // One tenant's append makes it due, and only it is visited.
    billing.record(Activity.deactivate("d7", tenant(7), "r1", clock.instant()));
    repo.tenantsRead.set(0);
    assertThat(billing.runCycle().tenantsVisited()).isEqualTo(1);
    assertThat(repo.tenantsRead.get()).isEqualTo(1);

    // The next period start (Feb 28, clamped) makes all of them due again; the deactivated one is
    // renewed at nothing, every other one at 500.
    clock.set(Instant.parse("2025-02-28T10:00:00Z"));
    CycleReport renewal = billing.runCycle();
    assertThat(renewal.tenantsVisited()).isEqualTo(50);
    assertThat(renewal.invoicesCreated()).hasSize(49);
    assertThat(billing.runCycle().tenantsVisited()).isZero();
  }

  @Test
  void theCatalogueIsReadAgainOnlyWhenItChanged() {
    Counting repo = new Counting(new InMemoryRepository());
    MutableClock clock = new MutableClock(T0);
    Billing billing = engine(repo, clock).build();
    repo.catalogueReads.set(0);
    for (int i = 1; i <= 20; i++) {
      billing.record(Activity.create("c" + i, tenant(i), "r1", "basic", T0));
    }
    billing.runCycle();
    assertThat(repo.catalogueReads.get()).isLessThanOrEqualTo(1);
    // A price change elsewhere is seen by the next page priced.
    billing.changePrice("basic", 700, Instant.parse("2025-02-15T00:00:00Z"));
    clock.set(Instant.parse("2025-02-28T10:00:00Z"));
    billing.runCycle();
    assertThat(repo.invoices(tenant(1)).get(1).total()).isEqualTo(700);
  }

  @Test
  @Timeout(120)
  void racingInstancesShareTheDueTenantsAndRenewEachOnce() {
    InMemoryRepository shared = new InMemoryRepository();
    MutableClock clock = new MutableClock(T0);
    Billing first = engine(shared, clock).build();
    int tenants = 200;
    for (int i = 1; i <= tenants; i++) {
      first.record(Activity.create("c" + i, tenant(i), "r1", "basic", T0));
    }
    clock.set(Instant.parse("2025-03-31T10:00:00Z")); // two periods to catch up
    List<Billing> instances = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      instances.add(engine(shared, clock).instanceId("node-" + i).pageSize(7).build());
    }
    List<CycleReport> reports = Race.all(8, i -> instances.get(i).runCycle());
    // Each due tenant was taken by exactly one instance.
    assertThat(reports.stream().mapToInt(CycleReport::tenantsVisited).sum()).isEqualTo(tenants);
    for (int i = 1; i <= tenants; i++) {
      List<InvoiceItem> items = shared.items(tenant(i));
      assertThat(items).extracting(InvoiceItem::id).doesNotHaveDuplicates();
      assertThat(items.stream().filter(it -> it.renewalPeriod().isPresent())).hasSize(2);
      assertThat(shared.invoices(tenant(i))).hasSize(1);
      assertThat(shared.unclaimedItems(tenant(i))).isEmpty();
    }
  }
}
