package dev.caravel.billing;

/**
 * A tenant's standing, from its open invoices and their dunning rounds (S13). The library never
 * suspends relays: the host does, on {@link BillingListener#standingChanged} or a {@code
 * STANDING_CHANGED} event.
 */
public enum Standing {
  /** Nothing overdue. */
  GOOD,
  /** An open invoice has failed a payment round (by default: its first). */
  PAST_DUE,
  /** An open invoice is unpaid well after its first attempt (by default: 14 days). */
  SUSPENDED
}
