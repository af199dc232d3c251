package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The saved-card rail. Implementations must be thread-safe.
 *
 * <p>{@link #charge} must honour {@link ChargeRequest#idempotencyKey()}: the same key sent twice
 * charges at most once, and the second call answers what the first did. A charge whose fate is
 * unknown returns {@link ChargeOutcome.Unknown}, never throws; a charge refused because of our own
 * request or setup returns {@link ChargeOutcome.Failed}. A request that cannot be sent as it is
 * (below the gateway's minimum charge, a currency rule) throws {@link InvalidInputException} before
 * anything is sent; any other exception is taken as "sent, fate unknown".
 *
 * <p>Reconciliation ({@link #findCharge}, {@link #cancelCharge}, {@link #refund}) lets the engine
 * look before it resends a round whose outcome is unknown, and close intents left open. The
 * defaults say the gateway cannot look; an engine with such a gateway holds an unknown round past
 * the idempotency window for a person to check (S18).
 */
public interface PaymentGateway {

  /** The customer's saved payment method to charge off-session, if they have one. */
  Optional<String> savedPaymentMethod(String customerId);

  /**
   * Charges off-session under the request's idempotency key.
   *
   * @throws InvalidInputException the request was refused before anything was sent (below the
   *     minimum charge, an amount or currency the gateway cannot charge): the engine ends the round
   *     once, needing attention ({@code REFUSED_BEFORE_SEND}), and never sends it again by itself
   */
  ChargeOutcome charge(ChargeRequest request);

  /**
   * Finds a payment round's charge: by {@code reference} (the rail's id for it) when it is known,
   * else by the invoice id and round the charge was sent with. {@link ChargeLookup.Absent} must be
   * definite (the round's charge never executed); when the gateway cannot tell, {@link
   * ChargeLookup.Unavailable}. Never throws for a gateway that did not answer.
   */
  default ChargeLookup findCharge(
      String customerId, String invoiceId, int round, Optional<String> reference) {
    return new ChargeLookup.Unavailable("this gateway cannot look charges up");
  }

  /** Cancels a charge still open (waiting for the customer), so it can no longer take money. */
  default CancelOutcome cancelCharge(String reference) {
    return new CancelOutcome.Unavailable("this gateway cannot cancel charges");
  }

  /**
   * Refunds {@code amount} (ledger minor units) of a succeeded charge; the same {@code
   * idempotencyKey} never refunds twice.
   */
  default RefundOutcome refund(
      String reference, long amount, String currency, String idempotencyKey) {
    return new RefundOutcome.Unknown("this gateway cannot refund");
  }

  /**
   * Called by {@code Billing.builder().build()} when the gateway meets the catalogue: throws {@link
   * InvalidInputException} if the gateway cannot charge in the catalogue's currency or one of its
   * prices. The default accepts everything.
   */
  default void checkCurrency(PlanCatalogue catalogue) {}

  /**
   * S25: the smallest amount (ledger minor units) this rail charges in {@code currency} (a code as
   * the catalogue spells it), if it has a minimum. An invoice below it, for a tenant that can only
   * pay by card, is closed as carried when claimed and its net billed on the next invoice. The
   * default has none; {@code BillingBuilder.cardMinimum} overrides the rail's answer.
   */
  default OptionalLong minimumCharge(String currency) {
    return OptionalLong.empty();
  }

  /**
   * An off-session card charge. The {@code idempotencyKey} is derived from the invoice and the
   * payment round, so sending the same request again can never charge twice.
   */
  record ChargeRequest(
      String customerId,
      String paymentMethodId,
      long amount,
      String currency,
      String invoiceId,
      String idempotencyKey) {
    public ChargeRequest {
      Checks.id(customerId, "customer id");
      Checks.id(paymentMethodId, "payment method id");
      Checks.text(currency, "currency");
      Checks.id(invoiceId, "invoice id");
      Checks.id(idempotencyKey, "idempotency key");
      if (amount <= 0) {
        throw new InvalidInputException("a charge must be positive, got " + amount);
      }
    }
  }

  /** What became of a card charge. Expected results are values; only bugs throw. */
  sealed interface ChargeOutcome {

    /** The money moved. {@code reference} is the rail's id for it (a PaymentIntent id). */
    record Paid(String reference) implements ChargeOutcome {}

    /** Accepted but not final yet (Stripe's {@code processing}); the host settles it later. */
    record Pending(String reference) implements ChargeOutcome {}

    /**
     * Refused by the card's bank: {@code code} is the decline code when given. {@code message} may
     * reach the tenant.
     */
    record Declined(String code, String message) implements ChargeOutcome {}

    /** The customer must act (authenticate, 3-D Secure) before the charge can go through. */
    record NeedsCustomer(String reference, String message) implements ChargeOutcome {}

    /** The request may or may not have charged (a timeout, a 5xx): retry with the same key. */
    record Unknown(String message) implements ChargeOutcome {}

    /**
     * Refused because of <b>our</b> request, key or account (an invalid request, a rejected or
     * restricted API key): nothing was charged. On the round's last rail it ends the round once,
     * needing attention ({@code CONFIGURATION_FAULT}): the operator is told {@code message}, the
     * tenant only a fixed sentence, and a person retries, reopens (a new round, a new key), voids
     * or writes the invoice off. {@code kind} names the fault (e.g. {@code INVALID_REQUEST}, {@code
     * AUTHENTICATION}, {@code PERMISSION}).
     */
    record Failed(String kind, String message) implements ChargeOutcome {
      public Failed {
        Checks.text(kind, "kind");
        Checks.text(message, "message");
      }
    }
  }

  /** Where a charge stands, as reconciliation needs to know it. */
  enum ChargeState {
    /** The money moved. */
    SUCCEEDED,
    /** Accepted, not final: wait for the rail's answer. */
    PROCESSING,
    /** The customer must authenticate; cancel it if the invoice gets paid another way. */
    REQUIRES_ACTION,
    /** The attempt failed: nothing was charged. */
    FAILED,
    /** Canceled: nothing was charged. */
    CANCELED
  }

  /** What {@link #findCharge} found. */
  sealed interface ChargeLookup {

    /**
     * The round's charge. {@code amount} in ledger minor units; {@code outcome} is what {@link
     * #charge} would have answered for it, so the engine treats both alike.
     */
    record Found(
        String reference, ChargeState state, long amount, String currency, ChargeOutcome outcome)
        implements ChargeLookup {
      public Found {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(outcome, "outcome");
      }
    }

    /** The round's charge never executed: resending it under its same key cannot charge twice. */
    record Absent() implements ChargeLookup {}

    /** The gateway could not say (unreachable, no permission, cannot look): nothing is known. */
    record Unavailable(String reason) implements ChargeLookup {
      public Unavailable {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /** What {@link #cancelCharge} achieved. */
  sealed interface CancelOutcome {

    /**
     * The charge is canceled (by this call, or {@code already} before it): it can no longer take
     * money.
     */
    record Canceled(String reference, boolean already) implements CancelOutcome {
      public Canceled {
        Objects.requireNonNull(reference, "reference");
      }
    }

    /** Too late: the charge is in {@code state} (SUCCEEDED: refund it instead). */
    record NotCancelable(String reference, ChargeState state) implements CancelOutcome {
      public NotCancelable {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(state, "state");
      }
    }

    /** No definite answer: nothing is known; ask again later. */
    record Unavailable(String reason) implements CancelOutcome {
      public Unavailable {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /** What {@link #refund} achieved. */
  sealed interface RefundOutcome {

    /**
     * The rail made the refund: {@code amount} in ledger minor units; {@code status} is the rail's.
     */
    record Refunded(String refundId, long amount, String status) implements RefundOutcome {
      public Refunded {
        Objects.requireNonNull(refundId, "refundId");
        Objects.requireNonNull(status, "status");
      }
    }

    /**
     * Nothing is left to refund on the charge: other refunds took it (the rail's dashboard, say),
     * so money did move for the charge, though not by this request. Not a {@link Refused}: a person
     * checks the charge, and the engine keeps the refund pending.
     */
    record AlreadyRefunded(String reference) implements RefundOutcome {
      public AlreadyRefunded {
        Objects.requireNonNull(reference, "reference");
      }
    }

    /**
     * The rail refused this refund outright and nothing moved: no such charge, a charge that cannot
     * be refunded, an amount above what the rail has left on it, an invalid request. Definite: the
     * same idempotency key would be refused again. {@code message} is for the operator (it may
     * carry the rail's codes and request id), never for the tenant. The engine ends the refund as
     * {@link dev.caravel.billing.Payment.Refund.Status#FAILED} and frees its amount.
     */
    record Refused(String message) implements RefundOutcome {
      public Refused {
        Checks.text(message, "message");
      }
    }

    /** No definite answer: call again with the same idempotency key. */
    record Unknown(String message) implements RefundOutcome {
      public Unknown {
        Objects.requireNonNull(message, "message");
      }
    }
  }
}
