package dev.caravel.billing.spi;

import dev.caravel.billing.Activity;
import java.util.Objects;

/**
 * What {@link Repository#appendActivity} did with an activity the engine admitted: a
 * compare-and-set on the tenant's log as the engine read it, and an insert-if-absent on the
 * activity's id. The storage judges neither the activity nor a stored one: the engine decides
 * whether the log still admits it, and whether what is stored under the id is the same activity (a
 * retry) or another one (a conflict).
 */
public sealed interface ActivityWrite {
  /** This call appended the activity. */
  record Appended() implements ActivityWrite {}

  /** An activity was stored under the id already (of any tenant): nothing written, here it is. */
  record IdTaken(Activity stored) implements ActivityWrite {
    public IdTaken {
      Objects.requireNonNull(stored, "stored");
    }
  }

  /**
   * The tenant's log is no longer the one the engine read (an activity appended, the anchor set, a
   * period renewed, or the tenant created meanwhile): nothing written; the engine reads again and
   * judges again.
   */
  record LogMoved() implements ActivityWrite {}
}
