package dev.caravel.billing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice.Period;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class BillingPeriodsTest {

  @Test
  void anchorOnJan31ClampsToEachMonthsLastDayThroughALeapFebruary() {
    BillingPeriods periods = new BillingPeriods(Instant.parse("2024-01-31T10:00:00Z"));
    assertThat(periods.start(0)).isEqualTo("2024-01-31T10:00:00Z");
    assertThat(periods.start(1)).isEqualTo("2024-02-29T10:00:00Z");
    assertThat(periods.start(2)).isEqualTo("2024-03-31T10:00:00Z");
    assertThat(periods.start(3)).isEqualTo("2024-04-30T10:00:00Z");
    assertThat(periods.start(13)).isEqualTo("2025-02-28T10:00:00Z");
  }

  /** Seed bug 1: chaining months made the Feb period end on Mar 28 while the next began Mar 31. */
  @Test
  void seedBug1_periodAfterAShortMonthEndsWhereTheNextBegins() {
    BillingPeriods periods = new BillingPeriods(Instant.parse("2025-01-31T00:00:00Z"));
    Period february = periods.period(1);
    assertThat(february.start()).isEqualTo("2025-02-28T00:00:00Z");
    assertThat(february.end()).isEqualTo("2025-03-31T00:00:00Z");
    // Activity in what the seed's gap was (Mar 28..31) lies in February's period and prorates to
    // a real amount, not zero.
    Instant inOldGap = Instant.parse("2025-03-29T00:00:00Z");
    assertThat(periods.periodAt(inOldGap)).isEqualTo(february);
    assertThat(february.prorate(3100, inOldGap)).isEqualTo(200);
  }

  /** Seed bug 8: the period lookup looped over months; now it is direct even centuries out. */
  @Test
  void seedBug8_lookupIsDirectFarFromTheAnchor() {
    BillingPeriods periods = new BillingPeriods(Instant.parse("2000-01-31T00:00:00Z"));
    Instant far = Instant.parse("9999-12-30T00:00:00Z");
    int k = periods.indexAt(far);
    assertThat(k).isEqualTo((9999 - 2000) * 12 + 10);
    assertThat(periods.period(k).contains(far)).isTrue();
  }

  @Test
  void instantsBeforeTheAnchorAreRefused() {
    BillingPeriods periods = new BillingPeriods(Instant.parse("2025-01-31T00:00:00Z"));
    assertThatThrownBy(() -> periods.indexAt(Instant.parse("2025-01-30T23:59:59Z")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("before the billing anchor");
    assertThatThrownBy(() -> new BillingPeriods(Instant.parse("2025-01-31T00:00:00.5Z")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("whole seconds");
  }

  @Property(tries = 1000)
  void periodsTileTheTimeline(
      @ForAll("anchors") Instant anchor, @ForAll @IntRange(min = 0, max = 1200) int k) {
    BillingPeriods periods = new BillingPeriods(anchor);
    Period p = periods.period(k);
    assertThat(p.start()).isBefore(p.end());
    assertThat(p.end()).isEqualTo(periods.start(k + 1));
    // Computed from the anchor: the day is the anchor's, clamped to the month.
    LocalDateTime a = LocalDateTime.ofInstant(anchor, ZoneOffset.UTC);
    LocalDateTime s = LocalDateTime.ofInstant(p.start(), ZoneOffset.UTC);
    assertThat(s.getDayOfMonth())
        .isEqualTo(Math.min(a.getDayOfMonth(), s.toLocalDate().lengthOfMonth()));
    assertThat(s.toLocalTime()).isEqualTo(a.toLocalTime());
  }

  @Property(tries = 1000)
  void directLookupAgreesWithSteppingMonthByMonth(
      @ForAll("anchors") Instant anchor,
      @ForAll @LongRange(min = 0, max = 6L * 366 * 86400) long offset) {
    BillingPeriods periods = new BillingPeriods(anchor);
    Instant t = anchor.plusSeconds(offset);
    int stepped = 0;
    while (!periods.start(stepped + 1).isAfter(t)) {
      stepped++;
    }
    assertThat(periods.indexAt(t)).isEqualTo(stepped);
    assertThat(periods.periodAt(t).contains(t)).isTrue();
  }

  @Property(tries = 1000)
  void boundariesBelongToThePeriodTheyStart(
      @ForAll("anchors") Instant anchor, @ForAll @IntRange(min = 0, max = 600) int k) {
    BillingPeriods periods = new BillingPeriods(anchor);
    assertThat(periods.indexAt(periods.start(k))).isEqualTo(k);
    assertThat(periods.indexAt(periods.start(k + 1).minusSeconds(1))).isEqualTo(k);
  }

  /**
   * The lookup as it was before issue 16 made it integer arithmetic: LocalDateTime's plusMonths and
   * a month count by ChronoUnit. The fast one must answer exactly the same, everywhere.
   */
  static final class LocalDateTimeModel {
    private final LocalDateTime anchorUtc;

    LocalDateTimeModel(Instant anchor) {
      this.anchorUtc = LocalDateTime.ofInstant(anchor, ZoneOffset.UTC);
    }

    Instant start(int k) {
      return anchorUtc.plusMonths(k).toInstant(ZoneOffset.UTC);
    }

    int indexAt(Instant t) {
      LocalDateTime at = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
      int k =
          (int)
              java.time.temporal.ChronoUnit.MONTHS.between(
                  anchorUtc.withDayOfMonth(1).toLocalDate(), at.withDayOfMonth(1).toLocalDate());
      return start(k).isAfter(t) ? k - 1 : k;
    }
  }

  @Property(tries = 3000)
  void theIntegerLookupAgreesWithTheLocalDateTimeModel(
      @ForAll("wideAnchors") Instant anchor,
      @ForAll @IntRange(min = 0, max = 12_000) int k,
      @ForAll @LongRange(min = 0, max = 40L * 366 * 86400) long offset) {
    BillingPeriods periods = new BillingPeriods(anchor);
    LocalDateTimeModel model = new LocalDateTimeModel(anchor);
    assertThat(periods.start(k)).isEqualTo(model.start(k));
    assertThat(periods.start(k + 1)).isEqualTo(model.start(k + 1));
    Instant t = anchor.plusSeconds(offset);
    assertThat(periods.indexAt(t)).isEqualTo(model.indexAt(t));
    Instant boundary = model.start(k);
    assertThat(periods.indexAt(boundary)).isEqualTo(model.indexAt(boundary));
    assertThat(
            periods.indexAt(
                boundary.minusSeconds(1).isBefore(anchor) ? anchor : boundary.minusSeconds(1)))
        .isEqualTo(
            model.indexAt(
                boundary.minusSeconds(1).isBefore(anchor) ? anchor : boundary.minusSeconds(1)));
  }

  /**
   * Part of defect 4 of issue 21: an activity at Instant.MAX failed every poll page holding its
   * tenant. Such activity is now refused (FutureActivityTest); and here, for any pair of instants
   * of the whole Instant range, the period arithmetic answers a period that holds the instant and
   * starts where the anchor's months say, or refuses with a typed exception: it never overflows
   * into a wrong answer.
   */
  @Property(tries = 3000)
  void noInstantArithmeticOverflowsAcrossTheWholeInstantRange(
      @ForAll("anySecond") long anchorSecond, @ForAll("anySecond") long otherSecond) {
    Instant anchor = Instant.ofEpochSecond(Math.min(anchorSecond, otherSecond));
    Instant t = Instant.ofEpochSecond(Math.max(anchorSecond, otherSecond));
    BillingPeriods periods;
    try {
      periods = new BillingPeriods(anchor);
    } catch (java.time.DateTimeException beyondJavaTimesYears) {
      assertThat(
              LocalDateTime.MIN.toInstant(ZoneOffset.UTC).isAfter(anchor)
                  || LocalDateTime.MAX.toInstant(ZoneOffset.UTC).isBefore(anchor))
          .isTrue();
      return;
    }
    Period p;
    try {
      p = periods.periodAt(t);
    } catch (InvalidInputException | java.time.DateTimeException refused) {
      return; // more than Integer.MAX_VALUE months out, or past java.time's years: refused
    }
    assertThat(p.contains(t)).isTrue();
    assertThat(p.start()).isEqualTo(new LocalDateTimeModel(anchor).start(p.index()));
    assertThat(p.end()).isEqualTo(periods.start(p.index() + 1));
  }

  /** What the engine hands in: anchors and instants up to a few centuries around now. */
  @Property(tries = 1000)
  void instantsTheEngineAcceptsAreNeverRefused(
      @ForAll @LongRange(min = -200L * 366 * 86400, max = 200L * 366 * 86400) long fromNow,
      @ForAll @LongRange(min = 0, max = 400L * 366 * 86400) long after) {
    Instant anchor = Instant.parse("2025-06-01T00:00:00Z").plusSeconds(fromNow);
    Period p = new BillingPeriods(anchor).periodAt(anchor.plusSeconds(after));
    assertThat(p.contains(anchor.plusSeconds(after))).isTrue();
  }

  @Provide
  Arbitrary<Long> anySecond() {
    long min = Instant.MIN.getEpochSecond();
    long max = Instant.MAX.getEpochSecond();
    return Arbitraries.oneOf(
        Arbitraries.longs().between(min, max),
        Arbitraries.longs().between(min, min + 400L * 366 * 86400),
        Arbitraries.longs().between(max - 400L * 366 * 86400, max),
        Arbitraries.of(min, max, 0L, -1L, 1L));
  }

  @Test
  void theIntegerCalendarRoundTripsEveryDayOfFourCenturiesAndMore() {
    // 1600-03-01 .. 2400-03-01 and the far past and future: both directions agree with java.time.
    for (long day = java.time.LocalDate.of(1600, 3, 1).toEpochDay();
        day <= java.time.LocalDate.of(2400, 3, 1).toEpochDay();
        day++) {
      checkDay(day);
    }
    for (long day : new long[] {-719_468, -719_469, -1, 0, 1, 365_000_000L, -365_000_000L}) {
      checkDay(day);
    }
  }

  private static void checkDay(long day) {
    java.time.LocalDate date = java.time.LocalDate.ofEpochDay(day);
    long civil = BillingPeriods.civilFromDays(day);
    assertThat(civil >> 9).as("year of day %d", day).isEqualTo(date.getYear());
    assertThat((civil >> 5) & 15).as("month of day %d", day).isEqualTo(date.getMonthValue());
    assertThat(civil & 31).as("day of day %d", day).isEqualTo(date.getDayOfMonth());
    assertThat(
            BillingPeriods.daysFromCivil(
                date.getYear(), date.getMonthValue(), date.getDayOfMonth()))
        .isEqualTo(day);
    assertThat(BillingPeriods.lengthOfMonth(date.getYear(), date.getMonthValue()))
        .isEqualTo(date.lengthOfMonth());
  }

  /** Anchors over two millennia, month-ends and leap days (1600, 2000: leap; 1900, 2100: not). */
  @Provide
  Arbitrary<Instant> wideAnchors() {
    Arbitrary<Integer> year =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1000, 3000)),
            net.jqwik.api.Tuple.of(1, Arbitraries.of(1600, 1700, 1900, 2000, 2100, 2400)));
    Arbitrary<Integer> month = Arbitraries.integers().between(1, 12);
    Arbitrary<Integer> day =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(28, 31)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 27)));
    Arbitrary<Integer> second = Arbitraries.integers().between(0, 86399);
    return net.jqwik.api.Combinators.combine(year, month, day, second)
        .as(
            (y, m, d, s) ->
                LocalDateTime.of(
                        y, m, Math.min(d, java.time.YearMonth.of(y, m).lengthOfMonth()), 0, 0)
                    .plusSeconds(s)
                    .toInstant(ZoneOffset.UTC));
  }

  /** Anchors weighted to the days where clamping matters: 28–31 and Feb 29. */
  @Provide
  Arbitrary<Instant> anchors() {
    Arbitrary<Integer> year = Arbitraries.integers().between(1999, 2099);
    Arbitrary<Integer> month = Arbitraries.integers().between(1, 12);
    Arbitrary<Integer> day =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(28, 31)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 27)));
    Arbitrary<Integer> second = Arbitraries.integers().between(0, 86399);
    Arbitrary<Instant> general =
        net.jqwik.api.Combinators.combine(year, month, day, second)
            .as(
                (y, m, d, s) -> {
                  int lastDay = java.time.YearMonth.of(y, m).lengthOfMonth();
                  return LocalDateTime.of(y, m, Math.min(d, lastDay), 0, 0)
                      .plusSeconds(s)
                      .toInstant(ZoneOffset.UTC);
                });
    Arbitrary<Instant> leapDay =
        Arbitraries.of(2000, 2004, 2024, 2028, 2096)
            .map(y -> LocalDateTime.of(y, 2, 29, 12, 0).toInstant(ZoneOffset.UTC));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(9, general), net.jqwik.api.Tuple.of(1, leapDay));
  }
}
