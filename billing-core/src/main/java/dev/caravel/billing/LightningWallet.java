package dev.caravel.billing;

import java.time.Duration;

/**
 * A Lightning wallet: the service's own (it makes and looks up invoices) or a tenant's (it pays
 * them). Implementations must be thread-safe.
 */
public interface LightningWallet extends AutoCloseable {

  /** Makes an invoice for {@code msats}. @throws WalletException when the wallet cannot. */
  LightningInvoice makeInvoice(long msats, String description, Duration expiry);

  /** Asks the wallet to pay; failures and silence are outcomes, not exceptions. */
  PayOutcome payInvoice(String bolt11);

  /**
   * Whether an invoice this wallet made has settled. A missing preimage does not mean unpaid.
   *
   * @throws WalletException when the wallet cannot say
   */
  boolean isSettled(String bolt11);

  @Override
  default void close() {}
}
