package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Duration;
import java.time.Instant;

/**
 * A Lightning wallet: the service's own (it makes and looks up invoices) or a tenant's (it pays
 * them). Implementations must be thread-safe.
 */
public interface LightningWallet extends AutoCloseable {

  /** Makes an invoice for {@code msats}. @throws RailException when the wallet cannot. */
  LightningInvoice makeInvoice(long msats, String description, Duration expiry);

  /** Asks the wallet to pay; failures and silence are outcomes, not exceptions. */
  PayOutcome payInvoice(String bolt11);

  /**
   * Whether an invoice this wallet made has settled. A missing preimage does not mean unpaid.
   *
   * @throws RailException when the wallet cannot say
   */
  boolean isSettled(String bolt11);

  @Override
  default void close() {}

  /** A BOLT11 invoice a wallet made. */
  record LightningInvoice(String bolt11, String paymentHash, long msats, Instant expiresAt) {
    public LightningInvoice {
      Checks.text(bolt11, "bolt11");
      Checks.text(paymentHash, "payment hash");
      Checks.notNull(expiresAt, "expiresAt");
      if (msats <= 0) {
        throw new InvalidInputException("msats must be positive, got " + msats);
      }
    }
  }

  /** What a wallet said when asked to pay a BOLT11 invoice. */
  sealed interface PayOutcome {

    /** Paid; the preimage proves it (checked against the payment hash by the wallet adapter). */
    record Paid(String preimage) implements PayOutcome {}

    /**
     * The wallet refused or failed for certain: {@code code} is its error code (e.g.
     * INSUFFICIENT_BALANCE).
     */
    record Failed(String code, String message) implements PayOutcome {}

    /** No answer in time or the connection dropped: the payment may still go through. */
    record Unknown(String message) implements PayOutcome {}
  }

  /**
   * Opens a tenant's wallet from its connection URI (for NWC, {@code nostr+walletconnect://...}).
   * The URI carries a secret: it must not appear in logs or exceptions.
   */
  interface WalletConnector {

    /**
     * @throws InvalidInputException when the URI is malformed (without echoing it)
     */
    LightningWallet connect(String uri);

    /**
     * Checks the URI's form without connecting, so a bad one is refused when it is saved rather
     * than when payment is due.
     *
     * @throws InvalidInputException when the URI is malformed (without echoing it)
     */
    default void validate(String uri) {}
  }
}
