package dev.caravel.billing.spi;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.internal.Checks;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A tenant (identified by its Nostr pubkey, hex) and how it pays: an NWC URI, sealed at rest by the
 * {@link dev.caravel.billing.SecretCipher}, and/or a Stripe customer id; and its tax (S24), which
 * the engine applies to the invoices it claims; and its trial (S20) in days, which the engine reads
 * at the tenant's first activity to decide its anchor (given only before it: see {@code
 * Billing#startTrial}). {@code toString()} never shows the sealed URI.
 */
public record Tenant(
    String pubkey,
    Optional<String> sealedNwcUri,
    Optional<String> stripeCustomerId,
    Optional<TaxSetting> tax,
    OptionalInt trialDays) {
  /** The longest trial (S20): a year. */
  public static final int MAX_TRIAL_DAYS = 365;

  public Tenant {
    Checks.pubkey(pubkey, "tenant pubkey");
    Checks.notNull(sealedNwcUri, "sealedNwcUri");
    Checks.notNull(stripeCustomerId, "stripeCustomerId");
    sealedNwcUri.ifPresent(u -> Checks.text(u, "sealed NWC URI"));
    stripeCustomerId.ifPresent(c -> Checks.id(c, "Stripe customer id"));
    Checks.notNull(tax, "tax");
    Checks.notNull(trialDays, "trialDays");
    if (trialDays.isPresent()
        && (trialDays.getAsInt() < 1 || trialDays.getAsInt() > MAX_TRIAL_DAYS)) {
      throw new InvalidInputException(
          "a trial is 1 to " + MAX_TRIAL_DAYS + " days, got " + trialDays.getAsInt());
    }
  }

  /** A tenant without a trial. */
  public Tenant(
      String pubkey,
      Optional<String> sealedNwcUri,
      Optional<String> stripeCustomerId,
      Optional<TaxSetting> tax) {
    this(pubkey, sealedNwcUri, stripeCustomerId, tax, OptionalInt.empty());
  }

  /** A tenant without tax. */
  public Tenant(String pubkey, Optional<String> sealedNwcUri, Optional<String> stripeCustomerId) {
    this(pubkey, sealedNwcUri, stripeCustomerId, Optional.empty());
  }

  public static Tenant of(String pubkey) {
    return new Tenant(pubkey, Optional.empty(), Optional.empty());
  }

  public Tenant withSealedNwcUri(String sealed) {
    return new Tenant(pubkey, Optional.ofNullable(sealed), stripeCustomerId, tax, trialDays);
  }

  public Tenant withStripeCustomer(String customerId) {
    return new Tenant(pubkey, sealedNwcUri, Optional.ofNullable(customerId), tax, trialDays);
  }

  /** This tenant with {@code tax} (empty: none). */
  public Tenant withTax(Optional<TaxSetting> tax) {
    return new Tenant(pubkey, sealedNwcUri, stripeCustomerId, tax, trialDays);
  }

  /** This tenant with a trial of {@code trialDays} (empty: none). */
  public Tenant withTrial(OptionalInt trialDays) {
    return new Tenant(pubkey, sealedNwcUri, stripeCustomerId, tax, trialDays);
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
        + (trialDays.isPresent() ? ", trialDays=" + trialDays.getAsInt() : "")
        + "]";
  }
}
