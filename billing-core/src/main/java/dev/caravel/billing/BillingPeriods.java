package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The monthly periods of one anchor (S1, S2). Period {@code k} is {@code [A + k months, A + (k+1)
 * months)}, each boundary computed from the anchor itself, never chained from the previous
 * boundary, with the day clamped to the month's last day: an anchor on Jan 31 starts periods on Jan
 * 31, Feb 28 (29), Mar 31, Apr 30. So the end of period k is always the start of k + 1.
 */
public final class BillingPeriods {
  private final Instant anchor;
  private final LocalDateTime anchorUtc;

  public BillingPeriods(Instant anchor) {
    this.anchor = Checks.instant(anchor, "anchor");
    this.anchorUtc = LocalDateTime.ofInstant(anchor, ZoneOffset.UTC);
  }

  public Instant anchor() {
    return anchor;
  }

  /**
   * The start of period {@code k}: the anchor plus k months, day clamped (LocalDateTime#plusMonths
   * clamps).
   */
  public Instant start(int k) {
    if (k < 0) {
      throw new InvalidInputException("period index must not be negative, got " + k);
    }
    return anchorUtc.plusMonths(k).toInstant(ZoneOffset.UTC);
  }

  public Period period(int k) {
    return new Period(k, start(k), start(k + 1));
  }

  /**
   * The index of the period holding {@code t}, in O(1): the whole months between the anchor's and
   * t's calendar months is either k or k + 1, so one comparison settles it.
   */
  public int indexAt(Instant t) {
    Checks.notNull(t, "instant");
    if (t.isBefore(anchor)) {
      throw new InvalidInputException("instant " + t + " is before the billing anchor " + anchor);
    }
    LocalDateTime at = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    long months =
        ChronoUnit.MONTHS.between(
            anchorUtc.withDayOfMonth(1).toLocalDate(), at.withDayOfMonth(1).toLocalDate());
    if (months > Integer.MAX_VALUE - 1) {
      throw new InvalidInputException("instant " + t + " is too far from the anchor");
    }
    int k = (int) months;
    return start(k).isAfter(t) ? k - 1 : k;
  }

  public Period periodAt(Instant t) {
    return period(indexAt(t));
  }

  @Override
  public String toString() {
    return "BillingPeriods[anchor=" + anchor + "]";
  }
}
