package dev.caravel.billing;

import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CouponRedemption;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * S7, S21 and S24's decision for one tenant, pure: whether its claimable items make an invoice, its
 * coupon's discount and the invoice's tax line. {@link Bookkeeping#generate} decides from the
 * unclaimed items the storage sums, {@link Previews} from the items generating would claim; one
 * rule, so a preview is the invoice generating then makes (S23).
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
}
