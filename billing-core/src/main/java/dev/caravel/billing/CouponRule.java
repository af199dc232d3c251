package dev.caravel.billing;

import dev.caravel.billing.PlanCatalogue.Coupon;
import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CouponRedemption;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * S21, pure: the discount a tenant's coupon gives an invoice claimed at {@code now}. {@link
 * ClaimRule} asks it for {@link Bookkeeping#generate} and {@link Previews} alike, so a preview
 * shows the discount generating then gives.
 */
final class CouponRule {
  private static final BigInteger HUNDRED = BigInteger.valueOf(100);
  private static final BigInteger FIFTY = BigInteger.valueOf(50);

  private CouponRule() {}

  /**
   * The discount of an invoice claiming {@code items} (summing to {@code pre}) at {@code now} for a
   * tenant anchored at {@code anchor} whose latest redemption is {@code redemption}: none when
   * {@code pre <= 0} (nothing is claimed), when the redemption no longer covers the invoice ({@link
   * #covers}), or when it would take nothing off; otherwise {@code min(pre, percent:
   * round_half_up(base × p / 100) | amount)}, {@code base} the invoice's plan charges on the
   * coupon's plans ({@link #base}).
   */
  static Optional<Claim.Discount> discount(
      Optional<CouponRedemption> redemption,
      Instant anchor,
      Instant now,
      List<InvoiceItem> items,
      BigInteger pre) {
    if (redemption.isEmpty() || pre.signum() <= 0) {
      return Optional.empty();
    }
    CouponRedemption r = redemption.get();
    if (!covers(r, anchor, now)) {
      return Optional.empty();
    }
    Coupon coupon = r.coupon();
    BigInteger off =
        coupon.percentOff() > 0
            ? roundHalfUpPercent(base(coupon, items), coupon.percentOff())
            : BigInteger.valueOf(coupon.amountOff());
    BigInteger amount = off.min(pre);
    if (amount.signum() <= 0) {
      return Optional.empty();
    }
    return Optional.of(
        new Claim.Discount(r.key(), r.uses(), coupon.code(), amount.longValueExact()));
  }

  /**
   * Whether the redemption still covers an invoice claimed at {@code now}: {@code ONCE} until an
   * invoice got a discount from it; {@code PERIODS} N while the invoice's period index is below
   * {@code k_r + N}, {@code k_r} the index of the period holding the redemption (0 if it came
   * before the anchor); {@code FOREVER} always.
   */
  static boolean covers(CouponRedemption r, Instant anchor, Instant now) {
    return switch (r.coupon().duration()) {
      case ONCE -> r.uses() == 0;
      case FOREVER -> true;
      case PERIODS -> {
        BillingPeriods periods = new BillingPeriods(anchor);
        long redeemedIn = r.redeemedAt().isBefore(anchor) ? 0 : periods.indexAt(r.redeemedAt());
        yield periods.indexAt(now) < redeemedIn + r.coupon().periods();
      }
    };
  }

  /**
   * The plan charges a coupon discounts: a relay's positive items (a renewal, a first term, a
   * proration, a plan change, counted for the plan changed to, which the item carries) on the
   * coupon's plans. Hand charges, carried amounts (S25) and credits are not.
   */
  static BigInteger base(Coupon coupon, List<InvoiceItem> items) {
    BigInteger base = BigInteger.ZERO;
    for (InvoiceItem item : items) {
      if (isPlanCharge(item) && coupon.appliesTo(item.plan())) {
        base = base.add(BigInteger.valueOf(item.amount()));
      }
    }
    return base;
  }

  private static boolean isPlanCharge(InvoiceItem item) {
    // By what the item is booked under, so that a relay's charges of any source (activity,
    // renewal, a trial's first term) count, and nothing booked under no relay does.
    return item.amount() > 0
        && !item.relay().equals(InvoiceItem.ADJUSTMENT)
        && !item.relay().equals(InvoiceItem.DISCOUNT)
        && !item.isCarried();
  }

  /** {@code round_half_up(base × percent / 100)}, exactly, for {@code base >= 0}. */
  static BigInteger roundHalfUpPercent(BigInteger base, int percent) {
    return base.multiply(BigInteger.valueOf(percent)).add(FIFTY).divide(HUNDRED);
  }
}
