package dev.caravel.billing.spi;

import dev.caravel.billing.Payment;
import java.util.Objects;

/**
 * What {@link Repository#recordRefund} did with a refund the engine decided on: recorded it, found
 * its key taken, or found that the invoice's refunds are no longer the ones the engine read (the
 * decision may be stale: the engine reads and decides again). The storage judges nothing else.
 */
public sealed interface RefundWrite {
  /** This call recorded the refund (and its credit item and event, if any). */
  record Recorded() implements RefundWrite {}

  /** A refund was stored under the key already: nothing written, here it is as stored. */
  record KeyTaken(Payment.Refund stored) implements RefundWrite {
    public KeyTaken {
      Objects.requireNonNull(stored, "stored");
    }
  }

  /**
   * Nothing written: another refund was recorded against the invoice since the engine read its
   * refunds, so what it decided from them may no longer hold.
   */
  record RefundsMoved() implements RefundWrite {}
}
