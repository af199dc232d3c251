package dev.caravel.billing.internal;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice.Period;
import java.time.DateTimeException;
import java.time.Instant;

/**
 * The monthly periods of one anchor (S1, S2). Period {@code k} is {@code [A + k months, A + (k+1)
 * months)}, each boundary computed from the anchor itself, never chained from the previous
 * boundary, with the day clamped to the month's last day: an anchor on Jan 31 starts periods on Jan
 * 31, Feb 28 (29), Mar 31, Apr 30. So the end of period k is always the start of k + 1.
 *
 * <p>The calendar is computed here in exact integer arithmetic on epoch days (the proleptic
 * Gregorian calendar of {@code java.time}, H. Hinnant's civil-date algorithms), so a lookup costs a
 * few multiplications and no objects beyond the answer; it gives exactly what {@code
 * LocalDateTime.plusMonths} gives (a property test compares the two).
 *
 * <p><b>No overflow.</b> Nothing here can overflow a {@code long}, for any {@link Instant}: epoch
 * seconds are within ±3.2 × 10<sup>16</sup>, epoch days within ±3.7 × 10<sup>11</sup>, month counts
 * within ±1.3 × 10<sup>10</sup>, and the largest product (days × 86,400) is back within the epoch
 * seconds' range. Where an answer would not exist, it is refused, never wrapped: a period index
 * past {@code Integer.MAX_VALUE - 2} (about 179 million years from the anchor) is an {@link
 * InvalidInputException}, a boundary past java.time's year ±999,999,999 a {@link
 * DateTimeException}. The engine never gets there: every instant it hands in (an activity, a
 * renewal start, now) is at most the builder's future skew after now, since {@code Billing.record}
 * refuses later activity.
 *
 * <p>Not API: a host finds a period with {@link Period#of} and {@link Period#at}, which ask this.
 */
public final class BillingPeriods {
  private static final long SECONDS_PER_DAY = 86_400;

  /** LocalDateTime's year range: beyond it, the same DateTimeException as java.time gives. */
  private static final long MIN_YEAR = -999_999_999;

  private static final long MAX_YEAR = 999_999_999;

  /**
   * The Gregorian calendar's mean month: 146,097 days per 400 years of 4,800 months. Period k
   * starts within a few days of {@code anchor + k} mean months (months are 28 to 31 days, the
   * clamped day moves a start at most 3 days), so dividing by it lands on k or a neighbour.
   */
  private static final long MEAN_MONTH_SECONDS = 146_097L * SECONDS_PER_DAY / 4_800;

  /**
   * Months 1600-01 to 2399-12, each's first second (epoch seconds of its first day's midnight) and
   * length: the usual starts cost two array reads and no division. Computed by the same arithmetic
   * as the rest.
   */
  private static final long TABLE_FIRST_MONTH = 1600L * 12;

  private static final int TABLE_MONTHS = 800 * 12;
  private static final long[] MONTH_FIRST_SECOND = new long[TABLE_MONTHS];
  private static final byte[] MONTH_LENGTH = new byte[TABLE_MONTHS];

  static {
    for (int i = 0; i < TABLE_MONTHS; i++) {
      long year = (TABLE_FIRST_MONTH + i) / 12;
      int month = (int) ((TABLE_FIRST_MONTH + i) % 12) + 1;
      MONTH_FIRST_SECOND[i] = daysFromCivil(year, month, 1) * SECONDS_PER_DAY;
      MONTH_LENGTH[i] = (byte) lengthOfMonth(year, month);
    }
  }

  private final Instant anchor;
  private final long anchorSecond;

  /**
   * The anchor's month as a row of the month table: months from 1600-01, so it lies outside the
   * table for anchors before 1600 or after 2399 (the calendar's arithmetic answers those).
   */
  private final long anchorRow;

  private final int anchorDay;

  /**
   * The anchor's time of day less one day: a start is {@code monthFirstSecond + clampedDay × 86,400
   * + this}, so the day's {@code - 1} is folded in once per anchor, not once per lookup.
   */
  private final long anchorTimeLessADay;

  public BillingPeriods(Instant anchor) {
    this.anchor = Checks.instant(anchor, "anchor");
    long seconds = anchor.getEpochSecond();
    this.anchorSecond = seconds;
    long day = Math.floorDiv(seconds, SECONDS_PER_DAY);
    long civil = civilFromDays(day);
    checkYear(civil >> 9);
    this.anchorRow = monthsOf(civil) - TABLE_FIRST_MONTH;
    this.anchorDay = (int) (civil & 31);
    this.anchorTimeLessADay = seconds - day * SECONDS_PER_DAY - SECONDS_PER_DAY;
  }

  public Instant anchor() {
    return anchor;
  }

  /**
   * The start of period {@code k}: the anchor plus k months, day clamped (as
   * LocalDateTime#plusMonths clamps).
   */
  public Instant start(int k) {
    if (k < 0) {
      throw new InvalidInputException("period index must not be negative, got " + k);
    }
    return Instant.ofEpochSecond(startSecond(k));
  }

  /** {@link #start} as epoch seconds. */
  long startSecond(int k) {
    long row = anchorRow + k;
    if (row >= 0 && row < TABLE_MONTHS) {
      int day = Math.min(anchorDay, MONTH_LENGTH[(int) row]);
      return MONTH_FIRST_SECOND[(int) row] + day * SECONDS_PER_DAY + anchorTimeLessADay;
    }
    // Outside the table (anchors and periods before 1600 or after 2399): the calendar itself.
    long month = TABLE_FIRST_MONTH + row;
    long year = Math.floorDiv(month, 12);
    int monthOfYear = (int) (month - year * 12) + 1;
    checkYear(year);
    int day = anchorDay <= 28 ? anchorDay : Math.min(anchorDay, lengthOfMonth(year, monthOfYear));
    return (daysFromCivil(year, monthOfYear, day) + 1) * SECONDS_PER_DAY + anchorTimeLessADay;
  }

