package dev.caravel.billing.spi;

import java.util.Objects;

/**
 * What {@link Repository#endRound} did with a round's end: recorded it (the lease still held),
 * found the lease lost, or, for a {@link RoundEnd.Paid}, which payment write it made. What each
 * means for the round (send a DM, tell the host, report money to refund) is the engine's to say.
 */
public sealed interface RoundEnded {
  /** The lease still held: the end was recorded as given, and the lease is gone. */
  record Recorded() implements RoundEnded {}

  /**
   * Nothing written: the lease no longer held the invoice (it ran out and another holder took the
   * round, or the round was ended already).
   */
  record LeaseLost() implements RoundEnded {}

  /**
   * The answer to a {@link RoundEnd.Paid}: the payment write made ({@link Repository#markPaid}'s
   * answer), whether or not the lease still held; the money is recorded either way, and the round
   * was finished too if the lease still held.
   */
  record PaymentRecorded(PaymentRecord recorded) implements RoundEnded {
    public PaymentRecorded {
      Objects.requireNonNull(recorded, "recorded");
    }
  }
}
