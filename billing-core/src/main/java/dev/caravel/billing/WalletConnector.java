package dev.caravel.billing;

/**
 * Opens a tenant's wallet from its connection URI (for NWC, {@code nostr+walletconnect://...}).
 * The URI carries a secret: it must not appear in logs or exceptions.
 */
public interface WalletConnector {

  /** @throws InvalidInputException when the URI is malformed (without echoing it) */
  LightningWallet connect(String uri);

  /**
   * Checks the URI's form without connecting, so a bad one is refused when it is saved rather
   * than when payment is due.
   *
   * @throws InvalidInputException when the URI is malformed (without echoing it)
   */
  default void validate(String uri) {}
}
