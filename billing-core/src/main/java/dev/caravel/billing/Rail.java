package dev.caravel.billing;

/** The ways the engine reaches the world when it collects: what failed, in events and errors. */
public enum Rail {
  /**
   * Lightning through Nostr Wallet Connect: the tenant's wallet, the service wallet, exchange
   * rates.
   */
  NWC,
  /** The saved card, through the payment gateway. */
  STRIPE,
  /** The Nostr direct message asking the tenant to pay by hand. */
  DM;

  /**
   * The rail's lower-case name, as logs and the examples print it ({@code nwc}, {@code stripe},
   * {@code dm}).
   */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
