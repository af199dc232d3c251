package dev.caravel.billing;

import java.time.Instant;

/** A BOLT11 invoice a wallet made. */
public record LightningInvoice(String bolt11, String paymentHash, long msats, Instant expiresAt) {
  public LightningInvoice {
    Checks.text(bolt11, "bolt11");
    Checks.text(paymentHash, "payment hash");
    Checks.notNull(expiresAt, "expiresAt");
    if (msats <= 0) {
      throw new InvalidInputException("msats must be positive, got " + msats);
    }
  }
}
