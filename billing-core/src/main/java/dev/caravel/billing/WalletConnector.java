package dev.caravel.billing;

/**
 * Opens a tenant's wallet from its connection URI (for NWC, {@code nostr+walletconnect://...}).
 * The URI carries a secret: it must not appear in logs or exceptions.
 */
public interface WalletConnector {

  /** @throws InvalidInputException when the URI is malformed (without echoing it) */
  LightningWallet connect(String uri);
}
