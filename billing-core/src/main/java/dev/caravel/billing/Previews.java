package dev.caravel.billing;

import dev.caravel.billing.Invoice.Period;
import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.TenantLedger;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * S23, Kill Bill's dry run: the invoice generating would make, computed by the very rules {@link
 * Bookkeeping#generate} runs (the ledger's reconciliation and renewals, {@link ClaimRule}'s claim,
 * discount and tax), over one read of the tenant's ledger and unclaimed items, writing nothing.
 */
final class Previews {
  private final EngineSettings settings;
  private final Repository repository;
  private final CatalogueHistory catalogue;
  private final Bookkeeping bookkeeping;

  Previews(EngineSettings settings, CatalogueHistory catalogue, Bookkeeping bookkeeping) {
    this.settings = settings;
    this.repository = settings.repository();
    this.catalogue = catalogue;
    this.bookkeeping = bookkeeping;
  }

  /** {@link Billing#preview}: the invoice generating now would make. */
  Optional<Invoice.Preview> preview(String tenant) {
    Checks.pubkey(tenant, "tenant");
    return ledger(tenant).flatMap(ledger -> at(ledger, settings.now()));
  }

  /**
   * {@link Billing#upcoming}: the invoice generating at the start of the tenant's next period would
   * make, if nothing happens before (no activity, no adjustment, no invoice generated meanwhile).
   */
  Optional<Invoice.Preview> upcoming(String tenant) {
    Checks.pubkey(tenant, "tenant");
    return ledger(tenant)
        .flatMap(
            ledger -> {
              Instant now = settings.now();
              Instant anchor = ledger.anchor().get();
              Instant next =
                  now.isBefore(anchor) ? anchor : new BillingPeriods(anchor).periodAt(now).end();
              return at(ledger, next);
            });
  }

  /** The tenant's ledger, if it has an anchor: without one nothing is ever claimed (S7). */
  private Optional<TenantLedger> ledger(String tenant) {
    return repository.ledgers(List.of(tenant)).stream()
        .findFirst()
        .filter(l -> l.anchor().isPresent());
  }

  /**
   * S7 at {@code at} on what {@code ledger} and the unclaimed items say now: the items claimed
   * would be the unclaimed ones, those the pending activity reconciles to (S5) and the renewals due
   * by {@code at} (S6), each priced as generating prices it (S15).
   */
  private Optional<Invoice.Preview> at(TenantLedger ledger, Instant at) {
    Instant anchor = ledger.anchor().orElseThrow();
    if (at.isBefore(anchor)) {
      return Optional.empty();
    }
    String tenant = ledger.tenant();
    Ledger rules = catalogue.cached().rules();
    List<InvoiceItem> items = new ArrayList<>(repository.unclaimedItems(tenant));
    for (Reconciliation r : rules.reconcile(ledger)) {
      r.item().ifPresent(items::add);
    }
    for (Renewal renewal : rules.renewalsDue(ledger, at)) {
      items.addAll(renewal.items());
    }
    // Oldest first, as an invoice's items are read (stable: same-instant items keep their order).
    items.sort(Comparator.comparing(InvoiceItem::at));
    BigInteger sum = BigInteger.ZERO;
    for (InvoiceItem item : items) {
      sum = sum.add(BigInteger.valueOf(item.amount()));
    }
    String currency = settings.catalogue().currency();
    List<InvoiceItem> claimable = List.copyOf(items);
    BigInteger total = sum;
    ClaimRule.Decision decision =
        ClaimRule.decide(
            tenant,
            sum,
            () -> ClaimRule.discountOn(ledger.coupon(), anchor, at, claimable, total),
            bookkeeping.taxSetting(tenant),
            settings.cardMinimums().in(currency),
            () -> bookkeeping.profile(tenant),
            () -> claimable);
    if (!decision.invoice()) {
      return Optional.empty();
    }
    // S21: the discount generating would give, its item last (it is dated at the claim).
    Optional<Claim.Discount> discount = decision.discount();
    discount.ifPresent(d -> items.add(d.item(tenant, at)));
    long net = sum.longValueExact() - discount.map(Claim.Discount::amount).orElse(0L);
    Optional<Invoice.Tax> tax = decision.tax();
    long added = tax.map(Invoice.Tax::added).orElse(0L);
    Period period = new BillingPeriods(anchor).periodAt(at);
    return Optional.of(
        new Invoice.Preview(
            tenant,
            at,
            period.start(),
            period.end(),
            currency,
            items,
            net,
            tax,
            net + added,
            decision.carriedBelow()));
  }
}
