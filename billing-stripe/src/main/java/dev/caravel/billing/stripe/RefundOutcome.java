package dev.caravel.billing.stripe;

import java.util.Objects;

/** What {@link StripeGateway#refund} achieved. */
public sealed interface RefundOutcome {

  /**
   * Stripe made the refund. {@code amount} in the ledger's minor units; {@code status} is
   * Stripe's ({@code succeeded}, or {@code pending} until the bank confirms).
   */
  record Refunded(String refundId, long amount, String status) implements RefundOutcome {
    public Refunded {
      Objects.requireNonNull(refundId, "refundId");
      Objects.requireNonNull(status, "status");
    }
  }

  /** Nothing is left to refund on the intent. */
  record AlreadyRefunded(String intentId) implements RefundOutcome {
    public AlreadyRefunded {
      Objects.requireNonNull(intentId, "intentId");
    }
  }

  /** No definite answer (after the in-call retries): call again with the same idempotency key. */
  record Unknown(String message) implements RefundOutcome {
    public Unknown {
      Objects.requireNonNull(message, "message");
    }
  }
}
