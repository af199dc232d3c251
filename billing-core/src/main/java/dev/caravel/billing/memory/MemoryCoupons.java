package dev.caravel.billing.memory;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.PlanCatalogue.Coupon;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.CouponRedemption;
import java.util.Optional;

/**
 * Coupons and their redemptions (S21), insert-if-absent. Part of {@link InMemoryRepository}: it
 * keeps nothing of its own and takes the one {@link MemoryState#lock} around every read and write.
 */
final class MemoryCoupons {
  private final MemoryState state;

  MemoryCoupons(MemoryState state) {
    this.state = state;
  }

  Optional<Coupon> define(Coupon coupon) {
    Checks.notNull(coupon, "coupon");
    synchronized (state.lock) {
      return Optional.ofNullable(state.coupons.putIfAbsent(coupon.code(), coupon));
    }
  }

  Optional<Coupon> find(String code) {
    synchronized (state.lock) {
      return Optional.ofNullable(state.coupons.get(code));
    }
  }

  Optional<CouponRedemption> redeem(CouponRedemption redemption) {
    Checks.notNull(redemption, "redemption");
    synchronized (state.lock) {
      CouponRedemption stored = state.redemptions.get(redemption.key());
      if (stored != null) {
        return Optional.of(stored);
      }
      Coupon coupon = state.coupons.get(redemption.coupon().code());
      if (coupon == null) {
        throw new InvalidInputException("no coupon " + redemption.coupon().code());
      }
      // Stored with the coupon as stored and no use yet, whatever the caller passed.
      state.redemptions.put(
          redemption.key(),
          new CouponRedemption(
              redemption.key(), redemption.tenant(), coupon, redemption.redeemedAt(), 0));
      state.latestRedemption.put(redemption.tenant(), redemption.key());
      return Optional.empty();
    }
  }
}
