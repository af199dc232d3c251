package dev.caravel.billing.spi;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;

/**
 * The right, until {@code until}, to run payment round {@code round} of one invoice. Only the
 * holder of the token may finish or release it. A round whose outcome was unknown stays open, so
 * the next lease gets the same round number, and with it the same idempotency key.
 *
 * <p>{@code resumed}: the round was left open and is taken up again, so a rail may have been called
 * for it already. False only for a round just started, of which nothing was sent anywhere: the
 * round then need not look for what it sent before.
 */
public record PaymentLease(
    String invoiceId,
    String token,
    int round,
    Instant firstAttemptAt,
    Instant until,
    boolean resumed) {
  /** A lease not known to start a fresh round: read as resumed, the safe reading. */
  public PaymentLease(
      String invoiceId, String token, int round, Instant firstAttemptAt, Instant until) {
    this(invoiceId, token, round, firstAttemptAt, until, true);
  }

  public PaymentLease {
    Checks.id(invoiceId, "invoice id");
    Checks.text(token, "lease token");
    Checks.instant(firstAttemptAt, "first attempt");
    Checks.notNull(until, "lease end");
    if (round < 1) {
      throw new InvalidInputException("rounds start at 1, got " + round);
    }
  }
}
