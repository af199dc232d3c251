package dev.caravel.billing.spi;

import dev.caravel.billing.internal.Checks;

/**
 * Why an unpaid invoice has no next round scheduled although its dunning is not over: money may be
 * moving, so neither the poll nor a manual retry may start another round until the rail says what
 * happened. A hold ends when the invoice is paid, or when the rail's answer reopens collection.
 */
public record CollectionHold(Reason reason, String detail) {
  public enum Reason {
    /**
     * The charge was accepted but is not final (Stripe's {@code processing}); {@code detail} is its
     * reference.
     */
    PAYMENT_PENDING,
    /**
     * A charge's outcome stayed unknown past the gateway's idempotency window; {@code detail} says
     * what was sent.
     */
    OUTCOME_UNKNOWN
  }

  public CollectionHold {
    Checks.notNull(reason, "hold reason");
    Checks.text(detail, "hold detail");
  }
}
