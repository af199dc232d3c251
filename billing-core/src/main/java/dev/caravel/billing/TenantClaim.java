package dev.caravel.billing;

import dev.caravel.billing.Invoice.Period;
import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CouponRedemption;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.TenantLedger;
import dev.caravel.billing.spi.UnclaimedTotal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The claim of one tenant visited by {@link Bookkeeping#generate}, from its ledger as its page read
 * it and its unclaimed items as summed: the rules are {@link ClaimRule}'s (S7, S21, S24, S25) and
 * {@link Trials}' (S20); this part only gathers what they need, reading as little as it can, so
 * that the renewal day stays one sum a page.
 */
final class TenantClaim {
  private TenantClaim() {}

  /**
   * A tenant in trial is claimed nothing before its anchor: its visit is recorded over the trial's
   * window, so that it is due again at the window's end (the notice, then the anchor). Any other is
   * decided by {@link ClaimRule#decide}, taxed by the setting read with the ledger (one read a
   * page, S24). A tenant whose coupon covers an invoice now (S21) has its unclaimed items read,
   * since its discount depends on which they are, and is claimed from that read; the tenant and its
   * items are otherwise read only for an invoice below the card minimum (S25).
   */
  static Claim of(
      TenantLedger ledger,
      UnclaimedTotal unclaimed,
      Instant now,
      EngineSettings settings,
      Repository repository) {
    String tenant = ledger.tenant();
    String currency = settings.catalogue().currency();
    Instant anchor = ledger.anchor().orElseThrow();
    if (now.isBefore(anchor)) {
      Trials.Window trial = Trials.window(ledger, now);
      return new Claim(tenant, trial.start(), trial.end(), currency, now, unclaimed, false);
    }
    // Only a coupon that still covers an invoice now needs the items; one used up or run out
    // leaves the tenant claimed from the sum, as every other.
    Optional<CouponRedemption> coupon =
        ledger.coupon().filter(r -> CouponRule.covers(r, anchor, now));
    Optional<List<InvoiceItem>> items =
        coupon.isPresent() ? Optional.of(repository.unclaimedItems(tenant)) : Optional.empty();
    UnclaimedTotal sum = items.map(read -> sumOf(tenant, read)).orElse(unclaimed);
    BigInteger pre = sum.total();
    List<InvoiceItem> known = items.orElse(List.of());
    ClaimRule.Decision decision =
        ClaimRule.decide(
            tenant,
            pre,
            () -> ClaimRule.discountOn(coupon, anchor, now, known, pre),
            ledger.tax(),
            settings.cardMinimums().in(currency),
            () -> repository.findTenant(tenant),
            () -> items.isPresent() ? known : repository.unclaimedItems(tenant));
    Period period = new BillingPeriods(anchor).periodAt(now);
    return new Claim(
        tenant,
        period.start(),
        period.end(),
        currency,
        now,
        sum,
        decision.invoice(),
        decision.tax(),
        decision.discount(),
        decision.carriedBelow());
  }

  /** The items' total, as the claim compares it ({@link UnclaimedTotal}). */
  private static UnclaimedTotal sumOf(String tenant, List<InvoiceItem> items) {
    BigInteger total = BigInteger.ZERO;
    for (InvoiceItem item : items) {
      total = total.add(BigInteger.valueOf(item.amount()));
    }
    return new UnclaimedTotal(tenant, total, items.size());
  }
}
