package dev.caravel.billing.memory;

import dev.caravel.billing.Activity;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.spi.ActivityWrite;
import dev.caravel.billing.spi.AdjustmentWrite;
import dev.caravel.billing.spi.Anchoring;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CollectionChange;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.CouponRedemption;
import dev.caravel.billing.spi.InvoiceNumbering;
import dev.caravel.billing.spi.PaymentEvents;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.RefundWrite;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.RoundEnded;
import dev.caravel.billing.spi.StandingRead;
import dev.caravel.billing.spi.StandingVerdict;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import dev.caravel.billing.spi.UnclaimedTotal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A thread-safe {@link Repository} in memory: the reference for the contract, for tests and for
 * single-process hosts that keep nothing. One lock guards everything, which makes every method
 * trivially atomic; it is not built for many millions of rows.
 *
 * <p>Each concern is a package-private part of this package (tenants and their log, ledger writes,
 * collection, operations, reads and the event feed, the catalogue); they share one {@link
 * MemoryState} and its one lock, and this class only hands each call to its part.
 */
public final class InMemoryRepository implements Repository {
  private final MemoryState state = new MemoryState();
  private final MemoryTenants tenantLog = new MemoryTenants(state);
  private final MemoryLedger ledger = new MemoryLedger(state);
  private final MemoryOperations operations = new MemoryOperations(state);
  private final MemoryReads reads = new MemoryReads(state);
  private final MemoryCollection collection = new MemoryCollection(state);
  private final MemoryCatalogue catalogueHistory = new MemoryCatalogue(state);
  private final MemoryCoupons coupons = new MemoryCoupons(state);

  @Override
  public void saveTenant(Tenant tenant) {
    tenantLog.saveTenant(tenant);
  }

  @Override
  public Optional<Tenant> findTenant(String pubkey) {
    return tenantLog.findTenant(pubkey);
  }

  @Override
  public List<String> tenantPage(String after, int limit) {
    return tenantLog.tenantPage(after, limit);
  }

  @Override
  public ActivityWrite appendActivity(
      Activity activity, Optional<TenantLedger> read, Anchoring anchoring) {
    return tenantLog.appendActivity(activity, read, anchoring);
  }

  @Override
  public Optional<Activity> findActivity(String id) {
    return tenantLog.findActivity(id);
  }

  // ---- due tracking (S17) ----

  @Override
  public List<String> takeDueTenants(
      String instance, String cycle, Instant now, Duration ttl, int limit) {
    return tenantLog.takeDueTenants(instance, cycle, now, ttl, limit);
  }

  @Override
  public List<TenantLedger> ledgers(List<String> pubkeys) {
    return tenantLog.ledgers(pubkeys);
  }

  @Override
  public int recordReconciliations(List<Reconciliation> reconciliations, OptionalLong pricedWith) {
    return ledger.recordReconciliations(reconciliations, pricedWith);
  }

  @Override
  public int applyRenewals(List<Renewal> renewals, OptionalLong pricedWith) {
    return ledger.applyRenewals(renewals, pricedWith);
  }

  @Override
  public List<UnclaimedTotal> unclaimedTotals(List<String> tenants) {
    return ledger.unclaimedTotals(tenants);
  }

  @Override
  public List<Invoice> claim(List<Claim> claims, InvoiceNumbering numbering) {
    return ledger.claim(claims, numbering);
  }

  // ---- adjustments, closing, refunds (S14) ----

  @Override
  public void recordBillingFailure(BillingEvent failure, Instant retryAt) {
    operations.recordBillingFailure(failure, retryAt);
  }

  @Override
  public AdjustmentWrite recordAdjustment(
      InvoiceItem adjustment, BillingEvent event, boolean anchorIfUnset) {
    return operations.recordAdjustment(adjustment, event, anchorIfUnset);
  }

  @Override
  public boolean changeCollection(
      String invoiceId, CollectionState expected, CollectionChange change) {
    return collection.changeCollection(invoiceId, expected, change);
  }

  @Override
  public List<Payment.Refund> refunds(String invoiceId) {
    return operations.refunds(invoiceId);
  }

  @Override
  public Optional<Payment.Refund> findRefund(String key) {
    return operations.findRefund(key);
  }

  @Override
  public RefundWrite recordRefund(
      Payment.Refund refund,
      int refundsRead,
      Optional<InvoiceItem> credit,
      Optional<BillingEvent> event) {
    return operations.recordRefund(refund, refundsRead, credit, event);
  }

