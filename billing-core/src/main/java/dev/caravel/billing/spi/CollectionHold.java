package dev.caravel.billing.spi;

import dev.caravel.billing.internal.Checks;

/**
 * Why an unpaid invoice has no next round scheduled although its dunning is not over: money may be
 * moving, so neither the poll nor a manual retry may start another round until the rail says what
 * happened; or the round ended on a fault of ours, and a person must look (S18). A hold ends when
 * the invoice is paid, when the rail's answer or a person releases it, or when the invoice is
 * closed: the engine decides when (asking the rail first where money may move: which reasons those
 * are is the engine's state machine's to say, not this type's), and a storage records it ({@link
 * Repository#changeCollection}). A storage stores the reason and its detail, nothing more.
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
    OUTCOME_UNKNOWN,
    /**
     * The rail refused <b>our</b> request, key or account (a card charge answered {@code Failed},
     * such as Stripe's {@code resource_missing}; the service wallet or the exchange rates failing
     * on the round's last rail): nothing was charged. {@code detail} is for the operator.
     */
    CONFIGURATION_FAULT,
    /**
     * The charge was refused before anything was sent (below the card's minimum charge, a request
     * the gateway cannot send as it is): nothing about it is unknown. {@code detail} says why.
     */
    REFUSED_BEFORE_SEND
  }

  public CollectionHold {
    Checks.notNull(reason, "hold reason");
    Checks.text(detail, "hold detail");
  }
}
