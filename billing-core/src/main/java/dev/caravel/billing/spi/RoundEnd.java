package dev.caravel.billing.spi;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Payment;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * How the engine ends a payment round it holds the lease of, for a storage to record with {@link
 * Repository#endRound}: the round is over and the next is scheduled, it is held for the rail or a
 * person, it is left open to resume, or a rail took the money. The engine's state machine decides
 * which; a storage writes it, if the lease still holds (for a payment, whether or not it does).
 * Values built by the engine: a null is a programming mistake.
 */
public sealed interface RoundEnd {

  /**
   * The round is over: the next lease starts a new round, due at {@code nextAttemptAt} (empty:
   * none, the dunning is over).
   */
  record Finished(Optional<Instant> nextAttemptAt) implements RoundEnd {
    public Finished {
      Checks.notNull(nextAttemptAt, "nextAttemptAt");
    }
  }

  /**
   * The round is over with no next attempt, held by {@code hold} for the rail's answer or a person,
   * and {@code event} (the engine's {@code PAYMENT_PENDING} or {@code NEEDS_ATTENTION}, {@link
   * BillingEvent#held}) is appended as it is.
   */
  record Held(CollectionHold hold, BillingEvent event) implements RoundEnd {
    public Held {
      Checks.notNull(hold, "hold");
      Checks.notNull(event, "event");
    }
  }

  /**
   * The lease is given up and the round left open (its outcome unknown, or its holder stops): the
   * same round resumes at {@code nextAttemptAt}, under the same idempotency key.
   */
  record LeftOpen(Instant nextAttemptAt) implements RoundEnd {
    public LeftOpen {
      Checks.notNull(nextAttemptAt, "nextAttemptAt");
    }
  }

  /**
   * A rail of the round took the money: {@code payment} is written as {@link Repository#markPaid}
   * writes it, with {@code events}, and the round is finished with no next round, as one step.
   */
  record Paid(Payment payment, PaymentEvents events) implements RoundEnd {
    public Paid {
      Checks.notNull(payment, "payment");
      Checks.notNull(events, "events");
    }
  }
}
