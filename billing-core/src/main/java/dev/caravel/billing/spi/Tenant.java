package dev.caravel.billing.spi;

import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.internal.Checks;
import java.util.Optional;

/**
 * A tenant (identified by its Nostr pubkey, hex) and how it pays: an NWC URI, sealed at rest by the
 * {@link dev.caravel.billing.SecretCipher}, and/or a Stripe customer id; and its tax (S24), which
 * the engine applies to the invoices it claims. {@code toString()} never shows the sealed URI.
 */
public record Tenant(
    String pubkey,
    Optional<String> sealedNwcUri,
    Optional<String> stripeCustomerId,
    Optional<TaxSetting> tax) {
  public Tenant {
    Checks.pubkey(pubkey, "tenant pubkey");
    Checks.notNull(sealedNwcUri, "sealedNwcUri");
    Checks.notNull(stripeCustomerId, "stripeCustomerId");
    sealedNwcUri.ifPresent(u -> Checks.text(u, "sealed NWC URI"));
    stripeCustomerId.ifPresent(c -> Checks.id(c, "Stripe customer id"));
    Checks.notNull(tax, "tax");
  }

  /** A tenant without tax. */
  public Tenant(String pubkey, Optional<String> sealedNwcUri, Optional<String> stripeCustomerId) {
    this(pubkey, sealedNwcUri, stripeCustomerId, Optional.empty());
  }

  public static Tenant of(String pubkey) {
    return new Tenant(pubkey, Optional.empty(), Optional.empty());
  }

  public Tenant withSealedNwcUri(String sealed) {
    return new Tenant(pubkey, Optional.ofNullable(sealed), stripeCustomerId, tax);
  }

  public Tenant withStripeCustomer(String customerId) {
    return new Tenant(pubkey, sealedNwcUri, Optional.ofNullable(customerId), tax);
  }

  /** This tenant with {@code tax} (empty: none). */
  public Tenant withTax(Optional<TaxSetting> tax) {
    return new Tenant(pubkey, sealedNwcUri, stripeCustomerId, tax);
  }

  @Override
  public String toString() {
    return "Tenant[pubkey="
        + pubkey
        + ", nwc="
        + (sealedNwcUri.isPresent() ? "<sealed>" : "none")
        + ", stripeCustomer="
        + stripeCustomerId.orElse("none")
        + ", tax="
        + tax.map(Object::toString).orElse("none")
        + "]";
  }
}
