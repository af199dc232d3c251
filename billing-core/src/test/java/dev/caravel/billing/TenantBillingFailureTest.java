package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.InvoiceNumbering;
import dev.caravel.billing.spi.StorageException;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Defect 4 of issue 21: one tenant's overflowing balance (a charge of {@code Long.MAX_VALUE}), or
 * an activity at {@code Instant.MAX}, failed every poll page that held it, and the other tenants on
 * the page were not invoiced. The entry checks refuse those values now, but a ledger may hold them
 * already (written before the checks, or by an older version). The poll isolates a tenant whose
 * billing fails: it is reported (event, listener, log) and skipped, the rest of its page billed.
 */
class TenantBillingFailureTest {
  private static final Instant T0 = Instant.parse("2025-01-31T10:00:00Z");
  private static final String OVERFLOWING = tenant(50);
  private static final String AT_THE_END_OF_TIME = tenant(51);

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = new MutableClock(T0);
  private final List<String> reported = Collections.synchronizedList(new ArrayList<>());
  private final List<LogRecord> errors = Collections.synchronizedList(new ArrayList<>());
  private final Logger engineLog = Logger.getLogger(Billing.class.getName());
  private final Handler errorLog =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (record.getLevel() == Level.SEVERE) {
            errors.add(record);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  private final boolean consoleToo = engineLog.getUseParentHandlers();

  {
    engineLog.addHandler(errorLog);
    engineLog.setUseParentHandlers(false); // the failures are expected: keep the build log quiet
  }

  @AfterEach
  void detach() {
    engineLog.removeHandler(errorLog);
    engineLog.setUseParentHandlers(consoleToo);
  }

  private Billing engine(dev.caravel.billing.spi.Repository repo) {
    return Fixtures.engine(repo, clock)
        .listener(
            new BillingListener() {
              @Override
              public void billingFailed(String tenant, String reason) {
                reported.add(tenant + " " + reason);
              }
            })
        .build();
  }

  /** A hand charge as an older version could store it: beyond today's entry checks. */
  private static InvoiceItem chargeOfLongMax(String tenant, String key) {
    return new InvoiceItem(
        "adj:" + key,
        tenant,
        InvoiceItem.ADJUSTMENT,
        InvoiceItem.ADJUSTMENT,
        Long.MAX_VALUE,
        "written by an older version",
        T0,
        Optional.empty(),
        OptionalInt.empty(),
        Optional.empty(),
        Optional.of(key));
  }

  /** Ten healthy tenants and the two planted ones, all due on the poll's one page. */
  private List<String> plantBesideHealthyTenants(Billing billing) {
    List<String> healthy = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      healthy.add(tenant(i));
      billing.record(Activity.create("c" + i, tenant(i), "r1", "basic", T0));
    }
    // Straight through the repository: it records, it does not check money limits or skew.
    billing.record(Activity.create("o1", OVERFLOWING, "r1", "basic", T0));
    InvoiceItem huge = chargeOfLongMax(OVERFLOWING, "huge");
    assertThat(repository.recordAdjustment(huge, BillingEvent.adjusted(huge), false))
        .isEqualTo(new dev.caravel.billing.spi.AdjustmentWrite.Recorded());
    Instant endOfTime = Instant.ofEpochSecond(Instant.MAX.getEpochSecond());
    assertThat(
            Fixtures.appendJudged(
                repository, Activity.create("e1", AT_THE_END_OF_TIME, "r1", "basic", endOfTime)))
        .isTrue();
    return healthy;
  }

  private List<BillingEvent> failureEvents() {
    return repository.events(0, 1000).stream()
        .filter(e -> e.type() == BillingEvent.Type.TENANT_BILLING_FAILED)
        .toList();
  }

  @Test
  void defect4_tenantsWhoseStoredDataBreaksBillingAreReportedAndSkippedAndTheirPageIsInvoiced() {
    Billing billing = engine(repository);
    List<String> healthy = plantBesideHealthyTenants(billing);

    CycleReport cycle = billing.runCycle();

    assertThat(cycle.tenantsVisited()).as("one page").isEqualTo(12);
    assertThat(cycle.invoicesCreated())
        .extracting(Invoice::tenant)
        .containsExactlyInAnyOrderElementsOf(healthy);
    assertThat(cycle.invoicesCreated()).allSatisfy(i -> assertThat(i.total()).isEqualTo(500));
    assertThat(cycle.failures()).as("a tenant's failure is not the cycle's").isZero();
    assertThat(repository.invoices(OVERFLOWING)).isEmpty();
    assertThat(repository.invoices(AT_THE_END_OF_TIME)).isEmpty();

    // Reported once each: a durable event, the listener, a log line at ERROR.
    assertThat(failureEvents())
        .extracting(BillingEvent::tenant)
        .containsExactlyInAnyOrder(OVERFLOWING, AT_THE_END_OF_TIME);
    BillingEvent overflow =
        failureEvents().stream().filter(e -> e.tenant().equals(OVERFLOWING)).findFirst().get();
    assertThat(overflow.detail()).contains("owes more than a long holds");
    assertThat(overflow.at()).isEqualTo(T0);
    assertThat(overflow.invoiceId()).isEmpty();
    assertThat(overflow.amount()).isZero();
    assertThat(reported)
        .hasSize(2)
        .anySatisfy(r -> assertThat(r).startsWith(OVERFLOWING + " ").contains("long"))
        .anySatisfy(r -> assertThat(r).startsWith(AT_THE_END_OF_TIME + " "));
    assertThat(errors)
        .extracting(LogRecord::getMessage)
        .anySatisfy(m -> assertThat(m).contains(OVERFLOWING).contains("skipped"))
        .anySatisfy(m -> assertThat(m).contains(AT_THE_END_OF_TIME).contains("skipped"));
  }

