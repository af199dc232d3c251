package dev.caravel.billing;

/** What became of a card charge. Expected results are values; only bugs and bad setup throw. */
public sealed interface ChargeOutcome {

  /** The money moved. {@code reference} is the rail's id for it (a PaymentIntent id). */
  record Paid(String reference) implements ChargeOutcome {}

  /** Accepted but not final yet (Stripe's {@code processing}); the host settles it later. */
  record Pending(String reference) implements ChargeOutcome {}

  /** Refused by the card's bank: {@code code} is the decline code when given. */
  record Declined(String code, String message) implements ChargeOutcome {}

  /** The customer must act (authenticate, 3-D Secure) before the charge can go through. */
  record NeedsCustomer(String reference, String message) implements ChargeOutcome {}

  /** The request may or may not have charged (a timeout, a 5xx): retry with the same key. */
  record Unknown(String message) implements ChargeOutcome {}
}
