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

  /**
   * The API version Stripe rendered the event's object with (the endpoint's version), e.g. {@code
   * 2024-06-20}; empty if the event does not say. A handler should refuse to act on a version whose
   * shape it does not read (compare with {@link StripeGateway#API_VERSION}).
   */
  Optional<String> apiVersion();

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
   * A PaymentIntent changed. {@code invoiceId} is the {@code metadata[invoice_id]} the gateway set
   * when charging (empty for intents made elsewhere). {@code outcome} is what the gateway would
   * have answered for the intent in this state, for settling a {@code Pending} charge.
   */
  record PaymentIntentEvent(
      String eventId,
      String type,
      Optional<String> apiVersion,
      IntentStatus status,
      String intentId,
      Optional<String> invoiceId,
      Optional<String> round,
      long amount,
      String currency,
      boolean livemode,
      ChargeOutcome outcome)
      implements StripeEvent {
    public PaymentIntentEvent {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(apiVersion, "apiVersion");
      Objects.requireNonNull(round, "round");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(intentId, "intentId");
      Objects.requireNonNull(invoiceId, "invoiceId");
      Objects.requireNonNull(currency, "currency");
      Objects.requireNonNull(outcome, "outcome");
    }
  }

  /**
   * {@code charge.refunded}: a charge was refunded, wholly or in part. {@code amountRefunded} is
   * the charge's total refunded so far (ledger minor units), not this refund's amount.
   */
  record ChargeRefunded(
      String eventId,
      Optional<String> apiVersion,
      String chargeId,
      Optional<String> intentId,
      Optional<String> invoiceId,
      long amount,
      long amountRefunded,
      String currency,
      boolean livemode)
      implements StripeEvent {
    public ChargeRefunded {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(apiVersion, "apiVersion");
      Objects.requireNonNull(chargeId, "chargeId");
      Objects.requireNonNull(intentId, "intentId");
      Objects.requireNonNull(invoiceId, "invoiceId");
      Objects.requireNonNull(currency, "currency");
    }

    @Override
    public String type() {
      return "charge.refunded";
    }
  }

  /**
   * {@code charge.dispute.created}: the cardholder disputed a charge. {@code amount} (ledger minor
   * units) is what is disputed; {@code reason} is Stripe's ({@code fraudulent}, ...).
   */
  record DisputeCreated(
      String eventId,
      Optional<String> apiVersion,
      String disputeId,
      String chargeId,
      Optional<String> intentId,
      long amount,
      String currency,
      String reason,
      boolean livemode)
      implements StripeEvent {
    public DisputeCreated {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(apiVersion, "apiVersion");
      Objects.requireNonNull(disputeId, "disputeId");
      Objects.requireNonNull(chargeId, "chargeId");
      Objects.requireNonNull(intentId, "intentId");
      Objects.requireNonNull(currency, "currency");
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String type() {
      return "charge.dispute.created";
    }
  }

  /**
   * {@code checkout.session.completed}: a tenant finished Stripe's hosted Checkout page. For a card
   * setup ({@code mode} {@code setup}) {@code setupIntentId} names the SetupIntent that saved the
   * card; {@code purpose} is the session's {@code metadata[caravel_purpose]}, which {@link
   * StripeCards} sets to {@code save_card} on the sessions it opens.
   */
  record CheckoutSessionCompleted(
      String eventId,
      Optional<String> apiVersion,
      String sessionId,
      String mode,
      String status,
      Optional<String> customerId,
      Optional<String> setupIntentId,
      Optional<String> purpose,
      boolean livemode)
      implements StripeEvent {
    public CheckoutSessionCompleted {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(apiVersion, "apiVersion");
      Objects.requireNonNull(sessionId, "sessionId");
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(customerId, "customerId");
      Objects.requireNonNull(setupIntentId, "setupIntentId");
      Objects.requireNonNull(purpose, "purpose");
    }

    @Override
    public String type() {
      return "checkout.session.completed";
    }
  }

  /** Any other event: verified, but nothing the billing engine acts on. */
  record Other(String eventId, String type, Optional<String> apiVersion) implements StripeEvent {
    public Other {
      Objects.requireNonNull(eventId, "eventId");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(apiVersion, "apiVersion");
    }
  }
}
