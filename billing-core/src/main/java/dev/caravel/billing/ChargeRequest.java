package dev.caravel.billing;

/**
 * An off-session card charge. The {@code idempotencyKey} is derived from the invoice and the
 * payment round, so sending the same request again can never charge twice.
 */
public record ChargeRequest(
    String customerId, String paymentMethodId, long amount, String currency, String invoiceId, String idempotencyKey) {
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