  public Period period(int k) {
    return new Period(k, start(k), start(k + 1));
  }

  /**
   * Term {@code j} of a plan billing every {@code months} months (S19): {@code [A + j·months, A +
   * (j+1)·months)}, each boundary a period start computed from the anchor, so terms tile the
   * timeline as periods do. For {@code months} = 1 a term is the period.
   */
  public Period term(int j, int months) {
    long first = (long) j * months;
    if (first + months > Integer.MAX_VALUE - 1) {
      throw new InvalidInputException("term " + j + " of " + months + " months is too far");
    }
    return new Period(j, start((int) first), start((int) first + months));
  }

  /**
   * The term of a {@code months}-month plan holding {@code t} (S19), in O(1) like {@link
   * #periodAt}.
   */
  public Period termAt(Instant t, int months) {
    Period period = periodAt(t);
    return months == 1 ? period : term(period.index() / months, months);
  }

  /**
   * The index of the period holding {@code t}, in O(1): t's distance from the anchor in mean months
   * is k or a neighbour, and a comparison with the starts around it settles which.
   */
  public int indexAt(Instant t) {
    return periodAt(t).index();
  }

  /**
   * The period holding {@code t}: its start and end are the comparisons that found it. The hot path
   * reads only this object's fields, t's seconds and two rows of the month table: no object but the
   * answer, one division by a constant, and the anchor compared as seconds, not as an Instant (one
   * object fewer to load).
   */
  public Period periodAt(Instant t) {
    Checks.notNull(t, "instant");
    // Starts are whole seconds, so comparing seconds is comparing instants: t is before the anchor
    // exactly when its whole seconds are (a fraction of a second only moves it later).
    long seconds = t.getEpochSecond();
    if (seconds < anchorSecond) {
      throw new InvalidInputException("instant " + t + " is before the billing anchor " + anchor);
    }
    long estimate = (seconds - anchorSecond) / MEAN_MONTH_SECONDS;
    if (estimate > Integer.MAX_VALUE - 2) {
      throw new InvalidInputException("instant " + t + " is too far from the anchor");
    }
    int k = (int) estimate;
    long start = startSecond(k);
    if (start <= seconds) {
      long end = startSecond(k + 1);
      if (end > seconds) {
        return new Period(k, Instant.ofEpochSecond(start), Instant.ofEpochSecond(end));
      }
    }
    // The estimate was a neighbour, a few lookups in a hundred. (The end is computed only once the
    // start is known to be at or before t, as the loops below do, so a lookup near java.time's last
    // year is refused exactly when it was before.)
    return neighbourHolding(t, seconds, k, start);
  }

  /** {@link #periodAt} when period {@code k} (starting at {@code start}) does not hold t. */
  private Period neighbourHolding(Instant t, long seconds, int k, long start) {
    while (start > seconds) { // stops at k = 0 at the latest: period 0 starts at the anchor
      k--;
      start = startSecond(k);
    }
    long end = startSecond(k + 1);
    while (end <= seconds) {
      if (k == Integer.MAX_VALUE - 2) {
        throw new InvalidInputException("instant " + t + " is too far from the anchor");
      }
      k++;
      start = end;
      end = startSecond(k + 1);
    }
    return new Period(k, Instant.ofEpochSecond(start), Instant.ofEpochSecond(end));
  }

  // ---- the proleptic Gregorian calendar, in integers ----

  private static void checkYear(long year) {
    if (year > MAX_YEAR || year < MIN_YEAR) {
      throw new DateTimeException(
          "Invalid value for Year (valid values -999999999 - 999999999): " + year);
    }
  }

  /**
   * The civil date of an epoch day, packed as {@code (year * 16 + month) * 32 + day}: one long, so
   * the lookup allocates nothing. From H. Hinnant, "chrono-Compatible Low-Level Date Algorithms".
   */
  static long civilFromDays(long epochDay) {
    long z = epochDay + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long doe = z - era * 146_097; // [0, 146096]
    long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from March 1
    long mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    long day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    long month = mp < 10 ? mp + 3 : mp - 9; // [1, 12]
    long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    return (year * 16 + month) * 32 + day;
  }

  /** Months from year 0 of a packed civil date. */
  private static long monthsOf(long civil) {
    long yearMonth = civil >> 5; // floor: years may be negative
    long year = yearMonth >> 4;
    return year * 12 + (yearMonth & 15) - 1;
  }

  /** The epoch day of a civil date (the inverse of {@link #civilFromDays}). */
  static long daysFromCivil(long year, int month, int day) {
    long y = month <= 2 ? year - 1 : year;
    long era = Math.floorDiv(y, 400);
    long yoe = y - era * 400; // [0, 399]
    long mp = month > 2 ? month - 3 : month + 9; // [0, 11]
    long doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    return era * 146_097 + doe - 719_468;
  }

  static int lengthOfMonth(long year, int month) {
    if (month == 2) {
      boolean leap = (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
      return leap ? 29 : 28;
    }
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
  }

  @Override
  public String toString() {
    return "BillingPeriods[anchor=" + anchor + "]";
  }
}
