package dev.caravel.billing;

import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.spi.AdjustmentWrite;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CollectionChange;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentEvents;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.RefundWrite;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.RoundEnded;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Forwards every call; tests override the one they want to interfere with. */
class DelegatingRepository implements Repository {
  private final Repository d;

  DelegatingRepository(Repository delegate) {
    this.d = delegate;
  }

  @Override
  public void saveTenant(Tenant tenant) {
    d.saveTenant(tenant);
  }

  @Override
  public Optional<Tenant> findTenant(String pubkey) {
    return d.findTenant(pubkey);
  }

  @Override
  public List<String> tenantPage(String after, int limit) {
    return d.tenantPage(after, limit);
  }

  @Override
  public List<String> takeDueTenants(
      String instance, String cycle, Instant now, Duration ttl, int limit) {
    return d.takeDueTenants(instance, cycle, now, ttl, limit);
  }

  @Override
  public OptionalLong catalogueVersion() {
    return d.catalogueVersion();
  }

  @Override
  public dev.caravel.billing.spi.ActivityWrite appendActivity(
      Activity activity,
      Optional<dev.caravel.billing.spi.TenantLedger> read,
      dev.caravel.billing.spi.Anchoring anchoring) {
    return d.appendActivity(activity, read, anchoring);
  }

  @Override
  public Optional<Activity> findActivity(String id) {
    return d.findActivity(id);
  }

  @Override
  public List<TenantLedger> ledgers(List<String> tenants) {
    return d.ledgers(tenants);
  }

  @Override
  public int recordReconciliations(List<Reconciliation> r, java.util.OptionalLong pricedWith) {
    return d.recordReconciliations(r, pricedWith);
  }

  @Override
  public int applyRenewals(List<Renewal> renewals, java.util.OptionalLong pricedWith) {
    return d.applyRenewals(renewals, pricedWith);
  }

  @Override
  public List<dev.caravel.billing.spi.UnclaimedTotal> unclaimedTotals(List<String> tenants) {
    return d.unclaimedTotals(tenants);
  }

  @Override
  public List<Invoice> claim(List<Claim> claims, dev.caravel.billing.spi.InvoiceNumbering ids) {
    return d.claim(claims, ids);
  }

  @Override
  public AdjustmentWrite recordAdjustment(
      InvoiceItem adjustment, BillingEvent event, boolean anchorIfUnset) {
    return d.recordAdjustment(adjustment, event, anchorIfUnset);
  }

  @Override
  public void recordBillingFailure(BillingEvent failure, Instant retryAt) {
    d.recordBillingFailure(failure, retryAt);
  }

  @Override
  public boolean changeCollection(
      String invoiceId, CollectionState expected, CollectionChange change) {
    return d.changeCollection(invoiceId, expected, change);
  }

  @Override
  public List<Payment.Refund> refunds(String invoiceId) {
    return d.refunds(invoiceId);
  }

  @Override
  public Optional<Payment.Refund> findRefund(String key) {
    return d.findRefund(key);
  }

  @Override
  public RefundWrite recordRefund(
      Payment.Refund refund,
      int refundsRead,
      Optional<InvoiceItem> credit,
      Optional<BillingEvent> event) {
    return d.recordRefund(refund, refundsRead, credit, event);
  }

  @Override
  public boolean moveRefund(Payment.Refund read, Payment.Refund moved, BillingEvent event) {
    return d.moveRefund(read, moved, event);
  }

  @Override
  public List<dev.caravel.billing.spi.StandingRead> readStandings(List<String> tenants) {
    return d.readStandings(tenants);
  }

  @Override
  public List<dev.caravel.billing.spi.StandingVerdict> recordStandings(
      List<dev.caravel.billing.spi.StandingVerdict> verdicts) {
    return d.recordStandings(verdicts);
  }

  @Override
  public List<String> standingChecksDue(Instant now, int limit) {
    return d.standingChecksDue(now, limit);
  }

  @Override
  public List<BillingEvent> events(long afterId, int limit) {
    return d.events(afterId, limit);
  }

  @Override
  public Optional<Invoice> findInvoice(String id) {
    return d.findInvoice(id);
  }

  @Override
  public List<Invoice> invoices(String tenant) {
    return d.invoices(tenant);
  }

  @Override
  public List<InvoiceItem> items(String tenant) {
    return d.items(tenant);
  }

  @Override
  public List<InvoiceItem> invoiceItems(String id) {
    return d.invoiceItems(id);
  }

  @Override
  public List<InvoiceItem> unclaimedItems(String tenant) {
    return d.unclaimedItems(tenant);
  }

  @Override
  public Optional<CollectionState> collectionState(String id) {
    return d.collectionState(id);
  }

  @Override
  public Optional<PaymentLease> acquireLease(String id, String owner, Instant now, Duration ttl) {
    return d.acquireLease(id, owner, now, ttl);
  }

  @Override
  public RoundEnded endRound(PaymentLease lease, RoundEnd end) {
    return d.endRound(lease, end);
  }

  @Override
  public PaymentRecord markPaid(String id, Payment payment, PaymentEvents events) {
    return d.markPaid(id, payment, events);
  }

  @Override
  public CardCharge noteCardCharge(CardCharge charge) {
    return d.noteCardCharge(charge);
  }

  @Override
  public Optional<CardCharge> findCardCharge(String id, int round) {
    return d.findCardCharge(id, round);
  }

  @Override
  public List<String> dueInvoices(Instant now, int limit) {
    return d.dueInvoices(now, limit);
  }

  @Override
  public Optional<Bolt11Request> findBolt11(String id) {
    return d.findBolt11(id);
  }

  @Override
  public Bolt11Request replaceBolt11(Bolt11Request fresh, Optional<String> expected) {
    return d.replaceBolt11(fresh, expected);
  }

  @Override
  public void markBolt11Settled(String id, String bolt11, Instant at) {
    d.markBolt11Settled(id, bolt11, at);
  }

  @Override
  public List<Bolt11Request> unsettledBolt11sOfEndedInvoices(
      Instant expiringAfter, Optional<Bolt11Request> after, int limit) {
    return d.unsettledBolt11sOfEndedInvoices(expiringAfter, after, limit);
  }

  @Override
  public Optional<PlanCatalogue> catalogue() {
    return d.catalogue();
  }

  @Override
  public PlanCatalogue seedCatalogue(PlanCatalogue seed) {
    return d.seedCatalogue(seed);
  }

  @Override
  public Optional<java.time.Instant> billedThrough() {
    return d.billedThrough();
  }

  @Override
  public boolean addPlanVersion(
      PlanCatalogue.Version version,
      long catalogueRead,
      Optional<java.time.Instant> billedThroughRead) {
    return d.addPlanVersion(version, catalogueRead, billedThroughRead);
  }

  @Override
  public Optional<PlanCatalogue.Coupon> defineCoupon(PlanCatalogue.Coupon coupon) {
    return d.defineCoupon(coupon);
  }

  @Override
  public Optional<PlanCatalogue.Coupon> findCoupon(String code) {
    return d.findCoupon(code);
  }

  @Override
  public Optional<dev.caravel.billing.spi.CouponRedemption> redeemCoupon(
      dev.caravel.billing.spi.CouponRedemption redemption) {
    return d.redeemCoupon(redemption);
  }
}
