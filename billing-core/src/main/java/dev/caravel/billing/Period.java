package dev.caravel.billing;

import java.time.Instant;

/** Billing period {@code index} of a tenant: {@code [start, end)} (S2). */
public record Period(int index, Instant start, Instant end) {
  public Period {
    if (index < 0) {
      throw new InvalidInputException("period index must not be negative");
    }
    if (!start.isBefore(end)) {
      throw new InvalidInputException("a period must end after it starts");
    }
  }

  public boolean contains(Instant t) {
    return !t.isBefore(start) && t.isBefore(end);
  }

  public long seconds() {
    return end.getEpochSecond() - start.getEpochSecond();
  }
}
