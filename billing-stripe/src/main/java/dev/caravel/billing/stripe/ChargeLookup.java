package dev.caravel.billing.stripe;

import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import java.util.Objects;

/** What {@link StripeGateway#findCharge} found for a payment round. */
public sealed interface ChargeLookup {

  /**
   * The round's PaymentIntent. {@code amount} is in the ledger's minor units (converted back
   * from Stripe's); {@code outcome} is what {@code charge} would have answered for it.
   */
  record Found(String intentId, IntentState state, long amount, String currency, ChargeOutcome outcome) implements ChargeLookup {
    public Found {
      Objects.requireNonNull(intentId, "intentId");
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(currency, "currency");
      Objects.requireNonNull(outcome, "outcome");
    }
  }

  /**
   * Stripe holds no PaymentIntent for the round: the charge was never executed, so resending the
   * round under its same idempotency key cannot charge twice.
   */
  record Absent() implements ChargeLookup {}
}
