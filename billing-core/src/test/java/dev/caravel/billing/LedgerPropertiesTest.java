package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Invoice.Period;
import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.TenantLedger;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/** The property suite of issue 2: S8 determinism, conservation, catch-up and positive invoices. */
class LedgerPropertiesTest {
  private static final ExecutorService POOL = Executors.newFixedThreadPool(8);

  @AfterContainer
  static void stopPool() {
    POOL.shutdownNow();
  }

  /** What identifies an item for comparing ledgers: everything but the invoice it landed on. */
  record Line(
      String id,
      String tenant,
      String relay,
      String plan,
      long amount,
      String description,
      Instant at) {
    static Line of(InvoiceItem i) {
      return new Line(i.id(), i.tenant(), i.relay(), i.plan(), i.amount(), i.description(), i.at());
    }
  }

  private static Map<Line, Long> ledger(Repository repository, List<Activity> log) {
    return log.stream()
        .map(Activity::tenant)
        .distinct()
        .flatMap(t -> repository.items(t).stream())
        .map(Line::of)
        .collect(Collectors.groupingBy(l -> l, Collectors.counting()));
  }

  private static Instant end(List<Activity> log, long extraSeconds) {
    return log.get(log.size() - 1).at().plusSeconds(extraSeconds);
  }

  /** Reconcile after every activity, then bill once at the end. */
  private static Map<Line, Long> reconcilingEachActivity(List<Activity> log, Instant end) {
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = new MutableClock(log.get(0).at());
    Billing billing = Fixtures.engine(repository, clock).build();
    for (Activity a : log) {
      clock.set(a.at());
      billing.record(a);
    }
    clock.set(end);
    billing.runCycle();
    checkInvariants(repository, log);
    return ledger(repository, log);
  }

  /** Nothing runs until the end: one cycle reconciles and catches everything up. */
  private static Map<Line, Long> onceAtTheEnd(List<Activity> log, Instant end) {
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = new MutableClock(end);
    log.forEach(a -> Fixtures.appendJudged(repository, a));
    Fixtures.engine(repository, clock).build().runCycle();
    checkInvariants(repository, log);
    return ledger(repository, log);
  }

  /** Invoice generations and reconciliations at random instants between activities. */
  private static Map<Line, Long> atRandomPoints(List<Activity> log, Instant end, long seed) {
    Random random = new Random(seed);
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = new MutableClock(log.get(0).at());
    Billing billing = Fixtures.engine(repository, clock).build();
    Instant previous = log.get(0).at();
    for (Activity a : log) {
      while (random.nextInt(3) == 0) {
        clock.set(RandomLogs.between(random, previous, a.at()));
        previous = clock.instant();
        switch (random.nextInt(3)) {
          case 0 -> billing.runCycle();
          case 1 -> billing.generateInvoice(a.tenant());
          default -> billing.reconcile(a.tenant());
        }
      }
      clock.set(a.at());
      previous = a.at();
      if (random.nextBoolean()) {
        billing.record(a);
      } else {
        Fixtures.appendJudged(repository, a);
      }
    }
    clock.set(end);
    billing.runCycle();
    checkInvariants(repository, log);
    return ledger(repository, log);
  }

