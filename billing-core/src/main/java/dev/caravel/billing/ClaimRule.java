package dev.caravel.billing;

import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CouponRedemption;
import dev.caravel.billing.spi.Tenant;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * S7, S21, S24 and S25's decision for one tenant, pure: whether its claimable items make an
 * invoice, its coupon's discount, the invoice's tax line, and whether it is carried (below the card
 * minimum). {@link Bookkeeping#generate} decides from the unclaimed items the storage sums, {@link
 * Previews} from the items generating would claim; one rule, so a preview is the invoice generating
 * then makes (S23).
 */
final class ClaimRule {
  private ClaimRule() {}

  /**
   * S7: a tenant's claimable items make an invoice when they sum above zero; a net credit (or
   * nothing) stays unclaimed and carries to the next. A sum beyond a {@code long} (stored data
   * beyond the money limit) is that tenant's failure, never a total that wrapped around: the page
   * is then billed tenant by tenant, and this tenant alone fails ({@link PageBilling}).
   */
  static boolean makesAnInvoice(String tenant, BigInteger net) {
    if (net.bitLength() >= Long.SIZE) {
      throw new InvalidInputException("tenant " + tenant + " owes more than a long holds: " + net);
    }
    return net.signum() > 0;
  }

  /**
   * S21: the discount of an invoice claiming {@code items} (summing to {@code pre}) at {@code now}
   * under the tenant's latest coupon redemption, if any ({@link CouponRule}).
   */
  static Optional<Claim.Discount> discountOn(
      Optional<CouponRedemption> coupon,
      Instant anchor,
      Instant now,
      List<InvoiceItem> items,
      BigInteger pre) {
    return CouponRule.discount(coupon, anchor, now, items, pre);
  }

  /**
   * S24: the tax line of an invoice of {@code net} (the items less any discount: zero or more)
   * under the tenant's setting, if any.
   */
  static Optional<Invoice.Tax> taxOn(Optional<TaxSetting> setting, long net) {
    return setting.map(tax -> tax.on(net));
  }

  /**
   * What claiming a tenant's items makes: an invoice or not, its discount (S21), its tax line, and
   * the card minimum it is carried below (S25), if it is.
   */
  record Decision(
      boolean invoice,
      Optional<Claim.Discount> discount,
      Optional<Invoice.Tax> tax,
      OptionalLong carriedBelow) {
    static final Decision NONE =
        new Decision(false, Optional.empty(), Optional.empty(), OptionalLong.empty());
  }

  /**
   * S7, S21, S24 and S25 for the claimable items summing to {@code net}: an invoice takes the
   * {@code discount} its coupon gives (asked only for an invoice), is taxed on what is left, and an
   * invoice with nothing left to pay is never carried (it is settled at once). Below {@code
   * minimum} (the total, tax added, is compared: it is what the card would be charged), a tenant
   * that can only pay by card ({@link #cardOnly}) has its invoice closed as carried; its net goes
   * to the next invoice. Items that are all carried amounts and still below the minimum make no
   * invoice: they wait, unclaimed, for the next invoice with something new on it, rather than being
   * carried again and again, an invoice a period. The tenant and its items are read only for an
   * invoice below the minimum.
   */
  static Decision decide(
      String tenant,
      BigInteger net,
      Supplier<Optional<Claim.Discount>> discount,
      Optional<TaxSetting> taxSetting,
      OptionalLong minimum,
      Supplier<Optional<Tenant>> profile,
      Supplier<List<InvoiceItem>> items) {
    if (!makesAnInvoice(tenant, net)) {
      return Decision.NONE;
    }
    Optional<Claim.Discount> off = discount.get();
    long amount = net.longValueExact() - off.map(Claim.Discount::amount).orElse(0L);
    Optional<Invoice.Tax> tax = taxOn(taxSetting, amount);
    long added = tax.map(Invoice.Tax::added).orElse(0L);
    if (amount > Long.MAX_VALUE - added) {
      throw new InvalidInputException(
          "tenant " + tenant + " owes more than a long holds with tax: " + net);
    }
    if (minimum.isEmpty()
        || amount + added == 0
        || amount + added >= minimum.getAsLong()
        || !cardOnly(profile.get())) {
      return new Decision(true, off, tax, OptionalLong.empty());
    }
    if (items.get().stream().allMatch(InvoiceItem::isCarried)) {
      return Decision.NONE;
    }
    return new Decision(true, off, tax, minimum);
  }

  /**
   * S25: a tenant that can pay only by card: a Stripe customer on file and no NWC wallet. Lightning
   * and a payment by hand (a tenant with neither) have no minimum.
   */
  static boolean cardOnly(Optional<Tenant> tenant) {
    return tenant.isPresent()
        && tenant.get().stripeCustomerId().isPresent()
        && tenant.get().sealedNwcUri().isEmpty();
  }
}