  @Override
  public boolean moveRefund(Payment.Refund read, Payment.Refund moved, BillingEvent event) {
    return operations.moveRefund(read, moved, event);
  }

  // ---- standing (S13) ----

  @Override
  public List<StandingRead> readStandings(List<String> tenants) {
    return operations.readStandings(tenants);
  }

  @Override
  public List<StandingVerdict> recordStandings(List<StandingVerdict> verdicts) {
    return operations.recordStandings(verdicts);
  }

  @Override
  public List<String> standingChecksDue(Instant now, int limit) {
    return operations.standingChecksDue(now, limit);
  }

  // ---- the durable event feed (S16) ----

  @Override
  public List<BillingEvent> events(long afterId, int limit) {
    return reads.events(afterId, limit);
  }

  @Override
  public Optional<Invoice> findInvoice(String invoiceId) {
    return reads.findInvoice(invoiceId);
  }

  @Override
  public List<Invoice> invoices(String tenant) {
    return reads.invoices(tenant);
  }

  @Override
  public List<InvoiceItem> items(String tenant) {
    return reads.items(tenant);
  }

  @Override
  public List<InvoiceItem> invoiceItems(String invoiceId) {
    return reads.invoiceItems(invoiceId);
  }

  @Override
  public List<InvoiceItem> unclaimedItems(String tenant) {
    return reads.unclaimedItems(tenant);
  }

  @Override
  public Optional<CollectionState> collectionState(String invoiceId) {
    return reads.collectionState(invoiceId);
  }

  @Override
  public Optional<PaymentLease> acquireLease(
      String invoiceId, String owner, Instant now, Duration ttl) {
    return collection.acquireLease(invoiceId, owner, now, ttl);
  }

  @Override
  public RoundEnded endRound(PaymentLease lease, RoundEnd end) {
    return collection.endRound(lease, end);
  }

  @Override
  public PaymentRecord markPaid(String invoiceId, Payment payment, PaymentEvents events) {
    return collection.markPaid(invoiceId, payment, events);
  }

  @Override
  public CardCharge noteCardCharge(CardCharge charge) {
    return collection.noteCardCharge(charge);
  }

  @Override
  public Optional<CardCharge> findCardCharge(String invoiceId, int round) {
    return collection.findCardCharge(invoiceId, round);
  }

  @Override
  public List<String> dueInvoices(Instant now, int limit) {
    return collection.dueInvoices(now, limit);
  }

  @Override
  public Optional<Bolt11Request> findBolt11(String invoiceId) {
    return collection.findBolt11(invoiceId);
  }

  @Override
  public Bolt11Request replaceBolt11(Bolt11Request fresh, Optional<String> expectedCurrent) {
    return collection.replaceBolt11(fresh, expectedCurrent);
  }

  @Override
  public void markBolt11Settled(String invoiceId, String bolt11, Instant at) {
    collection.markBolt11Settled(invoiceId, bolt11, at);
  }

  @Override
  public List<Bolt11Request> unsettledBolt11sOfEndedInvoices(
      Instant expiringAfter, Optional<Bolt11Request> after, int limit) {
    return collection.unsettledBolt11sOfEndedInvoices(expiringAfter, after, limit);
  }

  // ---- the catalogue's history (S15) ----

  @Override
  public Optional<PlanCatalogue> catalogue() {
    return catalogueHistory.catalogue();
  }

  @Override
  public OptionalLong catalogueVersion() {
    return catalogueHistory.catalogueVersion();
  }

  @Override
  public PlanCatalogue seedCatalogue(PlanCatalogue seed) {
    return catalogueHistory.seedCatalogue(seed);
  }

  @Override
  public Optional<Instant> billedThrough() {
    return catalogueHistory.billedThrough();
  }

  @Override
  public boolean addPlanVersion(
      PlanCatalogue.Version version, long catalogueRead, Optional<Instant> billedThroughRead) {
    return catalogueHistory.addPlanVersion(version, catalogueRead, billedThroughRead);
  }

  // ---- coupons (S21) ----

  @Override
  public Optional<PlanCatalogue.Coupon> defineCoupon(PlanCatalogue.Coupon coupon) {
    return coupons.define(coupon);
  }

  @Override
  public Optional<PlanCatalogue.Coupon> findCoupon(String code) {
    return coupons.find(code);
  }

  @Override
  public Optional<CouponRedemption> redeemCoupon(CouponRedemption redemption) {
    return coupons.redeem(redemption);
  }
}
