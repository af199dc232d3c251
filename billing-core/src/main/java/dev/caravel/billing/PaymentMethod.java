package dev.caravel.billing;

import java.util.Locale;

/** How an invoice was paid (S9). */
public enum PaymentMethod {
  /** The tenant's own wallet paid the BOLT11 over Nostr Wallet Connect. */
  NWC,
  /** The BOLT11 settled on the service wallet without our asking: paid out of band. */
  OOB,
  /** The saved card, charged off-session through Stripe. */
  STRIPE,
  /** Settled by the host by hand (a payment page, a webhook, support). */
  MANUAL;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static PaymentMethod fromWireName(String name) {
    for (PaymentMethod m : values()) {
      if (m.wireName().equals(name)) {
        return m;
      }
    }
    throw new InvalidInputException("unknown payment method \"" + name + "\"");
  }
}
