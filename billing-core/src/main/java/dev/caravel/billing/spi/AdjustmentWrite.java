package dev.caravel.billing.spi;

import dev.caravel.billing.InvoiceItem;
import java.util.Objects;

/**
 * What {@link Repository#recordAdjustment} did with an adjustment: an insert-if-absent on the
 * item's id. The storage does not compare the two adjustments: the engine judges whether what is
 * stored is the same request (a retry) or another one under the same key (a conflict).
 */
public sealed interface AdjustmentWrite {
  /** This call inserted the adjustment and appended its event. */
  record Recorded() implements AdjustmentWrite {}

  /** An item was stored under the id already: nothing written, here it is as stored. */
  record KeyTaken(InvoiceItem stored) implements AdjustmentWrite {
    public KeyTaken {
      Objects.requireNonNull(stored, "stored");
    }
  }
}
