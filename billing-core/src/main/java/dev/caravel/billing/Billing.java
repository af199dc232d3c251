package dev.caravel.billing;

import dev.caravel.billing.spi.Repository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The billing engine. Record what tenants do with {@link #record}; the engine keeps the ledger
 * (S1–S8), makes invoices ({@link #generateInvoice}), collects them (S9–S11) and, once {@link
 * #start started}, polls every tenant (S12). Several instances may share one {@link Repository}.
 * Thread-safe. A thin facade: each concern is a package-private part.
 */
public final class Billing implements AutoCloseable {
  /** The largest price, adjustment or refund, in minor units: 10^12 (README, "Bounded input"). */
  public static final long MAX_AMOUNT = 1_000_000_000_000L;

  private final CatalogueHistory catalogueHistory;
  private final Bookkeeping bookkeeping;
  private final Previews previews;
  private final Standings standings;
  final PaymentCollection collection; // package-private: tests look at its worker threads
  private final RailCallbacks railCallbacks;
  private final Adjustments adjustments;
  private final Coupons coupons;
  private final Closing closing;
  private final Refunds refunds;
  private final EventFeed eventFeed;
  private final Poll poll;
  private final InvoiceLinks links;

  Billing(EngineSettings settings) {
    PaymentCascade cascade = new PaymentCascade(settings);
    this.catalogueHistory = new CatalogueHistory(settings);
    this.bookkeeping = new Bookkeeping(settings, catalogueHistory);
    this.previews = new Previews(settings, catalogueHistory, bookkeeping);
    this.standings = new Standings(settings);
    this.collection = new PaymentCollection(settings, cascade, standings);
    this.railCallbacks = new RailCallbacks(settings, cascade, standings);
    this.adjustments = new Adjustments(settings);
    this.coupons = new Coupons(settings);
    this.closing = new Closing(settings, cascade, standings);
    this.refunds = new Refunds(settings);
    this.eventFeed = new EventFeed(settings);
    this.poll = new Poll(settings, bookkeeping, collection, standings);
    this.links = settings.links();
  }

  /** A builder of the engine; {@link BillingBuilder} says what it needs, with an example. */
  public static BillingBuilder builder() {
    return new BillingBuilder();
  }

  /** The catalogue stored with the ledger (S15), with every plan's price history. */
  public PlanCatalogue catalogue() {
    return catalogueHistory.storedCatalogue();
  }

  /** {@link #changePrice(String, long, Instant, boolean)}, grandfathering as the builder says. */
  public boolean changePrice(String planId, long amount, Instant effective) {
    return catalogueHistory.changePrice(planId, amount, effective);
  }

  /**
   * S15: a plan's price is {@code amount} (0 to {@link #MAX_AMOUNT}) from each tenant's first term
   * starting at or after {@code effective} (after now and all activity); {@code grandfathered}
   * relays keep theirs. Idempotent; refused with {@link PlanCatalogue.ChangeRejectedException}.
   */
  public boolean changePrice(String planId, long amount, Instant effective, boolean grandfathered) {
    return catalogueHistory.changePrice(planId, amount, effective, grandfathered);
  }

  /**
   * Retires a plan from {@code effective}: no activity then may choose it ({@code PLAN_RETIRED});
   * relays on it keep being billed. Rules as {@link #changePrice}; final ({@code RETIRED}).
   */
  public boolean retirePlan(String planId, Instant effective) {
    return catalogueHistory.retirePlan(planId, effective);
  }

  /** The invoice, paid or not. */
  public Optional<Invoice> invoice(String invoiceId) {
    return bookkeeping.invoice(invoiceId);
  }

  /** The invoice's page link ({@link BillingBuilder#linkSecret}); its DM carries it. */
  public String invoiceLink(String invoiceId) {
    return links.link(invoiceId);
  }

  /**
   * The invoice a page link opens; empty alike for an unknown id and a wrong or missing token
   * (checked first, in constant time), so both get one 404.
   */
  public Optional<Invoice> invoiceByLink(String invoiceId, String token) {
    return links.open(invoiceId, token, bookkeeping);
  }

  /** The tenant's own page link, a token of its own ({@link BillingBuilder#linkSecret}). */
  public String accountLink(String tenant) {
    return links.accountLink(tenant);
  }

  /** The tenant an account link opens; empty alike for a wrong token and an unknown tenant. */
  public Optional<String> accountByLink(String tenant, String token) {
    return links.openAccount(tenant, token, bookkeeping);
  }

  /** The tenant's invoices, oldest first. */
  public List<Invoice> invoices(String tenant) {
    return bookkeeping.invoices(tenant);
  }

  /** What an invoice is made of, oldest first. Empty for an unknown invoice. */
  public List<InvoiceItem> invoiceItems(String invoiceId) {
    return bookkeeping.invoiceItems(invoiceId);
  }

  /** The sum of the tenant's items on no invoice yet (negative: a credit carried over, S7). */
  public long unbilledBalance(String tenant) {
    return bookkeeping.unbilledBalance(tenant);
  }

  /**
   * Saves how a tenant pays (its tax kept): an NWC URI, checked and sealed for this tenant under
   * the cipher's current key (saving again re-seals), and a Stripe customer id; null: none.
   */
  public void saveTenant(String pubkey, String nwcUri, String stripeCustomerId) {
    bookkeeping.saveTenant(pubkey, nwcUri, stripeCustomerId);
  }

  /** S24: the tenant's tax for the invoices claimed from now on ({@link #saveTenant} keeps it). */
  public void setTax(String tenant, Invoice.TaxSetting tax) {
    bookkeeping.setTax(tenant, Optional.of(tax)); // null: NullPointerException
  }

  /** S24: no tax on the invoices claimed from now on. */
  public void clearTax(String tenant) {
    bookkeeping.setTax(tenant, Optional.empty());
  }

  /** S20: a trial of 1 to 365 days from the tenant's first activity, given before it comes. */
  public void startTrial(String tenant, int days) {
    bookkeeping.startTrial(tenant, days);
  }

  /** Whether the tenant has an NWC wallet connection on file (never the URI itself). */
  public boolean walletConnected(String tenant) {
    return bookkeeping.profile(tenant).flatMap(t -> t.sealedNwcUri()).isPresent();
  }

  /** The tenant's Stripe customer id on file, if any: where its card is saved. */
  public Optional<String> stripeCustomer(String tenant) {
    return bookkeeping.profile(tenant).flatMap(t -> t.stripeCustomerId());
  }

  /**
   * Records one activity and reconciles its tenant; the same activity again returns false. Refused,
   * nothing recorded, with {@link ActivityRejectedException} saying why.
   */
  public boolean record(Activity activity) {
    return bookkeeping.record(activity);
  }

  /** S22: {@code plan} from the relay's term end, the instant answered; as a new activity now. */
  public Instant scheduleChange(String tenant, String relay, String plan) {
    return bookkeeping.scheduleChange(tenant, relay, plan);
  }

  /** S22: drops the relay's change scheduled for its term end, as a new activity now. */
  public void cancelScheduledChange(String tenant, String relay) {
    bookkeeping.cancelScheduledChange(tenant, relay);
  }

  /** Turns the tenant's unbilled activity into items (S5); safe any time, from anywhere. */
  public void reconcile(String tenant) {
    bookkeeping.reconcile(tenant);
  }

  /** Reconciles every tenant, a page at a time: for a host that may have missed events. */
  public void reconcileAll() {
    bookkeeping.reconcileAll();
  }

  /**
   * S7: reconciles, renews every period due (catching up), then claims all unclaimed items onto one
   * invoice if they sum above zero; empty when nothing is owed. Collect with {@link #collect}.
   */
  public Optional<Invoice> generateInvoice(String tenant) {
    return bookkeeping.generateInvoice(tenant);
  }

  /** S23: the invoice {@link #generateInvoice} would make now (empty: none), writing nothing. */
  public Optional<Invoice.Preview> preview(String tenant) {
    return previews.preview(tenant);
  }

  /** S23: the invoice the next period's start makes if nothing happens before, writing nothing. */
  public Optional<Invoice.Preview> upcoming(String tenant) {
    return previews.upcoming(tenant);
  }

  /**
   * Runs the invoice's payment round if due (S9): NWC wallet, saved card, then a DM with the link.
   * Never pays twice or early: otherwise {@link PaymentResult.Skipped skipped} with the reason.
   */
  public PaymentResult collect(String invoiceId) {
    return collection.collect(invoiceId);
  }

  /**
   * A manual retry ("card fixed"): a new round now. Skipped while a charge is pending or unknown
   * (it could charge twice), and when paid or being collected.
   */
  public PaymentResult retryNow(String invoiceId) {
    return collection.retryNow(invoiceId);
  }

  /**
   * Collects every invoice whose next round is due (S11), a page at a time, several at once ({@link
   * BillingBuilder#collectionConcurrency}); returns when all are done, in the repository's order.
   */
  public List<PaymentResult> collectDue() {
    return collection.collectDue();
  }

  /**
   * The invoice's BOLT11 request (S10): made once, reused until expired unpaid, then replaced; only
   * for an open invoice (S18), else {@link InvalidInputException}.
   */
  public Invoice.Bolt11Request bolt11(String invoiceId) {
    return collection.bolt11(invoiceId);
  }

  /**
   * A payment the host learned of itself (webhook, page, support): true if this call marked the
   * invoice paid. Another reference than the invoice's own is a second payment, reported for refund
   * ({@link BillingListener#refundNeeded}); the same reference again is the same payment.
   */
  public boolean settle(String invoiceId, PaymentMethod method, String reference) {
    return railCallbacks.settle(invoiceId, method, reference);
  }

  /**
   * The rail's late "no" for pending charge {@code reference}: the hold ends as a decline would
   * ({@code message} to the listener only). True if this call ended it: a webhook acts once.
   */
  public boolean chargeFailed(String invoiceId, String reference, String message) {
    return railCallbacks.chargeFailed(invoiceId, reference, message);
  }

  /** Ends a hold or needs-attention (S18) unless the rails say money moved or may move. */
  public boolean reopen(String invoiceId) {
    return railCallbacks.reopen(invoiceId);
  }

  /**
   * The rail refunded (part of) a payment ({@code charge.refunded}; {@code amountRefunded}: total
   * so far): told; a refund beyond the ledger's is recorded done once, {@code rail:<ref>:<amount>}.
   */
  public void chargeRefunded(String invoiceId, String reference, long amountRefunded) {
    railCallbacks.chargeRefunded(invoiceId, reference, amountRefunded);
  }

  /** Charge {@code reference} disputed ({@code charge.dispute.created}): told; stays paid. */
  public void chargeDisputed(
      Optional<String> invoiceId, String reference, String disputeId, long amount, String reason) {
    railCallbacks.chargeDisputed(invoiceId, reference, disputeId, amount, reason);
  }

  /** The tenant's standing now (GOOD if unknown), as the next round or poll stores it. */
  public Standing standing(String tenant) {
    return standings.standing(tenant);
  }

  /**
   * Credits the tenant {@code amount} (1 to {@link #MAX_AMOUNT}; "a month free"), a negative item
   * described by {@code reason} on its next invoice; more than is owed carries over (S7). True if
   * recorded now, false if this very credit was already; a key used for another adjustment is
   * {@link InvalidInputException.ConflictingKeyException}.
   */
  public boolean credit(String tenant, long amount, String reason, String key) {
    return adjustments.credit(tenant, amount, reason, key);
  }

  /**
   * Charges the tenant {@code amount} once, as an item on its next invoice; same rules as {@link
   * #credit}. On a tenant with no anchor yet, it sets the anchor (S1) to now.
   */
  public boolean charge(String tenant, long amount, String reason, String key) {
    return adjustments.charge(tenant, amount, reason, key);
  }

  /** Defines a coupon (S21); false if defined so already; another under its code: a conflict. */
  public boolean defineCoupon(PlanCatalogue.Coupon coupon) {
    return coupons.define(coupon);
  }

  /** Redeems a coupon for the tenant, replacing its coupon (S21); keyed like {@link #credit}. */
  public boolean redeemCoupon(String tenant, String code, String key) {
    return coupons.redeem(tenant, code, key);
  }

  /**
   * Voids an unpaid invoice: never collected again, its items never billed again. The rails are
   * asked first: waiting card charges are canceled; a charge that succeeded (or a settled BOLT11)
   * is its payment ({@link CloseResult.Reason#PAID refused}); money that may be moving refuses it
   * ({@link CloseResult.Reason#MONEY_MAY_BE_MOVING}). A BOLT11 paid later is reported for refund.
   */
  public CloseResult voidInvoice(String invoiceId, String reason) {
    return closing.voidInvoice(invoiceId, reason);
  }

  /** Writes an unpaid invoice off as uncollectible (owed, given up on); as {@link #voidInvoice}. */
  public CloseResult writeOff(String invoiceId, String reason) {
    return closing.writeOff(invoiceId, reason);
  }

  /** {@link #refund(String, long, String, String, Payment.Refund.Via)}, the default way. */
  public RefundResult refund(String invoiceId, long amount, String reason, String key) {
    return refunds.refund(invoiceId, amount, reason, key);
  }

  /**
   * Refunds {@code amount} (at most what the payment has left) of a paid invoice, idempotently on
   * {@code key}: the same request returns what the first did; a pending card refund is resent under
   * the same gateway key, one refused outright ends {@link RefundResult.Failed}, its amount free.
   * {@code via}: {@code CARD} through {@link PaymentGateway#refund}; {@code BY_HAND} owed until
   * {@link #refundPaid}; {@code CREDIT} as a credit item on the tenant's next invoice. A key used
   * for another refund: {@link InvalidInputException.ConflictingKeyException}; amounts 1 to {@link
   * #MAX_AMOUNT} (refund more in parts).
   */
  public RefundResult refund(
      String invoiceId, long amount, String reason, String key, Payment.Refund.Via via) {
    return refunds.refund(invoiceId, amount, reason, key, via);
  }

  /** The host paid an owed ({@code BY_HAND}) refund: true if this call recorded it done. */
  public boolean refundPaid(String key, String reference) {
    return refunds.refundPaid(key, reference);
  }

  /** Every refund recorded against the invoice, in the order recorded. */
  public List<Payment.Refund> refunds(String invoiceId) {
    return refunds.refunds(invoiceId);
  }

  /**
   * What the invoice comes to: billed (its total, tax included), paid, refunded (every refund,
   * money or credit, pending included) and net; {@link InvalidInputException} for no such invoice.
   */
  public Invoice.Balance balance(String invoiceId) {
    return refunds.balance(invoiceId);
  }

  /**
   * Up to {@code limit} (1 to 10,000) events of the durable feed after {@code afterId} (0: from the
   * start), oldest first: resuming after the last id handled sees every event at least once.
   */
  public List<BillingEvent> events(long afterId, int limit) {
    return eventFeed.events(afterId, limit);
  }

  /**
   * One poll cycle by hand: generate and collect for every tenant with work due, collect every
   * retry due, judge again standings that time alone may change (S13). Nothing due: no log read
   * (S17). A tenant whose billing fails is {@link BillingListener#billingFailed reported} and
   * skipped. The report grows with the day's invoices; {@link #countCycle} keeps only counts.
   */
  public CycleReport runCycle() {
    return poll.runCycle();
  }

  /** {@link #runCycle} in bounded memory: what the poll runs. */
  public CycleReport.Counts countCycle() {
    return poll.countCycle();
  }

  /** Starts polling every {@code pollInterval} on a daemon thread (a cycle runs at once). */
  public void start() {
    poll.start();
  }

  /**
   * Stops polling and the collection workers, letting the work under way finish (up to 30 seconds
   * each); the engine stays usable in the caller's thread.
   */
  @Override
  public void close() {
    poll.close();
  }
}
