package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * The Lightning payment request made on the service wallet for one invoice (S10): made once for the
 * invoice's total, reused while settled or unexpired, replaced when it expires unpaid.
 */
public record Bolt11Request(
    String invoiceId,
    String bolt11,
    String paymentHash,
    long msats,
    Instant createdAt,
    Instant expiresAt,
    Optional<Instant> settledAt) {

  public Bolt11Request {
    Checks.id(invoiceId, "invoice id");
    Checks.text(bolt11, "bolt11");
    Checks.text(paymentHash, "payment hash");
    Checks.instant(createdAt, "created at");
    Checks.instant(expiresAt, "expires at");
    Checks.notNull(settledAt, "settledAt");
    if (msats <= 0) {
      throw new InvalidInputException(
          "a BOLT11 request must be for a positive amount, got " + msats + " msats");
    }
  }

  public boolean isSettled() {
    return settledAt.isPresent();
  }

  /** Usable at {@code now}: settled, or not yet expired (S10; the seed got this wrong). */
  public boolean isUsableAt(Instant now) {
    return isSettled() || now.isBefore(expiresAt);
  }

  public Bolt11Request settled(Instant at) {
    return new Bolt11Request(
        invoiceId, bolt11, paymentHash, msats, createdAt, expiresAt, Optional.of(at));
  }
}
