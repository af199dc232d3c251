package dev.caravel.billing.spi;

import dev.caravel.billing.Activity;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PlanCatalogue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The ledger's storage. Many engine instances may share one repository at once, so every method
 * that changes state is <b>atomic</b> (all of it happens or none of it does) and <b>idempotent or
 * guarded</b> as its javadoc says: running it twice, or on two instances at the same moment, never
 * yields a second item, a second renewal, a second invoice for the same items, or a second payment.
 * A storage failure throws {@link StorageException} and leaves nothing half-written.
 *
 * <p>Batch methods let a page of tenants take a few statements; each entry stays all-or-nothing.
 * Where the engine chooses among writes of one kind, one method records them all and a sealed value
 * names the choice: {@link CollectionChange} for an open invoice outside a round ({@link
 * #changeCollection}), {@link RoundEnd} for the end of a round under its lease ({@link #endRound}).
 * Coupons are kept by the {@link CouponStorage} part. Every implementation must pass
 * billing-testkit's contract kit ({@code dev.caravel.billing.testkit.RepositoryContract});
 * billing-core's README, "Writing a storage", says how.
 */
public interface Repository extends CouponStorage {

  // ---- tenants ----

  /** Creates or replaces the tenant's details; billing state (anchor, marks) is untouched. */
  void saveTenant(Tenant tenant);

  Optional<Tenant> findTenant(String pubkey);

  /** Up to {@code limit} tenant pubkeys above {@code after} (null: from the start), ascending. */
  List<String> tenantPage(String after, int limit);

  // ---- due tracking (S17) ----

  /**
   * Takes up to {@code limit} tenants with work due at {@code now}, each until {@code now + ttl},
   * for {@code instance}'s poll cycle {@code cycle}, so that instances polling at once share the
   * work instead of each doing all of it. A tenant is due when it has unbilled activity or items
   * that may need claiming (every write that adds either makes it due at once; an append also ends
   * any take of it), or when the start of the period after its last renewed one has come. Only a
   * tenant with an anchor has items that may need claiming: a claim is for a period, and periods
   * start at the anchor, so an adjustment leaves a tenant without one as it is (the append or
   * anchoring charge that gives it one makes it due). A {@link #claim} of the tenant moves its next
   * due instant to the claim's period end, if that is the start of the period after the last
   * renewed one and no activity is unbilled; otherwise the tenant stays due. {@link
   * #recordBillingFailure} moves it to the instant it names.
   *
   * <p>A tenant under a live take of another instance, or of this same cycle, is not taken, so two
   * callers at once never both get it and a cycle ends; one under a live take of an earlier cycle
   * of the same instance is taken again, so a cycle run again after a failure (a page that failed,
   * a take whose answer was lost) redoes what the failed one left. Taking is only a hint: the
   * engine's other guards keep the ledger right if two instances do a tenant at once. Costs what is
   * due, not what was ever recorded: a poll with nothing due reads no tenant's log.
   */
  List<String> takeDueTenants(String instance, String cycle, Instant now, Duration ttl, int limit);

  // ---- activity ----

  /**
   * Appends one activity the engine admitted, atomically with respect to every other write for its
   * tenant, as a compare-and-set on the tenant's log as the engine read it ({@code read}, one of
   * {@link #ledgers}' answers; empty: the tenant did not exist). In order:
   *
   * <ol>
   *   <li>an activity stored under the id already, of any tenant, is returned ({@link
   *       ActivityWrite.IdTaken}) and nothing is written: ids are unique across all tenants (items
   *       are keyed by them), and the engine judges whether it is this one (a retry) or not;
   *   <li>if the log moved since {@code read} (its activity count, anchor, last renewed period or
   *       trial differ, or the tenant exists now while {@code read} is empty), nothing is written
   *       ({@link ActivityWrite.LogMoved}): the engine reads again and judges again;
   *   <li>otherwise it creates the tenant if it is unknown, records {@code anchoring} if it has no
   *       anchor (S1, S20), records the relay a {@code CREATE_RELAY} creates, appends the activity
   *       at the end of the log (its count, its latest instant) and makes the tenant due (see
   *       {@link #takeDueTenants}): {@link ActivityWrite.Appended}.
   * </ol>
   *
   * <p>Of racing appends from one read, one at most is appended. Whether the log admits the
   * activity is the engine's to judge; unique constraints (one activity per id, one relay per
   * tenant and name) are the storage's last line of defence.
   */
  ActivityWrite appendActivity(Activity activity, Optional<TenantLedger> read, Anchoring anchoring);

  /** The activity stored under {@code id}, of any tenant. */
  Optional<Activity> findActivity(String id);

  /**
   * One ledger per tenant asked for that exists, in the order asked; unknown tenants are skipped.
   * Each is read from one consistent view: the tenant's snapshot, the activities at or after its
   * point (never the whole history once a period with a snapshot was renewed), its latest
   * activity's instant, and its unclaimed total as {@link #unclaimedTotals} would answer it.
   */
  List<TenantLedger> ledgers(List<String> tenants);

  // ---- reconciliation, renewal, claim ----

  /**
   * Records each reconciliation atomically: its item (if any) inserted and its activity marked
   * billed together. An activity already billed is skipped, so an activity never yields two items.
   * Returns how many were applied.
   *
   * <p>With {@code pricedWith} present (the {@link #catalogueVersion} the items were priced by),
   * the batch is applied only if the stored catalogue is still at that version, checked under a
   * lock that every catalogue write conflicts with, so that a price change committing meanwhile
   * never leaves an item priced by the catalogue before it (S15): when the version moved nothing is
   * applied and 0 is returned, and the engine prices again. Empty: unchecked.
   */
  int recordReconciliations(List<Reconciliation> reconciliations, OptionalLong pricedWith);

  /**
   * Applies each renewal atomically, in list order, and only if the tenant's last renewed period is
   * then {@code period - 1} and its activity count is still {@code logSize}: its items inserted and
   * the mark moved to {@code period}, its event appended: a period is renewed at most once, never
   * from a stale log. A renewal's snapshot becomes the tenant's, in the same transaction, when
   * every activity of the tenant is billed then (see {@link Renewal}). Returns how many applied.
   *
   * <p>With {@code pricedWith} present, applied only if the stored catalogue is still at that
   * version, as {@link #recordReconciliations} says; 0 when it moved. Empty: unchecked.
   */
  int applyRenewals(List<Renewal> renewals, OptionalLong pricedWith);

  /**
   * For each tenant asked for, in the order asked (once each), its items on no invoice yet: their
   * exact sum and count ({@link UnclaimedTotal#none} when it has none, or is unknown), each read at
   * one moment. What the engine decides a {@link Claim} from.
   */
  List<UnclaimedTotal> unclaimedTotals(List<String> tenants);

  /**
   * Records the engine's claims, each atomically and only if the tenant's unclaimed items are still
   * the ones it decided from: under the tenant's lock, their sum and count are compared with {@code
   * claim.read()}. For a claim that matches:
   *
   * <ul>
   *   <li>if {@code claim.invoice()}, it creates the invoice (total {@code claim.total()}, due for
   *       its first payment round at {@code createdAt}) and puts every one of those items on it, so
   *       an item is never on two invoices, and appends {@link BillingEvent#invoiceCreated} of it;
   *       if {@code claim.carried()} (S25), closed by {@code claim.closure()} and never due, with
   *       {@code claim.carriedItem(id)} inserted unclaimed and {@link BillingEvent#carried}
   *       instead;
   *   <li>with a {@link Claim#discount}, only if the tenant's latest redemption is still the one
   *       named with the uses read (else as moved): its item ({@link Claim#discountItem}) is put on
   *       the invoice and the redemption's uses grow by one; an invoice {@link Claim#settledAtOnce}
   *       is created paid by it, appending {@link BillingEvent#paid} too;
   *   <li>either way the tenant's next due instant moves to the claim's period end, if that period
   *       starts at its renewal mark's start (the anchor's when none) and no activity of it is
   *       unbilled; otherwise it stays due, keeping the poll's take (see {@link #takeDueTenants}).
   * </ul>
   *
   * <p>A claim whose tenant's items moved since the read writes nothing and leaves the tenant due,
   * keeping the take: the next visit decides again. Returns the invoices created, in claim order.
   *
   * <p>Invoice numbers: the repository draws one number per invoice made from its own counter, in
   * the claim's transaction, in the order of the claims, and never for a claim that makes none; the
   * first number is 1. Numbers are gapless and never repeat across every instance sharing the
   * storage: a transaction that rolls back gives its numbers back. {@code numbering} turns a number
   * into the invoice's id; an id already taken is an InvalidInputException, nothing claimed.
   *
   * <p>What the items make (an invoice, its discount, whether it is carried) is the engine's
   * decision; the storage compares and records.
   */
  List<Invoice> claim(List<Claim> claims, InvoiceNumbering numbering);

  /**
   * Records that the engine could not bill a tenant, atomically: appends {@code failure} (a {@code
   * TENANT_BILLING_FAILED} event, {@link BillingEvent#billingFailed}) and, if the tenant exists,
   * moves its next due instant to {@code retryAt} and ends any take of it, so the poll tries it
   * again then and not before (an append or adjustment meanwhile makes it due at once, as ever).
   * Nothing else of the tenant changes. The engine decides that it failed and when to retry; the
   * storage only records it.
   */
  void recordBillingFailure(BillingEvent failure, Instant retryAt);

  // ---- adjustments, closing, refunds (S14) ----

  /**
   * Inserts a hand adjustment ({@link InvoiceItem#forAdjustment}) as an unclaimed item of its
   * tenant, with {@code event} (the {@code CREDITED} or {@code CHARGED} event the engine built),
   * atomically, if no item is stored under its id ({@code adj:<key>}) yet: insert-if-absent. When
   * one is, nothing is written and the stored item is returned ({@link AdjustmentWrite.KeyTaken}),
   * whatever its content: the engine judges whether it is the same adjustment (a retry) or a
   * conflicting one. Racing calls with one id insert exactly one item. Items are unique by id,
   * never by {@code adjustmentKey}, which a refund's credit may share (see {@link InvoiceItem}).
   *
   * <p>With {@code anchorIfUnset}, a tenant with no anchor gets the adjustment's instant as its
   * anchor, in the same transaction and under the lock {@link #appendActivity} takes, so that a
   * first activity racing it either set the anchor first (and it stays) or finds the log moved (and
   * the engine judges it again against this anchor). An anchor that is set is never moved. The
   * engine decides when to ask (a charge on a tenant that has no activity yet, so that it is
   * invoiced); the storage only records it. The tenant is made due (see {@link #takeDueTenants})
   * when it has an anchor afterwards.
   *
   * @throws dev.caravel.billing.InvalidInputException nothing recorded: the tenant is unknown
   */
  AdjustmentWrite recordAdjustment(
      InvoiceItem adjustment, BillingEvent event, boolean anchorIfUnset);

  /**
   * Records the engine's decision for an open invoice outside a round, as a compare-and-set:
   * applies {@code change} atomically, under the invoice's row lock (or in one guarded statement),
   * only if the invoice is still unpaid and not closed and its collection state is still exactly
   * {@code expected}, field by field (rounds, round open, first and next attempt, lease end, hold),
   * as {@link #collectionState} read it before the engine decided, so a decision made on a stale
   * read is never recorded. True only for the call that applied it; false, writing nothing, for an
   * unknown invoice or one that moved (the engine reads again and decides again).
   *
   * <ul>
   *   <li>{@link CollectionChange.Reschedule}: the hold, if any, ends and the next attempt becomes
   *       the one given; nothing else of the collection state changes.
   *   <li>{@link CollectionChange.Close}: the closure is recorded, the next attempt, lease and hold
   *       are cleared and no round is open, so it is never leased again; its items stay on it, so
   *       they are never claimed again. Its event is appended as given, and the tenant's standing
   *       check is due by the closure's instant (see {@link #standingChecksDue}).
   * </ul>
   *
   * <p>Whether the change is allowed (no money moving, the hold named, the round closed) is the
   * engine's to decide ({@code InvoiceLifecycle}); the storage only compares and records.
   */
  boolean changeCollection(String invoiceId, CollectionState expected, CollectionChange change);

  /** Every refund recorded against the invoice, in the order recorded. */
  List<Payment.Refund> refunds(String invoiceId);

  Optional<Payment.Refund> findRefund(String key);

  /**
   * Records a refund the engine decided on, atomically, only if the refunds recorded against its
   * invoice are still the {@code refundsRead} ones it decided from: a compare-and-set on their
   * count, under the invoice's row lock (refunds are never deleted, so an unchanged count is an
   * unchanged set; a refund that moved to {@code FAILED} meanwhile only frees room, so the decision
   * stays safe). In order: a refund stored under the key already is returned ({@link
   * RefundWrite.KeyTaken}, whatever its content, for the engine to compare) and nothing is written;
   * a count that moved writes nothing ({@link RefundWrite.RefundsMoved}: the engine reads and
   * decides again); otherwise the refund is inserted with {@code credit} (its {@link
   * InvoiceItem#forRefundCredit credit item}, id {@code refund:<key>}, unclaimed, beside any
   * adjustment whatever its key; its tenant made due) and {@code event}, if present ({@link
   * RefundWrite.Recorded}). The key is unique across all invoices, the last line of defence.
   *
   * <p>The engine decides everything else, before it calls: that the invoice is paid and its
   * tenant's, and that the refunds that {@link Payment.Refund#takesFromPayment take from the
   * payment} plus this one stay within its total.
   *
   * @throws dev.caravel.billing.InvalidInputException nothing recorded: no such invoice
   */
  RefundWrite recordRefund(
      Payment.Refund refund,
      int refundsRead,
      Optional<InvoiceItem> credit,
      Optional<BillingEvent> event);

  /**
   * Stores {@code moved} (the same refund with a new status and reference) with {@code event},
   * atomically, only if the refund stored under its key still has the status of {@code read}: a
   * compare-and-set on the status the engine decided from. True only for the call that moved it; of
   * racing moves of one refund exactly one wins. False for an unknown key. The engine decides which
   * moves are allowed ({@code PENDING} or {@code OWED} to {@code DONE}, {@code PENDING} to {@code
   * FAILED}) and builds the event; the storage only records it. Statuses never return to an earlier
   * one, so a status that is still the one read means nothing moved the refund meanwhile.
   *
   * @throws IllegalArgumentException {@code moved} is not {@code read} with another status and
   *     reference (another key, invoice, amount...)
   */
  boolean moveRefund(Payment.Refund read, Payment.Refund moved, BillingEvent event);

  // ---- standing (S13) ----

  /**
   * What the engine judges each tenant's standing from: for each tenant asked for that exists, in
   * the order asked (unknown ones skipped, each once), the standing stored, the tenant's standing
   * revision, and the collection state of each of its open (unpaid, not closed) invoices, in
   * invoice order. A tenant's read is taken at one moment (one statement, or one snapshot), and its
   * revision no later than its invoices: a write committed between the two reads must show in the
   * invoices, never in the revision alone. A page of tenants costs one read, not one per tenant.
   */
  List<StandingRead> readStandings(List<String> tenants);

  /**
   * Records each of the engine's verdicts if, and only if, its tenant's standing revision is still
   * {@code verdict.readRevision()}, each atomically: stores its standing and recheck instant
   * (empty: none, the tenant's check is no longer due), bumps the revision, and appends its {@code
   * STANDING_CHANGED} event when it carries one. Returns the verdicts recorded, in the order given;
   * one left out wrote nothing: its revision moved (a write that may move the standing, or another
   * verdict, came first: the caller reads again and judges again) or its tenant is unknown. Of two
   * verdicts judged from one revision, one at most is recorded, so a change is told once. A page of
   * verdicts costs one write, not one per tenant.
   *
   * @throws IllegalArgumentException two verdicts of one tenant in the list
   */
  List<StandingVerdict> recordStandings(List<StandingVerdict> verdicts);

  /**
   * Up to {@code limit} tenants whose stored recheck instant is at or before {@code now}, so the
   * poll visits only tenants whose standing may have changed. Besides the verdict's recheck
   * instant, every write that may move a tenant's standing (a round finished or held, a hold ended,
   * a payment, a closure) makes its check due by that write's instant ({@code lease.until()} for a
   * finished round), and bumps its standing revision, in the same transaction: if the engine's
   * refresh right after it fails, the poll still judges the tenant, and a verdict judged before it
   * is not recorded ({@link #recordStandings}).
   */
  List<String> standingChecksDue(Instant now, int limit);

  // ---- the durable event feed (S16) ----

  /**
   * Up to {@code limit} events with ids above {@code afterId}, ascending. Ids are positive, grow
   * with commit order, and an id once read is never followed by a smaller one committing later.
   */
  List<BillingEvent> events(long afterId, int limit);

  // ---- reading the ledger ----

  Optional<Invoice> findInvoice(String invoiceId);

  List<Invoice> invoices(String tenant);

  /** Every item of the tenant, claimed or not, oldest first (by time, then order written). */
  List<InvoiceItem> items(String tenant);

  /** The invoice's items, oldest first (by time, then in the order written). */
  List<InvoiceItem> invoiceItems(String invoiceId);

  /** The tenant's items on no invoice yet, oldest first. */
  List<InvoiceItem> unclaimedItems(String tenant);

  Optional<CollectionState> collectionState(String invoiceId);

  // ---- collecting payment ----

  /**
   * Leases an invoice for one payment round, under the invoice's row lock, if and only if it is
   * <b>due</b>: unpaid, its next attempt at or before {@code now}, and no live lease on it. This
   * one rule guards every path into a round, so a round never starts early, and never while a
   * charge is pending (a hold leaves no next attempt). If the last round was finished, the lease
   * starts round {@code rounds + 1}; if it was left open (outcome unknown, or its holder crashed),
   * the lease resumes that same round. While the lease lives the invoice's next attempt is the
   * lease's end, so a round whose holder dies is due again exactly when its lease runs out. Empty
   * when not due.
   */
  Optional<PaymentLease> acquireLease(String invoiceId, String owner, Instant now, Duration ttl);

  /**
   * Ends the round {@code lease} holds as the engine decided ({@link RoundEnd}), atomically (under
   * the invoice's row lock, or in one guarded statement), only if the lease still holds: its token
   * is still the invoice's, so a holder whose lease ran out and was taken over, or whose round was
   * ended already, ends nothing and gets {@link RoundEnded.LeaseLost}. An end written clears the
   * lease; none gives a paid invoice a next attempt or a hold. By case:
   *
   * <ul>
   *   <li>{@link RoundEnd.Finished}: closes the round (the next lease starts round {@code rounds +
   *       1}) and schedules the next attempt at {@code nextAttemptAt} (empty: none), and makes the
   *       tenant's standing check due by {@code lease.until()} (see {@link #standingChecksDue}).
   *   <li>{@link RoundEnd.Held}: closes the round with no next attempt, holding the invoice for the
   *       rail's answer or a person ({@link CollectionHold}, any reason): no round starts, by poll
   *       or by hand, until the hold is released or the invoice is paid or closed ({@link
   *       #changeCollection}). Appends its event as given (the engine's {@code PAYMENT_PENDING} or
   *       {@code NEEDS_ATTENTION}, {@link BillingEvent#held}) and makes the tenant's standing check
   *       due by the event's instant. An invoice paid meanwhile keeps no hold and gets no event: a
   *       paid invoice carries no hold.
   *   <li>{@link RoundEnd.LeftOpen}: gives the lease up leaving its round open, due again at {@code
   *       nextAttemptAt}, so the next lease resumes the same round ({@link PaymentLease#resumed}).
   *   <li>{@link RoundEnd.Paid}: a round's rail took the money: {@link #markPaid}'s write, made
   *       whether or not the lease still holds (money is recorded whatever became of the round),
   *       and, if the lease still holds, the round finished with no next round, as {@code Finished}
   *       with none, as one step (one transaction); answers {@link RoundEnded.PaymentRecorded} with
   *       {@code markPaid}'s answer, never {@code LeaseLost}. A paid invoice is never due again, so
   *       a round that another holder took over meanwhile is left to it.
   * </ul>
   *
   * <p>Answers {@link RoundEnded.Recorded} when the lease held and the end was written, and {@link
   * RoundEnded.LeaseLost}, writing nothing, when it did not (for every end but {@code Paid}). Which
   * end, and when, is the engine's to decide ({@code InvoiceLifecycle}); the storage only checks
   * the lease and records.
   */
  RoundEnded endRound(PaymentLease lease, RoundEnd end);

  /**
   * Records money that reached the invoice, as one conditional write, atomically (under the
   * invoice's row lock, or in one guarded statement), and answers which write it made ({@link
   * PaymentRecord}):
   *
   * <ul>
   *   <li>if the invoice is open (unpaid, not closed), it sets {@code payment} as the invoice's
   *       payment (a compare-and-set on "open"), ends any hold, clears the next attempt so that it
   *       is never scheduled or leased again, makes the tenant's standing check due by {@code
   *       payment.paidAt()} (see {@link #standingChecksDue}), and appends {@code
   *       events.asPayment()}: {@code PAID};
   *   <li>otherwise, if the invoice holds the reference neither as its payment nor as a second
   *       payment, it inserts the (invoice, reference) second payment and appends {@code
   *       events.asSecondPayment()}: {@code SECOND_PAYMENT};
   *   <li>otherwise (and for an unknown invoice) it writes nothing: {@code NOTHING}.
   * </ul>
   *
   * <p>Which write happens is decided by what is stored at the write: of two payments of one open
   * invoice racing, exactly one sets the payment and the other is a second payment; racing calls
   * with one reference insert it once. The events are appended as the engine built them. A payment
   * never changes once set, and a closed invoice never becomes paid.
   */
  PaymentRecord markPaid(String invoiceId, Payment payment, PaymentEvents events);

  /**
   * Notes the card a round is about to charge, unless one is noted for that round already: returns
   * whichever is noted afterwards (insert-if-absent), so a resumed round charges the same card as
   * before even if the customer's default changed meanwhile.
   */
  CardCharge noteCardCharge(CardCharge charge);

  /** The card noted for the invoice's round, if any. */
  Optional<CardCharge> findCardCharge(String invoiceId, int round);

  /** Unpaid invoices whose next round is due at {@code now} and that no live lease holds. */
  List<String> dueInvoices(Instant now, int limit);

  // ---- BOLT11 (S10) ----

  /** The invoice's current BOLT11 request. */
  Optional<Bolt11Request> findBolt11(String invoiceId);

  /**
   * Installs {@code fresh} as the invoice's request if the current one is still {@code
   * expectedCurrent} (by bolt11 string; empty: none yet). Returns whichever request is current
   * afterwards, so two racing callers agree on one.
   */
  Bolt11Request replaceBolt11(Bolt11Request fresh, Optional<String> expectedCurrent);

  /** Marks the invoice's request {@code bolt11} settled at {@code at}, if it is not already. */
  void markBolt11Settled(String invoiceId, String bolt11, Instant at);

  /**
   * Up to {@code limit} current BOLT11 requests (each invoice's live one, as {@link #findBolt11}
   * returns it) that are not marked settled, expire after {@code expiringAfter}, and belong to an
   * invoice that is paid, voided or written off, ascending by (expiry, invoice id), strictly after
   * {@code after} in that order (empty: from the first). A request made before its invoice ended
   * can still be paid until it expires: the engine asks the service wallet about each, so that such
   * a payment is reported as needing a refund (S18). Costs what it returns plus the unsettled
   * requests expiring after {@code expiringAfter} (an index on the expiry of unsettled requests):
   * requests live for an hour, so this is the recent ones, never the history.
   */
  List<Bolt11Request> unsettledBolt11sOfEndedInvoices(
      Instant expiringAfter, Optional<Bolt11Request> after, int limit);

  // ---- the catalogue's history (S15) ----

  /**
   * The stored catalogue: its currency and every plan's versions. Empty before {@link
   * #seedCatalogue} first ran. The engine reads it after the ledgers it prices, so a version that
   * an activity or renewal depends on is always seen (see {@link #addPlanVersion}).
   */
  Optional<PlanCatalogue> catalogue();

  /**
   * A number that changes whenever the stored catalogue does, cheap to read, so the engine may keep
   * the catalogue and read it again only when this moved (read, like the catalogue, after the
   * ledgers it prices). Empty: not tracked, read the catalogue each time.
   */
  default OptionalLong catalogueVersion() {
    return OptionalLong.empty();
  }

  /**
   * Seeds the stored catalogue from the one a host configured, atomically and idempotently: if none
   * is stored, stores the seed's currency; then, only if the stored currency is the seed's, stores
   * every version of each seed plan that has <b>no</b> version stored yet (a plan already stored is
   * never touched: its history is only ever extended by {@link #addPlanVersion}). Returns the
   * stored catalogue afterwards, for the caller to compare with its seed.
   */
  PlanCatalogue seedCatalogue(PlanCatalogue seed);

  /**
   * The latest activity, or latest renewed period start, of any tenant (empty: neither): every
   * written item is of a period starting at or before it, what the catalogue guard reads (S15).
   */
  Optional<Instant> billedThrough();

  /**
   * Adds one version to a stored plan's history, atomically, as a compare-and-set on what the
   * engine judged it from: only if the stored catalogue is still at {@code catalogueRead} (its
   * {@link #catalogueVersion}) and {@link #billedThrough} is still {@code billedThroughRead},
   * compared under the lock that every catalogue write, and every item write checked against a
   * catalogue version ({@link #recordReconciliations}, {@link #applyRenewals}), conflicts with; the
   * catalogue version moves with it. True when added; false, nothing written, when either moved
   * (the engine reads again and judges again). A storage that offers this tracks its catalogue
   * version ({@link #catalogueVersion} is never empty).
   *
   * <p>The engine decides the rest (the plan is stored, no other version at that instant, nothing
   * written is repriced: S15). Racing changes from one read add one version at most.
   */
  boolean addPlanVersion(
      PlanCatalogue.Version version, long catalogueRead, Optional<Instant> billedThroughRead);
}
