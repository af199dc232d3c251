package dev.caravel.billing.spring;

import java.util.ArrayList;
import java.util.List;

/**
 * The ways the engine can reach a tenant, as the starter found them wired: Lightning (the service
 * wallet with the tenant wallet connector), the saved card (a payment gateway), the DM (a
 * messenger). With none of them an invoice is made but never reaches the tenant: the starter logs a
 * WARN at start naming what to set, and the health indicator shows it. A host that builds its own
 * {@code Billing} with rails that are not beans declares its own bean of this type.
 */
public record BillingRails(boolean lightning, boolean card, boolean messenger) {
  /** Whether nothing at all can reach a tenant. */
  public boolean none() {
    return !lightning && !card && !messenger;
  }

  /** The wired ways by name: {@code lightning}, {@code card}, {@code messenger}. */
  public List<String> wired() {
    List<String> out = new ArrayList<>();
    if (lightning) {
      out.add("lightning");
    }
    if (card) {
      out.add("card");
    }
    if (messenger) {
      out.add("messenger");
    }
    return List.copyOf(out);
  }

  /** What is wrong when {@link #none()}, and how to fix it; as logged and shown by the health. */
  public static final String NONE_WIRED =
      "no payment rail (no Lightning, no card) and no messenger are wired: invoices are made but"
          + " never reach tenants. Set caravel.billing.nwc.service-uri (Lightning),"
          + " caravel.billing.stripe.secret-key (cards) or caravel.billing.nostr.secret-key with"
          + " caravel.billing.nostr.relays (payment DMs), or declare a PaymentGateway,"
          + " LightningWallet or Messenger bean";
}
