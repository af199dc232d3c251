package dev.caravel.billing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Invoice.Period;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * {@link BillingPeriods#periodAt} is the hot path of every ledger read (issue 25 made it faster:
 * the month table in seconds, the anchor compared as seconds, the neighbour search off the common
 * path). Whatever it does inside, the whole period it answers (index, start and end) must be the
 * one a plain reading of S2 gives: {@code LocalDateTime.plusMonths(k)} from the anchor (which
 * clamps the day to the month), stepping k until the next start is after t.
 */
class PeriodAtReferenceTest {

  /** S2 read plainly: the k-th start is the anchor plus k months; t's period is the last start. */
  private static Period reference(Instant anchor, Instant t) {
    LocalDateTime a = LocalDateTime.ofInstant(anchor, ZoneOffset.UTC);
    LocalDateTime at = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    // Start a month or two short of t's calendar month (clamping moves a start by days, not
    // months), then step: nothing here but plusMonths and comparisons.
    long months = (at.getYear() - (long) a.getYear()) * 12 + at.getMonthValue() - a.getMonthValue();
    int k = (int) Math.max(0, months - 2);
    while (!a.plusMonths(k + 1).toInstant(ZoneOffset.UTC).isAfter(t)) {
      k++;
    }
    return new Period(
        k,
        a.plusMonths(k).toInstant(ZoneOffset.UTC),
        a.plusMonths(k + 1).toInstant(ZoneOffset.UTC));
  }

  @Property(tries = 5000)
  void periodAtIsThePeriodThatPlusMonthsFromTheAnchorGives(
      @ForAll("anchors") Instant anchor,
      @ForAll @LongRange(min = 0, max = 60L * 366 * 86_400) long offsetSeconds,
      @ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
    Instant t = anchor.plusSeconds(offsetSeconds).plusNanos(offsetSeconds % 3 == 0 ? 0 : nanos);
    assertThat(new BillingPeriods(anchor).periodAt(t)).isEqualTo(reference(anchor, t));
  }

  /**
   * At and around the boundaries, where an estimate one period off would show: the start itself,
   * the second and the nanosecond before it, and the second after it.
   */
  @Property(tries = 5000)
  void periodAtAgreesWithTheReferenceAtEveryBoundaryAndJustBeforeIt(
      @ForAll("anchors") Instant anchor, @ForAll @IntRange(min = 1, max = 720) int k) {
    BillingPeriods periods = new BillingPeriods(anchor);
    Instant boundary =
        LocalDateTime.ofInstant(anchor, ZoneOffset.UTC).plusMonths(k).toInstant(ZoneOffset.UTC);
    for (Instant t :
        new Instant[] {
          boundary, boundary.minusSeconds(1), boundary.minusNanos(1), boundary.plusSeconds(1)
        }) {
      Period expected = reference(anchor, t);
      assertThat(periods.periodAt(t)).isEqualTo(expected);
      assertThat(expected.contains(t)).isTrue();
    }
    assertThat(periods.periodAt(boundary).index()).isEqualTo(k);
    assertThat(periods.periodAt(boundary.minusNanos(1)).index()).isEqualTo(k - 1);
  }

  /**
   * Anchors where clamping matters, over four centuries (1600, 2000 and 2400 leap; 1700, 1900 and
   * 2100 not): Jan 29-31, Feb 29 of leap years, any month's 28-31, and any day at all.
   */
  @Provide
  Arbitrary<Instant> anchors() {
    Arbitrary<Integer> year =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.integers().between(1990, 2110)),
            Tuple.of(1, Arbitraries.integers().between(1600, 2399)),
            Tuple.of(1, Arbitraries.of(1600, 1700, 1900, 2000, 2100, 2400)));
    Arbitrary<Integer> second = Arbitraries.integers().between(0, 86_399);
    Arbitrary<LocalDateTime> januaryEnd =
        Combinators.combine(year, Arbitraries.integers().between(29, 31))
            .as((y, d) -> LocalDateTime.of(y, 1, d, 0, 0));
    Arbitrary<LocalDateTime> leapDay =
        year.map(y -> y - Math.floorMod(y, 4))
            .filter(y -> YearMonth.of(y, 2).isLeapYear())
            .map(y -> LocalDateTime.of(y, 2, 29, 0, 0));
    Arbitrary<LocalDateTime> anyMonthEnd =
        Combinators.combine(
                year, Arbitraries.integers().between(1, 12), Arbitraries.integers().between(28, 31))
            .as(
                (y, m, d) ->
                    LocalDateTime.of(y, m, Math.min(d, YearMonth.of(y, m).lengthOfMonth()), 0, 0));
    Arbitrary<LocalDateTime> anyDay =
        Combinators.combine(
                year, Arbitraries.integers().between(1, 12), Arbitraries.integers().between(1, 31))
            .as(
                (y, m, d) ->
                    LocalDateTime.of(y, m, Math.min(d, YearMonth.of(y, m).lengthOfMonth()), 0, 0));
    Arbitrary<LocalDateTime> day =
        Arbitraries.frequencyOf(
            Tuple.of(2, januaryEnd),
            Tuple.of(2, leapDay),
            Tuple.of(3, anyMonthEnd),
            Tuple.of(3, anyDay));
    return Combinators.combine(day, second)
        .as((d, s) -> d.plusSeconds(s).toInstant(ZoneOffset.UTC));
  }
}
