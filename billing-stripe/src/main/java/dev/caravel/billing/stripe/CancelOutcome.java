package dev.caravel.billing.stripe;

import java.util.Objects;

/** What {@link StripeGateway#cancelIntent} achieved. */
public sealed interface CancelOutcome {

  /** The intent is canceled (by this call, or already before it): it can no longer charge. */
  record Canceled(String intentId, boolean already) implements CancelOutcome {
    public Canceled {
      Objects.requireNonNull(intentId, "intentId");
    }
  }

  /**
   * Too late: the intent {@code SUCCEEDED} (refund it if the invoice was paid another way) or is
   * in a state Stripe will not cancel.
   */
  record NotCancelable(String intentId, IntentState state) implements CancelOutcome {
    public NotCancelable {
      Objects.requireNonNull(intentId, "intentId");
      Objects.requireNonNull(state, "state");
    }
  }
}
