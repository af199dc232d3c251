package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    assertThat(Proration.prorate(3100, february, inOldGap)).isEqualTo(200);
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
