package dev.caravel.billing.stripe;

import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import java.util.Objects;
import java.util.Optional;

/** A verified Stripe webhook event, as {@link StripeWebhookVerifier} hands it to the host. */
public sealed interface StripeEvent {

  /** Stripe's event id ({@code evt_...}); Stripe may deliver an event more than once. */
  String eventId();

  /** Stripe's event type, e.g. {@code payment_intent.succeeded}. */
  String type();

  /** What a {@code payment_intent.*} event says happened to a PaymentIntent. */
  enum IntentStatus {
    SUCCEEDED("payment_intent.succeeded"),
    PAYMENT_FAILED("payment_intent.payment_failed"),
    PROCESSING("payment_intent.processing"),
    REQUIRES_ACTION("payment_intent.requires_action"),
    CANCELED("payment_intent.canceled");

    private final String eventType;

    IntentStatus(String eventType) {
      this.eventType = eventType;
    }

    /** The event type that carries this status. */
    public String eventType() {
      return eventType;
    }

    static Optional<IntentStatus> ofEventType(String type) {
      for (IntentStatus s : values()) {
        if (s.eventType.equals(type)) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * A PaymentIntent changed. {@code invoiceId} is the {@code metadata[invoice_id]} the gateway
   * set when charging (empty for intents made elsewhere). {@code outcome} is what the gateway
   * would have answered for the intent in this state, for settling a {@code Pending} charge.
   */
  record PaymentIntentEvent(
      String eventId, String type, IntentStatus status, String intentId, Optional<String> invoiceId,
      long amount, String currency, boolean livemode, ChargeOutcome outcome) implements StripeEvent {
    public PaymentIntentEvent {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(intentId, "intentId");
      Objects.requireNonNull(invoiceId, "invoiceId");
      Objects.requireNonNull(currency, "currency");
      Objects.requireNonNull(outcome, "outcome");
    }
  }

  /** Any other event: verified, but nothing the billing engine acts on. */
  record Other(String eventId, String type) implements StripeEvent {
    public Other {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(type, "type");
    }
  }
}