  /** {@code n} engine instances over one repository, as with one shared database. */
  private static List<Billing> engines(Repository repository, MutableClock clock, int n) {
    List<Billing> billings = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      billings.add(Fixtures.engine(repository, clock).instanceId("engine-" + i).build());
    }
    return billings;
  }

  /** Each engine runs billing cycles back to back on the pool until {@code running} turns false. */
  private static List<Future<?>> cycleWhile(
      List<Billing> billings, java.util.concurrent.atomic.AtomicBoolean running) {
    List<Future<?>> racers = new ArrayList<>();
    for (Billing b : billings) {
      racers.add(
          POOL.submit(
              () -> {
                while (running.get()) {
                  b.runCycle();
                }
                return null;
              }));
    }
    return racers;
  }

  /**
   * One thread records the log in order while several engine instances (one repository, as with one
   * database) bill concurrently, then all of them race on the final cycle.
   */
  private static Map<Line, Long> manyThreadsRacing(List<Activity> log, Instant end)
      throws Exception {
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = new MutableClock(log.get(0).at());
    int engines = 4;
    List<Billing> billings = engines(repository, clock, engines);
    java.util.concurrent.atomic.AtomicBoolean writing =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    List<Future<?>> racers = cycleWhile(billings, writing);
    try {
      for (Activity a : log) {
        clock.set(a.at());
        billings.get(0).record(a);
      }
    } finally {
      writing.set(false);
    }
    for (Future<?> f : racers) {
      f.get(30, TimeUnit.SECONDS);
    }
    clock.set(end);
    CyclicBarrier start = new CyclicBarrier(engines);
    List<Future<?>> finals = new ArrayList<>();
    for (Billing b : billings) {
      finals.add(
          POOL.submit(
              () -> {
                start.await(10, TimeUnit.SECONDS);
                return b.runCycle();
              }));
    }
    for (Future<?> f : finals) {
      f.get(30, TimeUnit.SECONDS);
    }
    checkInvariants(repository, log);
    return ledger(repository, log);
  }

  /**
   * Every activity billed, every invoice positive and equal to its items, no item on two invoices.
   */
  private static void checkInvariants(Repository repository, List<Activity> log) {
    for (String tenant : log.stream().map(Activity::tenant).distinct().toList()) {
      TenantLedger l = repository.ledgers(List.of(tenant)).get(0);
      assertThat(l.billedActivityIds()).hasSize(l.activities().size());
      for (Invoice invoice : repository.invoices(tenant)) {
        assertThat(invoice.total()).isPositive();
        assertThat(
                repository.invoiceItems(invoice.id()).stream().mapToLong(InvoiceItem::amount).sum())
            .isEqualTo(invoice.total());
      }
      List<InvoiceItem> items = repository.items(tenant);
      assertThat(items.stream().map(InvoiceItem::id).distinct().count()).isEqualTo(items.size());
      long claimed =
          items.stream()
              .filter(i -> i.invoiceId().isPresent())
              .mapToLong(InvoiceItem::amount)
              .sum();
      long invoiced = repository.invoices(tenant).stream().mapToLong(Invoice::total).sum();
      assertThat(claimed).isEqualTo(invoiced);
    }
  }

  @Property(tries = 1000)
  void sameItemsHoweverAndWheneverBillingRuns(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 30) int length,
      @ForAll @IntRange(min = 0, max = 200 * 86_400) int tail) {
    List<Activity> log = RandomLogs.generate(seed, 3, 3, length);
    Instant end = end(log, tail);
    Map<Line, Long> reference = onceAtTheEnd(log, end);
    assertThat(reconcilingEachActivity(log, end)).isEqualTo(reference);
    assertThat(atRandomPoints(log, end, seed ^ 0x5DEECE66DL)).isEqualTo(reference);
  }

  @Property(tries = 1000)
  void sameItemsWhenManyInstancesRace(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 20) int length,
      @ForAll @IntRange(min = 0, max = 100 * 86_400) int tail)
      throws Exception {
    List<Activity> log = RandomLogs.generate(seed, 2, 2, length);
    Instant end = end(log, tail);
    assertThat(manyThreadsRacing(log, end)).isEqualTo(onceAtTheEnd(log, end));
  }

  /**
   * Conservation: for any single-relay history, the total billed equals an independent model. The
   * model walks each period as time slices of constant state and charges, per slice, what the
   * relay's remaining value was at its start minus at its end; it shares no code with the engine's
   * transition rules.
   */
  @Property(tries = 1000)
  void totalBilledEqualsAnIndependentModel(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 25) int length,
      @ForAll @IntRange(min = 0, max = 120 * 86_400) int tail) {
    List<Activity> log = RandomLogs.generate(seed, 1, 1, length);
    Instant end = end(log, tail);
    InMemoryRepository repository = new InMemoryRepository();
    Billing billing = Fixtures.engine(repository, new MutableClock(end)).build();
    log.forEach(a -> Fixtures.appendJudged(repository, a));
    billing.runCycle();
    long billed =
        repository.items(Fixtures.tenant(1)).stream().mapToLong(InvoiceItem::amount).sum();
    assertThat(billed).isEqualTo(Model.total(log, end));
  }

  /** Skipping billing for m periods yields m renewals per active paid relay. */
  @Property(tries = 1000)
  void catchUpRenewsEveryMissedPeriod(
      @ForAll long seed, @ForAll @IntRange(min = 0, max = 30) int m) {
    Random random = new Random(seed);
    List<Activity> log = RandomLogs.generate(seed, 1, 1, 1); // one create at a random anchor
    Activity create = log.get(0);
    BillingPeriods periods = new BillingPeriods(create.at());
    Period target = periods.period(m);
    Instant now = RandomLogs.between(random, target.start(), target.end().minusSeconds(1));
    InMemoryRepository repository = new InMemoryRepository();
    Billing billing = Fixtures.engine(repository, new MutableClock(now)).build();
    Fixtures.appendJudged(repository, create);
    billing.runCycle();
    long renewals =
        repository.items(create.tenant()).stream()
            .filter(i -> i.renewalPeriod().isPresent())
            .count();
    boolean paid = Fixtures.CATALOGUE.find(create.plan().orElseThrow()).orElseThrow().amount() > 0;
    assertThat(renewals).isEqualTo(paid ? m : 0);
  }

  /** The independent model behind {@link #totalBilledEqualsAnIndependentModel}. */
  static final class Model {
    static long total(List<Activity> log, Instant end) {
      LocalDateTime anchor = LocalDateTime.ofInstant(log.get(0).at(), ZoneOffset.UTC);
      long total = 0;
      for (int k = 0; ; k++) {
        Instant start = anchor.plusMonths(k).toInstant(ZoneOffset.UTC);
        if (start.isAfter(end)) {
          return total;
        }
        Instant stop = anchor.plusMonths(k + 1L).toInstant(ZoneOffset.UTC);
        // Slices of constant state inside [start, stop): boundaries at each activity.
        boolean active = false;
        String plan = null;
        int i = 0;
        for (; i < log.size() && log.get(i).at().isBefore(start); i++) {
          Activity a = log.get(i);
          active = activeAfter(a, active);
          plan = a.plan().orElse(plan);
        }
        Instant sliceStart = start;
        while (true) {
          Instant sliceEnd =
              i < log.size() && log.get(i).at().isBefore(stop) ? log.get(i).at() : stop;
          if (active) {
            total += value(plan, sliceStart, start, stop) - value(plan, sliceEnd, start, stop);
          }
          if (sliceEnd.equals(stop)) {
            break;
          }
          Activity a = log.get(i++);
          active = activeAfter(a, active);
          plan = a.plan().orElse(plan);
          sliceStart = sliceEnd;
        }
      }
    }

    private static boolean activeAfter(Activity a, boolean active) {
      return switch (a.type()) {
        case CREATE_RELAY, ACTIVATE_RELAY -> true;
        case DEACTIVATE_RELAY -> false;
        case UPDATE_RELAY -> active;
          // S22's activities are not in these logs; they never change whether a relay is active.
        case SCHEDULE_CHANGE, CANCEL_CHANGE -> active;
      };
    }

    /** The relay's remaining value at t: its price times the share of the period left, half up. */
    private static long value(String plan, Instant t, Instant start, Instant stop) {
      long price = Fixtures.CATALOGUE.find(plan).orElseThrow().amount();
      java.math.BigDecimal left =
          java.math.BigDecimal.valueOf(price * (stop.getEpochSecond() - t.getEpochSecond()));
      return left.divide(
              java.math.BigDecimal.valueOf(stop.getEpochSecond() - start.getEpochSecond()),
              0,
              java.math.RoundingMode.HALF_UP)
          .longValueExact();
    }
  }

  /**
   * Activities reported late (the clock runs ahead of their timestamps) while instances bill: a
   * renewal must never be applied from a log that an activity before its period start joined after
   * it was read. An activity refused because its period was already billed is dropped, as a host
   * would see it refused; the racing ledger must equal billing the accepted log alone.
   */
  @Property(tries = 1000)
  void lateActivitiesNeverSlipPastARenewal(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 20) int length) throws Exception {
    Random random = new Random(seed);
    List<Activity> log = RandomLogs.generate(seed, 1, 2, length);
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = new MutableClock(log.get(0).at());
    List<Billing> billings = engines(repository, clock, 3);
    java.util.concurrent.atomic.AtomicBoolean writing =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    List<Future<?>> racers = cycleWhile(billings, writing);
    List<Activity> accepted = new ArrayList<>();
    try {
      for (Activity a : log) {
        // The host's clock runs ahead of the activity, but never backwards: the racing engines
        // may already have billed up to the latest instant it showed.
        Instant reported = a.at().plusSeconds(random.nextInt(4 * 86_400));
        if (reported.isAfter(clock.instant())) {
          clock.set(reported);
        }
        try {
          Fixtures.appendJudged(repository, a);
          accepted.add(a);
        } catch (ActivityRejectedException e) {
          assertThat(e.reason())
              .isIn(
                  ActivityRejectedException.Reason.PERIOD_ALREADY_BILLED,
                  ActivityRejectedException.Reason.UNKNOWN_RELAY);
        }
      }
    } finally {
      writing.set(false);
    }
    for (Future<?> f : racers) {
      f.get(30, TimeUnit.SECONDS);
    }
    if (accepted.isEmpty()) {
      return;
    }
    Instant end = clock.instant().plusSeconds(1);
    clock.set(end);
    billings.get(0).runCycle();
    checkInvariants(repository, accepted);
    assertThat(ledger(repository, accepted)).isEqualTo(onceAtTheEnd(accepted, end));
  }
}
