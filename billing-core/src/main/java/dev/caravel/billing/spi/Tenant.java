package dev.caravel.billing.spi;

import dev.caravel.billing.internal.Checks;
import java.util.Optional;

/**
 * A tenant (identified by its Nostr pubkey, hex) and how it pays: an NWC URI, sealed at rest by the
 * {@link dev.caravel.billing.SecretCipher}, and/or a Stripe customer id. {@code toString()} never
 * shows the sealed URI.
 */
public record Tenant(
    String pubkey, Optional<String> sealedNwcUri, Optional<String> stripeCustomerId) {
  public Tenant {
    Checks.pubkey(pubkey, "tenant pubkey");
    Checks.notNull(sealedNwcUri, "sealedNwcUri");
    Checks.notNull(stripeCustomerId, "stripeCustomerId");
    sealedNwcUri.ifPresent(u -> Checks.text(u, "sealed NWC URI"));
    stripeCustomerId.ifPresent(c -> Checks.id(c, "Stripe customer id"));
  }

  public static Tenant of(String pubkey) {
    return new Tenant(pubkey, Optional.empty(), Optional.empty());
  }

  public Tenant withSealedNwcUri(String sealed) {
    return new Tenant(pubkey, Optional.ofNullable(sealed), stripeCustomerId);
  }

  public Tenant withStripeCustomer(String customerId) {
    return new Tenant(pubkey, sealedNwcUri, Optional.ofNullable(customerId));
  }

  @Override
  public String toString() {
    return "Tenant[pubkey="
        + pubkey
        + ", nwc="
        + (sealedNwcUri.isPresent() ? "<sealed>" : "none")
        + ", stripeCustomer="
        + stripeCustomerId.orElse("none")
        + "]";
  }
}