  @Test
  void defect4_aFailingTenantStaysDueAndIsRetriedAndReportedAnHourLaterNotOnEveryCycle() {
    Billing billing = engine(repository);
    plantBesideHealthyTenants(billing);
    billing.runCycle();
    assertThat(reported).hasSize(2);

    // The next cycles within the hour visit nobody: no report, no tenant-by-tenant pass.
    clock.set(T0.plus(Duration.ofMinutes(59)));
    assertThat(billing.runCycle().tenantsVisited()).isZero();
    assertThat(reported).hasSize(2);

    // An hour on, both are tried again, fail again, and are reported again, once each.
    clock.set(T0.plus(PageBilling.RETRY_AFTER_FAILURE));
    CycleReport retry = billing.runCycle();
    assertThat(retry.tenantsVisited()).isEqualTo(2);
    assertThat(retry.failures()).isZero();
    assertThat(reported).hasSize(4);
    assertThat(failureEvents()).hasSize(4);
  }

  @Test
  void defect4_anOverflowingClaimFailsItsTenantAloneInsideTheBatch() {
    // Only the overflowing tenant on the page: every other tenant's claim was in the same batch.
    Billing billing = engine(repository);
    for (int i = 1; i <= 3; i++) {
      billing.record(Activity.create("c" + i, tenant(i), "r1", "basic", T0));
    }
    billing.record(Activity.create("o1", OVERFLOWING, "r1", "basic", T0));
    InvoiceItem huge = chargeOfLongMax(OVERFLOWING, "huge");
    repository.recordAdjustment(huge, BillingEvent.adjusted(huge), false);
    assertThat(billing.runCycle().invoicesCreated()).hasSize(3);
    assertThat(billing.unbilledBalance(tenant(1))).isZero();
    assertThat(reported).singleElement().asString().startsWith(OVERFLOWING);
  }

  @Test
  void reconcilingEveryTenantSkipsOnlyTheTenantWhoseDataBreaksIt() {
    Billing billing = engine(repository);
    Instant endOfTime = Instant.ofEpochSecond(Instant.MAX.getEpochSecond());
    Fixtures.appendJudged(
        repository, Activity.create("e1", AT_THE_END_OF_TIME, "r1", "basic", endOfTime));
    // Recorded past the engine (a missed event): only reconcileAll bills them.
    for (int i = 1; i <= 3; i++) {
      Fixtures.appendJudged(repository, Activity.create("c" + i, tenant(i), "r1", "basic", T0));
    }

    billing.reconcileAll();

    for (int i = 1; i <= 3; i++) {
      assertThat(billing.unbilledBalance(tenant(i))).isEqualTo(500);
    }
    assertThat(errors)
        .extracting(LogRecord::getMessage)
        .singleElement()
        .asString()
        .contains(AT_THE_END_OF_TIME);
  }

  @Test
  void aFailingStorageIsNotATenantsFailureAndLeavesItDueForTheNextCycle() {
    // The storage refuses one tenant's claim once, as a lost connection would.
    AtomicBoolean failOnce = new AtomicBoolean(true);
    DelegatingRepository flaky =
        new DelegatingRepository(repository) {
          @Override
          public List<Invoice> claim(List<Claim> claims, InvoiceNumbering ids) {
            if (claims.stream().anyMatch(c -> c.tenant().equals(tenant(2)))
                && failOnce.getAndSet(false)) {
              throw new StorageException("connection lost");
            }
            return super.claim(claims, ids);
          }
        };
    Billing billing = engine(flaky);
    for (int i = 1; i <= 3; i++) {
      billing.record(Activity.create("c" + i, tenant(i), "r1", "basic", T0));
    }
    CycleReport first = billing.runCycle();
    // The batch failed in the storage; billed one by one, all of them made it this time.
    assertThat(first.invoicesCreated()).hasSize(3);
    assertThat(first.failures()).isZero();
    assertThat(reported).isEmpty();
    assertThat(failureEvents()).isEmpty();

    // A storage that keeps failing: the batch and the first tenant alone fail, the page is left.
    DelegatingRepository down =
        new DelegatingRepository(repository) {
          @Override
          public List<Invoice> claim(List<Claim> claims, InvoiceNumbering ids) {
            throw new StorageException("database down");
          }
        };
    Billing failing = engine(down);
    for (int i = 4; i <= 6; i++) {
      failing.record(Activity.create("c" + i, tenant(i), "r1", "basic", T0));
    }
    CycleReport second = failing.runCycle();
    assertThat(second.failures()).isEqualTo(1);
    assertThat(second.invoicesCreated()).isEmpty();
    assertThat(reported).as("not the tenants' failure").isEmpty();
    assertThat(failureEvents()).isEmpty();
    // Still due: the next cycle, with the storage back, bills them.
    assertThat(engine(repository).runCycle().invoicesCreated()).hasSize(3);
  }
}
