package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import dev.caravel.billing.testkit.Race;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16: several invoices collected at once, each under its lease; the concurrency cap, the rail
 * lanes and the rate limit hold. Rails block on semaphores the test releases, so nothing here
 * sleeps or times anything: each wait has a deadline only to fail instead of hanging.
 */
@Timeout(60)
class CollectionConcurrencyTest {
  private static final long DEADLINE_SECONDS = 20;

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");

  /** A card rail whose charges wait until the test lets them through, and that counts who waits. */
  static final class GatedGateway implements PaymentGateway {
    final Semaphore arrived = new Semaphore(0);
    final Semaphore pass = new Semaphore(0);
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger mostInside = new AtomicInteger();
    final Map<String, AtomicInteger> charged = new ConcurrentHashMap<>();
    volatile boolean gated = true;

    @Override
    public Optional<String> savedPaymentMethod(String customerId) {
      return Optional.of("pm_" + customerId);
    }

    @Override
    public ChargeOutcome charge(ChargeRequest request) {
      mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
      try {
        arrived.release();
        if (gated && !pass.tryAcquire(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never let this charge through");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        inside.decrementAndGet();
      }
      // Idempotent like Stripe: a key charges once.
      AtomicInteger n = charged.computeIfAbsent(request.idempotencyKey(), k -> new AtomicInteger());
      n.incrementAndGet();
      return new ChargeOutcome.Paid("pi_" + request.idempotencyKey());
    }
  }

  private BillingBuilder engine(PaymentGateway gateway, int concurrency) {
    return Fixtures.engine(repository, clock)
        .paymentGateway(gateway)
        .collectionConcurrency(concurrency);
  }

  /** {@code n} tenants with a card, each with an open invoice of one period of Basic. */
  private List<String> invoicesWithCards(Billing billing, int first, int n) {
    List<String> ids = new ArrayList<>();
    for (int t = first; t < first + n; t++) {
      String tenant = Fixtures.tenant(t);
      billing.saveTenant(tenant, null, "cus_" + t);
      billing.record(Activity.create("evt-" + t, tenant, "relay", "basic", clock.instant()));
      ids.add(billing.generateInvoice(tenant).orElseThrow().id());
    }
    return ids;
  }

  private static void await(Semaphore s, int permits) throws InterruptedException {
    assertThat(s.tryAcquire(permits, DEADLINE_SECONDS, TimeUnit.SECONDS))
        .as("%d arrivals in time", permits)
        .isTrue();
  }

  @Test
  void collectsAsManyInvoicesAtOnceAsItsConcurrency() throws Exception {
    GatedGateway gateway = new GatedGateway();
    Billing billing = engine(gateway, 4).build();
    List<String> ids = invoicesWithCards(billing, 1, 4);

    CompletableFuture<List<PaymentResult>> pass =
        CompletableFuture.supplyAsync(billing::collectDue);
    await(gateway.arrived, 4); // all four charges are waiting at the gateway at the same time
    assertThat(gateway.inside).hasValue(4);
    gateway.pass.release(4);

    List<PaymentResult> results = pass.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
    assertThat(results).hasSize(4).allMatch(r -> r instanceof PaymentResult.Paid);
    // in the order the repository listed them
    assertThat(results.stream().map(PaymentResult::invoiceId).sorted().toList())
        .isEqualTo(ids.stream().sorted().toList());
    ids.forEach(id -> assertThat(billing.invoice(id).orElseThrow().isPaid()).isTrue());
    billing.close();
  }

  @Test
  void neverCollectsMoreAtOnceThanItsConcurrency() throws Exception {
    GatedGateway gateway = new GatedGateway();
    Billing billing = engine(gateway, 3).build();
    invoicesWithCards(billing, 1, 10);

    CompletableFuture<List<PaymentResult>> pass =
        CompletableFuture.supplyAsync(billing::collectDue);
    // Three in, then one more each time one is let out: a fourth never gets in meanwhile.
    await(gateway.arrived, 3);
    for (int released = 1; released <= 7; released++) {
      gateway.pass.release();
      await(gateway.arrived, 1);
      assertThat(gateway.mostInside.get()).isLessThanOrEqualTo(3);
    }
    gateway.pass.release(3);
    assertThat(pass.get(DEADLINE_SECONDS, TimeUnit.SECONDS))
        .hasSize(10)
        .allMatch(r -> r instanceof PaymentResult.Paid);
    assertThat(gateway.mostInside).hasValue(3);
    billing.close();
  }

  /**
   * Tenants' wallets whose payments wait until the test lets them through (settling on {@code
   * service}), counting who waits.
   */
  static final class GatedWallets implements LightningWallet.WalletConnector {
    final Semaphore arrived = new Semaphore(0);
    final Semaphore pass = new Semaphore(0);
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger mostInside = new AtomicInteger();
    private final FakeRails.ServiceWallet service;

    GatedWallets(FakeRails.ServiceWallet service) {
      this.service = service;
    }

    @Override
    public LightningWallet connect(String uri) {
      return new LightningWallet() {
        @Override
        public LightningInvoice makeInvoice(long msats, String d, Duration expiry) {
          throw new UnsupportedOperationException();
        }

        @Override
        public PayOutcome payInvoice(String bolt11) {
          mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
          arrived.release();
          try {
            if (!pass.tryAcquire(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
              return new PayOutcome.Failed("TIMEOUT", "never let through");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            inside.decrementAndGet();
          }
          service.settled.add(bolt11);
          return new PayOutcome.Paid("preimage");
        }

        @Override
        public boolean isSettled(String bolt11) {
          throw new UnsupportedOperationException();
        }
      };
    }

    @Override
    public void validate(String uri) {}
  }

  /** Four slots, two a lane, gated wallets and cards: a slow wallet's lane holds its cap only. */
  private Billing withTwoLanesOfTwo(GatedGateway cards, GatedWallets wallets) {
    return engine(cards, 4)
        .railConcurrency(Rail.NWC, 2)
        .railConcurrency(Rail.STRIPE, 2)
        .serviceWallet(wallets.service)
        .walletConnector(wallets)
        .exchangeRates(FakeRails.RATES)
        .cipher(SecretCipher.aesGcm(new byte[32]))
        .build();
  }

  /** Tenants 1 to 6 pay by wallet, 7 to 11 by card; each has recorded a relay of Basic. */
  private void sixWalletsAndFiveCards(Billing billing) {
    for (int t = 1; t <= 11; t++) {
      String tenant = Fixtures.tenant(t);
      if (t <= 6) {
        billing.saveTenant(tenant, "nostr+walletconnect://w" + t + "?secret=s", null);
      } else {
        billing.saveTenant(tenant, null, "cus_" + t);
      }
      billing.record(Activity.create("evt-" + t, tenant, "relay", "basic", clock.instant()));
    }
  }

  @Test
  void aSlowWalletDoesNotHoldTheCardPayments() throws Exception {
    GatedWallets wallets = new GatedWallets(new FakeRails.ServiceWallet(clock));
    GatedGateway cards = new GatedGateway();
    Billing billing = withTwoLanesOfTwo(cards, wallets);
    sixWalletsAndFiveCards(billing);
    for (int t = 1; t <= 11; t++) {
      billing.generateInvoice(Fixtures.tenant(t)).orElseThrow();
    }

    CompletableFuture<List<PaymentResult>> pass =
        CompletableFuture.supplyAsync(billing::collectDue);
    // Every slot taken: two hanging wallets and two card charges, though four more wallet
    // invoices wait: the wallets' lane holds its cap, no more.
    slowWalletsLetEveryCardThrough(billing, wallets, cards);
    List<PaymentResult> results = pass.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
    assertThat(results).hasSize(11).allMatch(r -> r instanceof PaymentResult.Paid);
    assertThat(wallets.mostInside.get()).as("wallet calls at once").isBetween(2, 4);
    billing.close();
  }

  @Test
  void theInvoicesAPollMakesKeepToTheirLanes() throws Exception {
    GatedWallets wallets = new GatedWallets(new FakeRails.ServiceWallet(clock));
    GatedGateway cards = new GatedGateway();
    Billing billing = withTwoLanesOfTwo(cards, wallets);
    sixWalletsAndFiveCards(billing);
    clock.advance(Duration.ofDays(31)); // everyone's first renewal: the poll makes the invoices

    // The poll collects what it made with the lanes it already knows, without reading them again.
    CompletableFuture<CycleReport> cycle = CompletableFuture.supplyAsync(billing::runCycle);
    slowWalletsLetEveryCardThrough(billing, wallets, cards);
    CycleReport report = cycle.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
    assertThat(report.invoicesCreated()).hasSize(11);
    assertThat(report.payments()).hasSize(11).allMatch(r -> r instanceof PaymentResult.Paid);
    assertThat(wallets.mostInside.get()).as("wallet calls at once").isBetween(2, 4);
    billing.close();
  }

  /**
   * Of {@link #sixWalletsAndFiveCards}' invoices, two wallet payments hang in their lane and two
   * card charges wait in theirs; then every card invoice is paid while the wallets still hang; then
   * the wallets are let through.
   */
  private void slowWalletsLetEveryCardThrough(
      Billing billing, GatedWallets wallets, GatedGateway cards) throws InterruptedException {
    await(wallets.arrived, 2);
    await(cards.arrived, 2);
    List<String> lightning = new ArrayList<>();
    List<String> card = new ArrayList<>();
    for (int t = 1; t <= 11; t++) {
      (t <= 6 ? lightning : card).add(billing.invoices(Fixtures.tenant(t)).get(0).id());
    }
    assertThat(wallets.inside).hasValue(2);
    assertThat(cards.inside).hasValue(2);
    // The wallets still hang, and every card invoice gets through.
    cards.pass.release(card.size());
    await(cards.arrived, card.size() - 2);
    for (String id : card) {
      assertThat(pollPaid(billing, id)).as("card invoice %s paid while wallets hang", id).isTrue();
    }
    assertThat(wallets.pass.availablePermits()).isZero();
    assertThat(lightning.stream().filter(id -> billing.invoice(id).orElseThrow().isPaid()))
        .isEmpty();
    // Nothing else waits now, so the wallets may use every slot.
    wallets.pass.release(lightning.size());
  }

  /** A card invoice's round marks it paid just after the charge answers: wait for that step. */
  private static boolean pollPaid(Billing billing, String id) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (System.nanoTime() < deadline) {
      if (billing.invoice(id).orElseThrow().isPaid()) {
        return true;
      }
      Thread.onSpinWait();
      Thread.yield();
    }
    return false;
  }

  /** Virtual nanoseconds: sleeping moves them on at once. */
  static final class DrivenPacer implements RateLimiter.Pacer {
    final AtomicLong now = new AtomicLong();

    @Override
    public long nanoTime() {
      return now.get();
    }

    @Override
    public void sleep(long nanos) {
      long target = now.get() + nanos;
      now.accumulateAndGet(target, Math::max);
    }
  }

  @Test
  void theRateLimitHoldsAcrossAllTheInvoicesCollectedAtOnce() {
    DrivenPacer pacer = new DrivenPacer();
    List<Long> callTimes = Collections.synchronizedList(new ArrayList<>());
    PaymentGateway counted =
        new PaymentGateway() {
          @Override
          public Optional<String> savedPaymentMethod(String customerId) {
            callTimes.add(pacer.nanoTime());
            return Optional.of("pm_" + customerId);
          }

          @Override
          public ChargeOutcome charge(ChargeRequest request) {
            callTimes.add(pacer.nanoTime());
            return new ChargeOutcome.Paid("pi_" + request.idempotencyKey());
          }
        };
    Billing billing = engine(counted, 8).rateLimit(Rail.STRIPE, 5).pacer(pacer).build();
    invoicesWithCards(billing, 1, 12);

    List<PaymentResult> results = billing.collectDue();

    assertThat(results).hasSize(12).allMatch(r -> r instanceof PaymentResult.Paid);
    List<Long> sorted = callTimes.stream().sorted().toList();
    assertThat(sorted).hasSize(24); // a card lookup and a charge per invoice
    long interval = 200_000_000L; // 5 a second
    for (int k = 0; k < sorted.size(); k++) {
      assertThat(sorted.get(k)).as("call %d", k).isGreaterThanOrEqualTo(k * interval);
    }
    billing.close();
  }

  @Test
  void aRateLimitSpacesPermitsAndSavesNoBurstWhileIdle() {
    DrivenPacer pacer = new DrivenPacer();
    RateLimiter limiter = new RateLimiter(4, pacer);
    assertThat(limiter.reserve(0)).isEqualTo(0);
    assertThat(limiter.reserve(0)).isEqualTo(250_000_000L);
    assertThat(limiter.reserve(100)).isEqualTo(500_000_000L);
    assertThat(limiter.reserve(10_000_000_000L)).isEqualTo(10_000_000_000L);
    assertThat(limiter.reserve(10_000_000_000L)).isEqualTo(10_250_000_000L);
    // 3 a second: the interval rounds up, so the rate is never exceeded
    assertThat(new RateLimiter(3, pacer).reserve(-5)).isEqualTo(-5);
    RateLimiter three = new RateLimiter(3, pacer);
    three.reserve(0);
    assertThat(three.reserve(0)).isEqualTo(333_333_334L);
    pacer.now.set(7);
    limiter.acquire(Rail.STRIPE);
    assertThat(pacer.now.get()).isEqualTo(10_500_000_000L);
  }

  @Test
  void twoEnginesCollectingInParallelChargeEachInvoiceOnce() {
    GatedGateway gateway = new GatedGateway();
    gateway.gated = false;
    Billing one = engine(gateway, 8).instanceId("one").build();
    Billing two = engine(gateway, 8).instanceId("two").build();
    List<String> ids = invoicesWithCards(one, 1, 40);

    List<List<PaymentResult>> passes = Race.all(2, e -> (e == 0 ? one : two).collectDue());

    long paid =
        passes.stream().flatMap(List::stream).filter(r -> r instanceof PaymentResult.Paid).count();
    assertThat(paid).isEqualTo(40);
    for (String id : ids) {
      assertThat(gateway.charged.get(CardRail.idempotencyKey(id, 1))).hasValue(1);
      assertThat(one.invoice(id).orElseThrow().isPaid()).isTrue();
    }
    assertThat(gateway.charged).hasSize(40);
    one.close();
    two.close();
  }

  @Test
  void closeStopsTheWorkersAndCollectionGoesOnInTheCallersThread() {
    GatedGateway gateway = new GatedGateway();
    gateway.gated = false;
    Billing billing = engine(gateway, 4).build();
    invoicesWithCards(billing, 1, 4);
    assertThat(billing.collectDue()).hasSize(4);
    assertThat(billing.collection.workersAlive()).isTrue();

    billing.close();

    assertThat(billing.collection.workersAlive()).isFalse();
    invoicesWithCards(billing, 5, 3);
    assertThat(billing.collectDue()).hasSize(3).allMatch(r -> r instanceof PaymentResult.Paid);
    assertThat(billing.collection.workersAlive()).isFalse();
  }

  @Test
  void countCycleBillsAndCollectsLikeRunCycleKeepingOnlyCounts() {
    GatedGateway gateway = new GatedGateway();
    gateway.gated = false;
    Billing billing = engine(gateway, 4).build();
    for (int t = 1; t <= 6; t++) {
      String tenant = Fixtures.tenant(t);
      billing.saveTenant(tenant, null, t <= 5 ? "cus_" + t : null);
      billing.record(Activity.create("evt-" + t, tenant, "relay", "basic", clock.instant()));
    }
    clock.advance(Duration.ofDays(31)); // everyone's first renewal

    CycleReport.Counts counts = billing.countCycle();

    assertThat(counts).isEqualTo(new CycleReport.Counts(6, 6, 6, 5, 0));
    assertThat(gateway.charged).hasSize(5);
    billing.close();
  }

  @Test
  void theBuilderChecksTheCollectionSettings() {
    BillingBuilder builder = engine(new GatedGateway(), 16);
    assertThatThrownBy(() -> builder.collectionConcurrency(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.railConcurrency(null, 2))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder.railConcurrency(Rail.NWC, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.rateLimit(Rail.STRIPE, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.rateLimit(null, 5)).isInstanceOf(NullPointerException.class);
    // 16 rounds queueing 4 calls each at 1/s could wait a minute under a 1-minute lease
    assertThatThrownBy(
            () -> builder.rateLimit(Rail.STRIPE, 1).leaseTtl(Duration.ofMinutes(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("leaseTtl");
    builder.leaseTtl(Duration.ofMinutes(5)).build().close();
  }
}
