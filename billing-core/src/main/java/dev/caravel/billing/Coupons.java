package dev.caravel.billing;

import dev.caravel.billing.InvalidInputException.ConflictingKeyException;
import dev.caravel.billing.PlanCatalogue.Coupon;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.CouponRedemption;
import dev.caravel.billing.spi.Repository;
import java.util.Optional;

/**
 * Coupons (S21): defined once per code, redeemed for a tenant once per key. What a coupon takes off
 * each invoice is {@link CouponRule}'s, at the claim.
 *
 * <p>A tenant has at most one coupon: its latest redemption, which replaces any before it (the
 * storage reads the latest with the tenant's ledger). A redemption is dated now: a coupon for N
 * periods covers the invoices of the period holding that instant (the first period, if the tenant
 * has no anchor yet or it comes later) and of the N - 1 after it.
 */
final class Coupons {
  private final EngineSettings settings;
  private final Repository repository;

  Coupons(EngineSettings settings) {
    this.settings = settings;
    this.repository = settings.repository();
  }

  /** {@link Billing#defineCoupon}. */
  boolean define(Coupon coupon) {
    Checks.notNull(coupon, "coupon");
    Optional<Coupon> stored = repository.defineCoupon(coupon);
    if (stored.isEmpty()) {
      return true;
    }
    if (stored.get().equals(coupon)) {
      return false;
    }
    throw new ConflictingKeyException(
        "coupon " + coupon.code() + " is defined already, otherwise: " + stored.get());
  }

  /** {@link Billing#redeemCoupon}. */
  boolean redeem(String tenant, String code, String key) {
    Checks.pubkey(tenant, "tenant");
    Checks.id(code, "coupon code");
    Checks.id(key, "redemption key");
    Coupon coupon =
        repository
            .findCoupon(code)
            .orElseThrow(() -> new InvalidInputException("no coupon " + code));
    CouponRedemption redemption = new CouponRedemption(key, tenant, coupon, settings.now(), 0);
    Optional<CouponRedemption> stored = repository.redeemCoupon(redemption);
    if (stored.isEmpty()) {
      return true;
    }
    // The storage stores once per key; whether the stored one is this request is ours to judge.
    if (stored.get().sameRequest(redemption)) {
      return false;
    }
    throw new ConflictingKeyException(
        "redemption key " + key + " was used already for another redemption");
  }
}
