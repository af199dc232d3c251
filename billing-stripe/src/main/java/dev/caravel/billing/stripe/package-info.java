/**
 * The saved-card rail over Stripe's REST API ({@link dev.caravel.billing.stripe.StripeGateway}) and
 * the verifier of Stripe's webhook signatures.
 */
package dev.caravel.billing.stripe;
