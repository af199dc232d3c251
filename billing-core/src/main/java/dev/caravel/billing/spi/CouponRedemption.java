package dev.caravel.billing.spi;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.PlanCatalogue.Coupon;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;

/**
 * A coupon redeemed for a tenant (S21), under the host's idempotency {@code key}, at {@code
 * redeemedAt}, with the coupon as defined; {@code uses} counts the invoices it discounted so far
 * (what a {@code ONCE} coupon is used up by). A tenant's latest redemption (in the order recorded)
 * is its coupon: a newer one replaces it. Whether it still discounts is the engine's to judge.
 */
public record CouponRedemption(
    String key, String tenant, Coupon coupon, Instant redeemedAt, int uses) {
  public CouponRedemption {
    Checks.id(key, "redemption key");
    Checks.pubkey(tenant, "tenant");
    Checks.notNull(coupon, "coupon");
    Checks.instant(redeemedAt, "redeemed at");
    if (uses < 0) {
      throw new InvalidInputException("a redemption's uses must not be negative, got " + uses);
    }
  }

  /** The same redemption request (tenant and coupon), whenever made: what a retry must repeat. */
  public boolean sameRequest(CouponRedemption other) {
    return key.equals(other.key)
        && tenant.equals(other.tenant)
        && coupon.code().equals(other.coupon.code());
  }
}
