package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Invoice.Period;
import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/** S5 as properties: at any instant, on any plans. */
class TransitionPropertiesTest {
  private static final Instant ANCHOR = Instant.parse("2024-01-31T10:00:00Z");
  private static final String T = Fixtures.tenant(7);

  private static long total(Repository repository) {
    return repository.items(T).stream().mapToLong(InvoiceItem::amount).sum();
  }

  /**
   * The tenant's anchor set by a free relay, then {@code steps} recorded from {@code at} on, each
   * as it happens (the clock at its instant: activity ahead of now is refused).
   */
  private static InMemoryRepository run(Instant at, Activity... steps) {
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = new MutableClock(ANCHOR);
    Billing billing = Fixtures.engine(repository, clock).build();
    billing.record(Activity.create("anchor", T, "r0", "free", ANCHOR));
    clock.set(at);
    for (Activity step : steps) {
      clock.set(step.at().isAfter(at) ? step.at() : at);
      billing.record(step);
    }
    return repository;
  }

  @Property
  void aChargeAndACreditAtTheSameInstantNetToZero(
      @ForAll("plans") String plan, @ForAll("instants") Instant at) {
    InMemoryRepository r =
        run(at, Activity.create("c", T, "r1", plan, at), Activity.deactivate("d", T, "r1", at));
    assertThat(total(r)).isZero();
  }

  @Property
  void createThenChangeAtTheSameInstantEqualsCreatingOnTheNewPlan(
      @ForAll("plans") String a, @ForAll("plans") String b, @ForAll("instants") Instant at) {
    long viaChange =
        total(run(at, Activity.create("c", T, "r1", a, at), Activity.update("u", T, "r1", b, at)));
    long direct = total(run(at, Activity.create("c", T, "r1", b, at)));
    assertThat(viaChange).isEqualTo(direct);
  }

  @Property
  void repeatsAndChangesWhileInactiveMakeNoItem(
      @ForAll("plans") String a,
      @ForAll("plans") String b,
      @ForAll("instants") Instant at,
      @ForAll @LongRange(min = 0, max = 5 * 86_400) long gap) {
    Instant later = at.plusSeconds(gap);
    InMemoryRepository r =
        run(
            at,
            Activity.create("c", T, "r1", a, at),
            Activity.activate("a2", T, "r1", at), // already active
            Activity.deactivate("d1", T, "r1", later),
            Activity.deactivate("d2", T, "r1", later), // already inactive
            Activity.update("u", T, "r1", b, later), // plan change while inactive
            Activity.update("n", T, "r1", null, later)); // no plan at all
    List<String> itemized = r.items(T).stream().map(i -> i.activityId().orElse("renewal")).toList();
    assertThat(itemized).doesNotContain("a2", "d2", "u", "n");
  }

  @Property
  void aPlanChangeChargesExactlyTheDifferenceOfWhatIsLeft(
      @ForAll("plans") String a, @ForAll("plans") String b, @ForAll("instants") Instant at) {
    InMemoryRepository r =
        run(
            at,
            Activity.create("c", T, "r1", a, ANCHOR.isAfter(at) ? ANCHOR : at),
            Activity.update("u", T, "r1", b, at));
    Period p = new BillingPeriods(ANCHOR).periodAt(at);
    long expected =
        Proration.prorate(Fixtures.CATALOGUE.find(b).orElseThrow().amount(), p, at)
            - Proration.prorate(Fixtures.CATALOGUE.find(a).orElseThrow().amount(), p, at);
    long change =
        r.items(T).stream()
            .filter(i -> i.activityId().equals(java.util.Optional.of("u")))
            .mapToLong(InvoiceItem::amount)
            .sum();
    assertThat(change).isEqualTo(expected);
  }

  @Provide
  Arbitrary<String> plans() {
    return Arbitraries.of("free", "basic", "pro", "odd");
  }

  @Provide
  Arbitrary<Instant> instants() {
    return Arbitraries.longs().between(0, 3L * 366 * 86_400).map(ANCHOR::plusSeconds);
  }
}
