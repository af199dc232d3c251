package dev.caravel.billing.stripe;

import dev.caravel.billing.Billing;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentMethod;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns verified Stripe webhook deliveries into engine calls, so the ledger follows Stripe both
 * ways: {@code payment_intent.succeeded} settles; {@code payment_intent.payment_failed} and {@code
 * .canceled} end the invoice's pending hold and schedule its next round ({@link
 * Billing#chargeFailed}); {@code charge.refunded} and {@code charge.dispute.created} are reported
 * ({@link Billing#chargeRefunded}, {@link Billing#chargeDisputed}). With {@link Builder#cards}, a
 * {@code checkout.session.completed} of a card setup that {@link StripeCards#startSetup} opened
 * makes the saved card the customer's default ({@link StripeCards#completeSetup}). Thread-safe.
 *
 * <p>Idempotent on the event id within this instance (a bounded in-memory set). Across instances
 * and restarts, redelivery is still safe because every engine call it makes is idempotent: {@code
 * settle} pays once, {@code chargeFailed} ends a hold once; only the listener's refund and dispute
 * reports may repeat for an event delivered to two instances. A card setup delivered twice sets the
 * same default once, and one delivered late never brings back a card removed or replaced since.
 *
 * <pre>{@code
 * StripeWebhooks webhooks = StripeWebhooks.builder().billing(billing)
 *     .verifier(StripeWebhookVerifier.of(System.getenv("STRIPE_WEBHOOK_SECRET"))).build();
 * // in the HTTP handler, with the raw body:
 * webhooks.handle(rawBody, request.header("Stripe-Signature"));   // 200; StripeWebhookException: 400
 * }</pre>
 */
public final class StripeWebhooks {
  private static final Logger log = LoggerFactory.getLogger(StripeWebhooks.class);

  /** What one delivery did. */
  public enum Handled {
    /** The engine acted on it (or found it done already: the calls are idempotent). */
    APPLIED,
    /** This event id was handled before by this instance: nothing done. */
    DUPLICATE,
    /**
     * Verified, but nothing the engine acts on (another type, or an intent made outside billing).
     */
    IGNORED
  }

  private final Billing billing;
  private final StripeCards cards;
  private final StripeWebhookVerifier verifier;
  private final String apiVersion;
  private final Map<String, Boolean> seen;

  private StripeWebhooks(Builder b) {
    this.billing = b.billing;
    this.cards = b.cards;
    this.verifier = b.verifier;
    this.apiVersion = b.apiVersion;
    int capacity = b.remember;
    this.seen =
        Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
              @Override
              protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
              }
            });
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Verifies one delivery and applies it.
   *
   * @throws StripeWebhookException bad signature, stale timestamp, not an event, or an event
   *     rendered in another API version than the gateway pins (its shape may differ: refused, so
   *     Stripe redelivers once the endpoint's version is fixed)
   */
  public Handled handle(byte[] payload, String signatureHeader) {
    return apply(verifier.verify(payload, signatureHeader));
  }

  /** {@link #handle(byte[], String)} for a body already read as UTF-8 text (unchanged bytes). */
  public Handled handle(String payload, String signatureHeader) {
    return apply(verifier.verify(payload, signatureHeader));
  }

  /** Applies an event that was already verified. */
  public Handled apply(StripeEvent event) {
    Objects.requireNonNull(event, "event");
    if (event.apiVersion().isPresent() && !event.apiVersion().get().equals(apiVersion)) {
      throw new StripeWebhookException(
          "event "
              + event.eventId()
              + " is rendered in Stripe API version "
              + event.apiVersion().get()
              + ", but this library reads "
              + apiVersion
              + ": set the webhook endpoint's API version to "
              + apiVersion);
    }
    if (seen.containsKey(event.eventId())) {
      return Handled.DUPLICATE;
    }
    Handled handled = dispatch(event);
    // Remembered only once applied: an engine call that threw is retried on Stripe's redelivery.
    seen.put(event.eventId(), Boolean.TRUE);
    log.info("Stripe event {} ({}): {}", event.eventId(), event.type(), handled);
    return handled;
  }

  private Handled dispatch(StripeEvent event) {
    if (event instanceof StripeEvent.CheckoutSessionCompleted session) {
      return completeCardSetup(session);
    }
    if (event instanceof StripeEvent.PaymentIntentEvent pi) {
      if (pi.invoiceId().isEmpty() || billing.invoice(pi.invoiceId().get()).isEmpty()) {
        return Handled.IGNORED;
      }
      String invoiceId = pi.invoiceId().get();
      switch (pi.status()) {
        case SUCCEEDED:
          billing.settle(invoiceId, PaymentMethod.STRIPE, pi.intentId());
          return Handled.APPLIED;
        case PAYMENT_FAILED:
        case CANCELED:
          billing.chargeFailed(invoiceId, pi.intentId(), customerText(pi.outcome()));
          return Handled.APPLIED;
        default:
          // processing, requires_action: the engine learned those from the charge itself
          return Handled.IGNORED;
      }
    }
    if (event instanceof StripeEvent.ChargeRefunded r) {
      if (r.invoiceId().isEmpty() || billing.invoice(r.invoiceId().get()).isEmpty()) {
        return Handled.IGNORED;
      }
      billing.chargeRefunded(
          r.invoiceId().get(), r.intentId().orElse(r.chargeId()), r.amountRefunded());
      return Handled.APPLIED;
    }
    if (event instanceof StripeEvent.DisputeCreated d) {
      // A dispute names the charge, not the invoice; the host finds it by the reference.
      billing.chargeDisputed(
          Optional.empty(),
          d.intentId().orElse(d.chargeId()),
          d.disputeId(),
          d.amount(),
          d.reason());
      return Handled.APPLIED;
    }
    return Handled.IGNORED;
  }

  private Handled completeCardSetup(StripeEvent.CheckoutSessionCompleted session) {
    if (!"setup".equals(session.mode())) {
      return Handled.IGNORED;
    }
    if (cards == null) {
      log.warn(
          "Stripe event {}: Checkout setup session {} completed, but no StripeCards is wired"
              + " (StripeWebhooks.Builder#cards): its card is not made the default",
          session.eventId(),
          session.sessionId());
      return Handled.IGNORED;
    }
    CardSetupOutcome outcome = cards.completeSetup(session);
    log.info("Stripe event {}: card setup {}: {}", session.eventId(), session.sessionId(), outcome);
    // Superseded and ignored setups changed nothing on purpose.
    return outcome instanceof CardSetupOutcome.DefaultSet ? Handled.APPLIED : Handled.IGNORED;
  }

  /** The short text the tenant may see: never Stripe's developer message. */
  private static String customerText(ChargeOutcome outcome) {
    if (outcome instanceof ChargeOutcome.Declined d) {
      return d.message();
    }
    if (outcome instanceof ChargeOutcome.NeedsCustomer n) {
      return n.message();
    }
    return Outcomes.DECLINED;
  }

  /** Builds {@link StripeWebhooks}: the engine and the verifier are required. */
  public static final class Builder {
    private Billing billing;
    private StripeCards cards;
    private StripeWebhookVerifier verifier;
    private String apiVersion = StripeGateway.API_VERSION;
    private int remember = 10_000;

    private Builder() {}

    public Builder billing(Billing billing) {
      this.billing = billing;
      return this;
    }

    /**
     * Where a completed card setup goes: {@link StripeGateway#cards()} of the gateway that opened
     * it. Without it, card setups are ignored (with a warning).
     */
    public Builder cards(StripeCards cards) {
      this.cards = Objects.requireNonNull(cards, "cards");
      return this;
    }

    public Builder verifier(StripeWebhookVerifier verifier) {
      this.verifier = verifier;
      return this;
    }

    /** How many event ids to remember for de-duplication. Default 10,000. */
    public Builder remember(int eventIds) {
      if (eventIds < 1) {
        throw new IllegalArgumentException("remember at least one event id");
      }
      this.remember = eventIds;
      return this;
    }

    public StripeWebhooks build() {
      Objects.requireNonNull(billing, "billing");
      Objects.requireNonNull(verifier, "verifier");
      return new StripeWebhooks(this);
    }
  }
}
