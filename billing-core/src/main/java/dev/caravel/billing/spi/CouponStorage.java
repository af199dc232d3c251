package dev.caravel.billing.spi;

import dev.caravel.billing.PlanCatalogue.Coupon;
import java.util.Optional;

/**
 * The part of {@link Repository} that keeps coupons and their redemptions (S21). It records; the
 * engine decides what a definition or a redemption given again means, and what a coupon takes off.
 * The discount itself is written with the claim ({@link Claim#discount}, {@link Repository#claim}).
 */
public interface CouponStorage {
  /**
   * Stores {@code coupon} under its code if no coupon has that code yet (insert-if-absent),
   * atomically: returns the coupon stored before, whatever its content, and writes nothing then
   * (the engine judges whether it is the same definition); empty when this one was stored. Racing
   * calls with one code store one coupon.
   */
  Optional<Coupon> defineCoupon(Coupon coupon);

  /** The coupon stored under {@code code}. */
  Optional<Coupon> findCoupon(String code);

  /**
   * Records {@code redemption} (with {@code uses} 0) if no redemption has its key yet
   * (insert-if-absent, keys unique across tenants), atomically: it becomes the tenant's latest
   * redemption, the one {@link Repository#ledgers} reads with the tenant's ledger ({@link
   * TenantLedger#coupon}), whether or not the tenant exists yet. When the key is taken nothing is
   * written and the stored redemption is returned, for the engine to compare. The coupon must be
   * stored ({@link dev.caravel.billing.InvalidInputException} otherwise, nothing written).
   */
  Optional<CouponRedemption> redeemCoupon(CouponRedemption redemption);
}
