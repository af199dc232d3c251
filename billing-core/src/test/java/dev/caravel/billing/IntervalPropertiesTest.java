package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Invoice.Period;
import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** S19's properties, against references written here. */
class IntervalPropertiesTest {
  private static final int[] INTERVALS = {1, 3, 6, 12};

  /** An anchor weighted to month ends, where clamping matters. */
  private static Instant anchor(Random random) {
    int year = 2023 + random.nextInt(4);
    int month = 1 + random.nextInt(12);
    int length = java.time.YearMonth.of(year, month).lengthOfMonth();
    int day = random.nextBoolean() ? length - random.nextInt(3) : 1 + random.nextInt(length);
    return LocalDateTime.of(year, month, day, random.nextInt(24), random.nextInt(60))
        .toInstant(ZoneOffset.UTC);
  }

  /**
   * Terms tile the timeline for every interval: term {@code j} of an N-month plan is periods {@code
   * jN} to {@code (j+1)N - 1}, one term ends where the next starts, and the term found for an
   * instant holds it.
   */
  @Property(tries = 500)
  void termsTileTheTimelineForEveryInterval(
      @ForAll long seed, @ForAll @IntRange(min = 0, max = 300) int j) {
    Random random = new Random(seed);
    Instant anchor = anchor(random);
    BillingPeriods periods = new BillingPeriods(anchor);
    for (int n : INTERVALS) {
      Period term = periods.term(j, n);
      Period next = periods.term(j + 1, n);
      assertThat(term.end()).isEqualTo(next.start());
      assertThat(term.start()).isEqualTo(Period.of(anchor, j * n).start());
      assertThat(term.end()).isEqualTo(Period.of(anchor, (j + 1) * n - 1).end());
      long span = term.end().getEpochSecond() - term.start().getEpochSecond();
      Instant t = term.start().plusSeconds(random.nextLong(span));
      assertThat(periods.termAt(t, n)).isEqualTo(term);
      assertThat(term.contains(t)).isTrue();
    }
  }

  /**
   * A term's prorations plus its renewal never exceed its price (nor go below zero): one relay on
   * an N-month plan, created, deactivated and reactivated at random, billed at random moments;
   * every item is counted in the term holding its instant.
   */
  @Property(tries = 200)
  void aTermsProrationsPlusItsRenewalNeverExceedItsPrice(
      @ForAll long seed,
      @ForAll @LongRange(min = 1, max = 1_000_000) long price,
      @ForAll @IntRange(min = 1, max = 25) int steps) {
    Random random = new Random(seed);
    int n = INTERVALS[random.nextInt(INTERVALS.length)];
    Plan plan = new Plan("p", "Plan", price, n);
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = new MutableClock(anchor(random));
    Billing billing =
        Billing.builder()
            .repository(repository)
            .catalogue(PlanCatalogue.of(plan))
            .clock(clock)
            .appUrl("https://relays.example")
            .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
            .messenger(Fixtures.UNREAD)
            .build();
    billing.record(Activity.create("c", Fixtures.ALICE, "r", "p", clock.instant()));
    boolean active = true;
    for (int i = 0; i < steps; i++) {
      clock.advance(Duration.ofSeconds(random.nextLong(86_400L * 31 * n)));
      if (random.nextInt(3) == 0) {
        billing.generateInvoice(Fixtures.ALICE);
      } else if (active) {
        billing.record(Activity.deactivate("d" + i, Fixtures.ALICE, "r", clock.instant()));
        active = false;
      } else {
        billing.record(Activity.activate("a" + i, Fixtures.ALICE, "r", clock.instant()));
        active = true;
      }
    }
    billing.generateInvoice(Fixtures.ALICE);
    Instant first = repository.ledgers(List.of(Fixtures.ALICE)).get(0).anchor().orElseThrow();
    BillingPeriods periods = new BillingPeriods(first);
    java.util.Map<Integer, Long> byTerm = new java.util.TreeMap<>();
    for (InvoiceItem item : repository.items(Fixtures.ALICE)) {
      byTerm.merge(periods.termAt(item.at(), n).index(), item.amount(), Long::sum);
    }
    assertThat(byTerm.values()).allSatisfy(sum -> assertThat(sum).isBetween(0L, price));
  }
}
