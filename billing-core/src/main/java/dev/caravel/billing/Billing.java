package dev.caravel.billing;

import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The billing engine. Record what tenants do with {@link #record}; the engine keeps the ledger
 * (S1–S8), makes invoices ({@link #generateInvoice}), collects them (S9–S11) and, once {@link
 * #start started}, polls every tenant on a schedule (S12). Several instances may run against one
 * {@link Repository} at once. Thread-safe.
 *
 * <pre>{@code
 * Billing billing = Billing.builder()
 *     .repository(new InMemoryRepository())
 *     .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
 *     .messenger((pubkey, text) -> System.out.println(text))
 *     .appUrl("https://relays.example")
 *     .build();
 * billing.record(Activity.create("evt-1", tenant, "relay-1", "basic", Instant.parse("2025-01-31T10:00:00Z")));
 * billing.generateInvoice(tenant).ifPresent(invoice -> billing.collect(invoice.id()));
 * }</pre>
 */
public final class Billing implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  private final Settings settings;
  private final Repository repository;
  private final PaymentCascade cascade;

  /** Runs batches of rounds on worker threads (S17); see {@link Collector} for the threads. */
  private final Collector collector;

  /**
   * Guards {@link #poller}: {@link #start} and {@link #close} may race from the host's threads, and
   * must agree on at most one poller. Billing itself is not locked: the repository coordinates
   * every write, across threads and instances alike.
   */
  private final Object pollLock = new Object();

  /** The scheduled poll while started; null while stopped. Guarded by {@link #pollLock}. */
  private ScheduledExecutorService poller;

  /**
   * The stored catalogue as last read, with the repository's catalogue version it was read at: read
   * again only when that version moved, instead of once per page and per record().
   */
  private final AtomicReference<CachedCatalogue> cachedCatalogue = new AtomicReference<>();

  private record CachedCatalogue(long version, PlanCatalogue catalogue, Ledger rules) {
    /** The version items priced by this catalogue are applied under; empty when not tracked. */
    OptionalLong pricedWith() {
      return version == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(version);
    }

    boolean movedIn(Repository repository) {
      OptionalLong now = repository.catalogueVersion();
      return now.isPresent() && now.getAsLong() != version;
    }
  }

  private Billing(Settings settings) {
    this.settings = settings;
    this.repository = settings.repository();
    this.cascade = new PaymentCascade(settings);
    this.collector = new Collector(settings, this::collectSafely);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The catalogue as stored with the ledger (S15): the one every instance prices by, with every
   * plan's price history. The builder's catalogue only seeded it.
   */
  public PlanCatalogue catalogue() {
    return storedCatalogue();
  }

  private PlanCatalogue storedCatalogue() {
    return cached().catalogue();
  }

  /**
   * The stored catalogue, from the cache while the repository's catalogue version has not moved.
   * The version is read now, like the catalogue would be, so a caller reading it after the ledgers
   * sees every version an activity or renewal in them depends on (S15). Should the catalogue change
   * between the two reads, the cache holds a newer catalogue under an older version, and the next
   * call reads it again: harmless.
   */
  private CachedCatalogue cached() {
    OptionalLong version = repository.catalogueVersion();
    CachedCatalogue current = cachedCatalogue.get();
    if (version.isPresent() && current != null && current.version() == version.getAsLong()) {
      return current;
    }
    PlanCatalogue read =
        repository
            .catalogue()
            .orElseThrow(() -> new StorageException("the repository holds no catalogue"));
    CachedCatalogue fresh =
        new CachedCatalogue(version.orElse(Long.MIN_VALUE), read, new Ledger(read));
    if (version.isPresent()) {
      cachedCatalogue.set(fresh);
    }
    return fresh;
  }

  // ---- the catalogue's history (S15) ----

  /**
   * Changes a plan's price from {@code effective} on, for every instance sharing the repository.
   * Relays already on the plan keep their price if the builder's {@link
   * Builder#grandfatherByDefault} says so; see {@link #changePrice(String, long, Instant,
   * boolean)}.
   */
  public boolean changePrice(String planId, long amount, Instant effective) {
    return changePrice(planId, amount, effective, settings.grandfather());
  }

  /**
   * Changes a plan's price to {@code amount} (0 to {@link MoneyLimits#MAX_AMOUNT}) from {@code
   * effective} on, for each tenant from the start of its first period that begins at or after
   * {@code effective} (S15): every item of that period and later ones, renewal, proration or
   * credit, is priced {@code amount}, while a period already begun keeps its price to its end, so a
   * credit returns exactly what was charged. With {@code grandfathered}, the relays already on the
   * plan when the change reaches their tenant keep the price they had until their plan changes;
   * relays choosing the plan in the tenant's later periods pay {@code amount}. Idempotent: the same
   * change again returns false and changes nothing.
   *
   * <p>Only the future can be repriced, so that the items stay a function of the activity log, the
   * catalogue history and the instants billing ran (S8): {@code effective} must be strictly after
   * now, and strictly after every activity recorded and every period start renewed, of any tenant.
   *
   * @throws PlanCatalogue.ChangeRejectedException the change was refused ({@link
   *     PlanCatalogue.ChangeRejectedException#reason() reason()} says why); nothing was stored
   * @throws InvalidInputException an amount out of range or an instant with a fraction of a second
   */
  public boolean changePrice(String planId, long amount, Instant effective, boolean grandfathered) {
    Checks.id(planId, "plan id");
    Checks.amount(amount, "plan amount");
    Checks.instant(effective, "effective instant");
    PlanCatalogue.Version current = versionAt(planId, effective);
    // A retired plan keeps billing its relays, so repricing them stays possible.
    boolean retired = storedCatalogue().retiredSince(planId, effective).isPresent();
    return addVersion(
        new PlanCatalogue.Version(
            planId, current.name(), amount, effective, retired, grandfathered));
  }

  /**
   * Retires a plan from {@code effective} on: no activity at or after it may choose the plan
   * ({@link ActivityRejectedException.Reason#PLAN_RETIRED}), while the relays already on it keep
   * being billed at the price they have. Same rules and idempotence as {@link #changePrice}.
   *
   * <p><b>A retirement is final; it wins over later versions.</b> Price changes dated after {@code
   * effective}, whether made before or after this call, never make the plan choosable again: they
   * only reprice the relays still on it (so {@code changePrice(basic, 800, Jun 1)} then {@code
   * retirePlan(basic, Mar 1)} leaves Basic closed to new relays from Mar 1 on, and its relays at
   * 800 from their first period starting at or after Jun 1). A second retirement after the first is
   * refused ({@code RETIRED}); the same one again is a no-op.
   */
  public boolean retirePlan(String planId, Instant effective) {
    Checks.id(planId, "plan id");
    Checks.instant(effective, "effective instant");
    PlanCatalogue.Version current = versionAt(planId, effective);
    Optional<Instant> retiredSince = storedCatalogue().retiredSince(planId, effective);
    if (retiredSince.isPresent() && !retiredSince.get().equals(effective)) {
      throw new PlanCatalogue.ChangeRejectedException(
          PlanCatalogue.ChangeRejectedException.Reason.RETIRED,
          "plan \"" + planId + "\" is retired since " + retiredSince.get());
    }
    // Grandfathered, so the retirement reprices nobody.
    return addVersion(
        new PlanCatalogue.Version(planId, current.name(), current.amount(), effective, true, true));
  }

  /** The stored version in effect at {@code effective} (or the plan's first, if none is yet). */
  private PlanCatalogue.Version versionAt(String planId, Instant effective) {
    PlanCatalogue stored = storedCatalogue();
    List<PlanCatalogue.Version> history = stored.history(planId);
    if (history.isEmpty()) {
      throw new PlanCatalogue.ChangeRejectedException(
          PlanCatalogue.ChangeRejectedException.Reason.UNKNOWN_PLAN,
          "plan \"" + planId + "\" is not in the catalogue");
    }
    return stored.versionAt(planId, effective).orElse(history.get(0));
  }

  /** Stores a version unless stored already; only the future may change (see changePrice). */
  private boolean addVersion(PlanCatalogue.Version version) {
    if (storedCatalogue().history(version.plan()).contains(version)) {
      return false;
    }
    Instant now = settings.now();
    // S15: a version at E prices the periods starting at or after E. A period start at or before
    // now may be renewed by any instance at any moment, and the repository refuses E at or before
    // any recorded activity or renewed start, so no item, written or due, is ever repriced.
    if (!version.effective().isAfter(now)) {
      throw new PlanCatalogue.ChangeRejectedException(
          PlanCatalogue.ChangeRejectedException.Reason.NOT_IN_FUTURE,
          "a catalogue change must take effect after now ("
              + now
              + "), got "
              + version.effective()
              + ": items before it may be billed already");
    }
    if (settings.paymentGateway() != null) {
      // A price the card rail could never charge is refused now, not at the first renewal.
      settings
          .paymentGateway()
          .checkCurrency(PlanCatalogue.withHistory(storedCatalogue().currency(), List.of(version)));
    }
    return repository.addPlanVersion(version);
  }

  // ---- reading the ledger ----

  /** The invoice, paid or not. */
  public Optional<Invoice> invoice(String invoiceId) {
    return repository.findInvoice(Checks.id(invoiceId, "invoice id"));
  }

  /** The tenant's invoices, oldest first. */
  public List<Invoice> invoices(String tenant) {
    return repository.invoices(Checks.pubkey(tenant, "tenant"));
  }

  /** What an invoice is made of, oldest first. Empty for an unknown invoice. */
  public List<InvoiceItem> invoiceItems(String invoiceId) {
    return repository.invoiceItems(Checks.id(invoiceId, "invoice id"));
  }

  /**
   * The sum of the tenant's items on no invoice yet, in minor units: what the next invoice starts
   * from. Negative when credits carry over (S7). Items are written by reconciliation and renewal;
   * call {@link #reconcile} first for a figure that includes activity just recorded.
   */
  public long unbilledBalance(String tenant) {
    long sum = 0;
    for (InvoiceItem item : repository.unclaimedItems(Checks.pubkey(tenant, "tenant"))) {
      sum = Math.addExact(sum, item.amount());
    }
    return sum;
  }

  // ---- tenants ----

  /**
   * Saves how a tenant pays: an NWC URI (sealed with the {@link SecretCipher} before it is stored;
   * null for none) and a Stripe customer id (null for none).
   */
  public void saveTenant(String pubkey, String nwcUri, String stripeCustomerId) {
    Checks.pubkey(pubkey, "tenant pubkey");
    String sealed = null;
    if (nwcUri != null) {
      if (settings.cipher() == null) {
        throw new IllegalStateException("storing an NWC URI needs a SecretCipher on the builder");
      }
      if (settings.walletConnector() != null) {
        settings.walletConnector().validate(nwcUri);
      }
      sealed = settings.cipher().seal(nwcUri);
    }
    repository.saveTenant(
        new Tenant(pubkey, Optional.ofNullable(sealed), Optional.ofNullable(stripeCustomerId)));
  }

  // ---- activity and the ledger ----

  /**
   * Records one activity and reconciles its tenant at once. Idempotent on the activity's id:
   * recording the same activity again returns false and changes nothing.
   *
   * @throws ActivityRejectedException when the activity is refused (unknown plan or relay, a second
   *     create, out of order, inside a period already billed, a retired plan, dated more than the
   *     builder's {@link Builder#futureSkew} after now); nothing was recorded
   */
  public boolean record(Activity activity) {
    Checks.notNull(activity, "activity");
    ActivityAdmission.check(activity, this::storedCatalogue, settings.now(), settings.futureSkew());
    boolean appended = repository.appendActivity(activity);
    try {
      reconcile(activity.tenant());
    } catch (StorageException e) {
      // The activity is safely recorded; the next reconciliation or poll bills it.
      LOG.log(
          Level.WARNING,
          "recorded activity {0} but could not reconcile yet: {1}",
          activity.id(),
          e.getMessage());
    }
    return appended;
  }

  /** Turns the tenant's unbilled activity into items (S5). Safe to call any time, from anywhere. */
  public void reconcile(String tenant) {
    reconcile(List.of(Checks.pubkey(tenant, "tenant")));
  }

  /**
   * Reconciles every tenant, a page at a time: what the host calls when it may have missed events.
   */
  public void reconcileAll() {
    forEachPage(this::reconcile);
  }

  private void reconcile(List<String> tenants) {
    reconcileLedgers(repository.ledgers(tenants));
  }

  private void reconcileLedgers(List<TenantLedger> ledgers) {
    if (ledgers.isEmpty()) {
      return;
    }
    // Priced by the catalogue read after the ledgers; the repository refuses the items if a price
    // change committed since (S15), and they are priced again by the new one.
    for (int attempt = 0; attempt < 3; attempt++) {
      CachedCatalogue catalogue = cached();
      List<Reconciliation> work = new ArrayList<>();
      for (TenantLedger l : ledgers) {
        work.addAll(catalogue.rules().reconcile(l));
      }
      if (work.isEmpty()
          || repository.recordReconciliations(work, catalogue.pricedWith()) > 0
          || !catalogue.movedIn(repository)) {
        return;
      }
    }
  }

  /**
   * S7: reconciles, renews every period due (catching up missed ones), then claims all of the
   * tenant's unclaimed items onto one invoice if they sum above zero. Empty when nothing is owed.
   * No payment is attempted; see {@link #collect}.
   */
  public Optional<Invoice> generateInvoice(String tenant) {
    List<Invoice> made = generate(List.of(Checks.pubkey(tenant, "tenant")), settings.now());
    return made.isEmpty() ? Optional.empty() : Optional.of(made.get(0));
  }

  /**
   * One read of the page's ledgers serves all three steps: renewals don't depend on what was
   * reconciled, a renewal computed from a log that moved since is refused by the repository and
   * read again, and anchors never move.
   */
  private List<Invoice> generate(List<String> tenants, Instant now) {
    List<TenantLedger> ledgers = repository.ledgers(tenants);
    reconcileLedgers(ledgers);
    renew(ledgers, now);
    List<Claim> claims = new ArrayList<>();
    for (TenantLedger l : ledgers) {
      if (l.anchor().isEmpty() || now.isBefore(l.anchor().get())) {
        continue;
      }
      Period period = new BillingPeriods(l.anchor().get()).periodAt(now);
      claims.add(
          new Claim(
              l.tenant(), period.start(), period.end(), settings.catalogue().currency(), now));
    }
    List<Invoice> created =
        claims.isEmpty()
            ? List.of()
            : repository.claim(claims, (number, claim) -> settings.invoiceId(number));
    created.forEach(invoice -> settings.notify(listener -> listener.invoiceCreated(invoice)));
    return created;
  }

  /**
   * S6 for a page of tenants. A renewal refused because the log moved under it (an activity
   * appended meanwhile) is computed again from a fresh read, a bounded number of times.
   */
  private void renew(List<TenantLedger> ledgers, Instant now) {
    List<TenantLedger> current = ledgers;
    for (int attempt = 0; attempt < 5 && !current.isEmpty(); attempt++) {
      if (attempt > 0) {
        // The activity that moved the log is billed before renewing over it, so the renewal's
        // snapshot (S17) can advance past it.
        reconcileLedgers(current);
      }
      List<Renewal> due = new ArrayList<>();
      CachedCatalogue catalogue = cached();
      for (TenantLedger l : current) {
        due.addAll(catalogue.rules().renewalsDue(l, now));
      }
      if (due.isEmpty()) {
        return;
      }
      // Refused whole if a price change committed since the catalogue was read: computed again.
      int applied = repository.applyRenewals(due, catalogue.pricedWith());
      if (applied == due.size()) {
        return;
      }
      current = repository.ledgers(due.stream().map(Renewal::tenant).distinct().toList());
    }
  }

  // ---- payment ----

  /**
   * Runs the invoice's payment round if one is due (S9): Lightning via the tenant's NWC wallet,
   * then the saved card, then a DM with a payment link. Never pays an invoice twice, and never
   * starts a round early: an invoice that is not due ({@code NOT_DUE}), held for a pending charge
   * ({@code PAYMENT_PENDING}), being collected elsewhere, or paid is {@link PaymentResult.Skipped
   * skipped} with the reason. To retry early by hand, see {@link #retryNow}.
   */
  public PaymentResult collect(String invoiceId) {
    return round(Checks.id(invoiceId, "invoice id"), null);
  }

  /**
   * One round, by hand or from the collector's workers; a round that ran may move the tenant's
   * standing. {@code known}: the invoice and tenant read already (null: read them here).
   */
  private PaymentResult round(String invoiceId, PaymentCascade.Known known) {
    PaymentResult result = cascade.collect(invoiceId, known);
    if (!(result instanceof PaymentResult.Skipped)) {
      if (known != null) {
        refreshStanding(known.invoice().tenant());
      } else {
        refreshStandingOf(invoiceId);
      }
    }
    return result;
  }

  /**
   * A manual retry ("the tenant fixed their card, try now"): makes the invoice due at once and runs
   * a round. Refused, as a {@link PaymentResult.Skipped} with its reason, while a charge is pending
   * ({@code PAYMENT_PENDING}) or a rail's outcome is unknown ({@code OUTCOME_UNKNOWN}): a new round
   * then could take the money twice. Also skipped when paid or being collected.
   */
  public PaymentResult retryNow(String invoiceId) {
    Checks.id(invoiceId, "invoice id");
    Instant now = settings.now();
    if (!repository.scheduleNow(invoiceId, now)) {
      return new PaymentResult.Skipped(invoiceId, cascade.whyNot(invoiceId, now));
    }
    return collect(invoiceId);
  }

  /**
   * Collects every invoice whose next round is due (S11), up to a page at a time, several at once
   * ({@link Builder#collectionConcurrency}); returns when all of them are done, their results in
   * the order the repository listed them.
   */
  public List<PaymentResult> collectDue() {
    Instant now = settings.now();
    return collector.collectAll(repository.dueInvoices(now, settings.pageSize()));
  }

  /**
   * The invoice's BOLT11 request to present to the tenant (S10): made once, reused while settled or
   * unexpired, replaced once expired unpaid. If it has settled meanwhile (paid out of band), the
   * invoice is marked paid before it is returned.
   */
  public Bolt11Request bolt11(String invoiceId) {
    Invoice invoice =
        repository
            .findInvoice(Checks.id(invoiceId, "invoice id"))
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    if (invoice.isClosed()) {
      throw new InvalidInputException(
          "invoice " + invoiceId + " is " + invoice.status() + ": it is not to be paid");
    }
    Bolt11Request request = cascade.ensureBolt11(invoice, settings.now());
    if (!invoice.isPaid() && cascade.settledOnServiceWallet(request)) {
      cascade.paidOutOfBand(invoice, request);
      refreshStanding(invoice.tenant());
      return repository.findBolt11(invoiceId).orElse(request);
    }
    return request;
  }

  /**
   * Records a payment the host learned of itself (a Stripe webhook for a pending charge, a payment
   * page, support). True if this call marked the invoice paid; false if it already was, or is
   * closed. A payment with another reference than the invoice's own is a second payment: the
   * listener's {@link BillingListener#refundNeeded} and a {@code REFUND_NEEDED} event tell the host
   * to give it back. The same reference again is the same payment, and nothing is reported.
   */
  public boolean settle(String invoiceId, PaymentMethod method, String reference) {
    Invoice invoice =
        repository
            .findInvoice(Checks.id(invoiceId, "invoice id"))
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    Payment payment = new Payment(method, reference, settings.now());
    boolean mine = repository.markPaid(invoiceId, payment);
    if (mine) {
      settings.notify(l -> l.paymentSucceeded(invoice, payment));
      // Paid by another rail (or a webhook): a card charge left waiting for the customer must not
      // take the money a second time.
      cascade.cancelOpenCharges(invoice, reference, 0);
      refreshStanding(invoice.tenant());
    } else {
      cascade.secondPayment(invoiceId, payment);
    }
    return mine;
  }

  /**
   * The rail's late "no" for a pending charge (Stripe's {@code payment_intent.payment_failed} or
   * {@code payment_intent.canceled}): ends the {@code PAYMENT_PENDING} hold for charge {@code
   * reference}, and the round ends as a decline would have: one DM with {@code message} (a short
   * customer-facing text) and the payment link, and the next round per the retry schedule (now, if
   * its time has passed; none once the schedule is used up). True if this call ended the hold;
   * false (nothing done) if the invoice is paid, unknown to the hold, or held for another charge,
   * so a webhook delivered twice, or to two instances, acts once.
   */
  public boolean chargeFailed(String invoiceId, String reference, String message) {
    Invoice invoice =
        repository
            .findInvoice(Checks.id(invoiceId, "invoice id"))
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    Checks.text(reference, "reference");
    Checks.text(message, "message");
    Instant now = settings.now();
    CollectionState state = repository.collectionState(invoiceId).orElseThrow();
    if (state.firstAttemptAt().isEmpty()) {
      return false;
    }
    Optional<Instant> next =
        cascade
            .nextRound(state.rounds(), state.firstAttemptAt().get())
            .map(at -> at.isBefore(now) ? now : at);
    if (!repository.releaseHold(
        invoiceId, new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, reference), next)) {
      return false;
    }
    settings.notify(l -> l.paymentFailed(invoice, Rail.STRIPE, message));
    cascade.askToPay(invoice, new DirectMessages.Failure("stripe", message));
    refreshStanding(invoice.tenant());
    return true;
  }

  /**
   * Ends a {@code OUTCOME_UNKNOWN} hold (needs attention, S18) once a person has checked the
   * gateway and found that the held round's charge did not go through: the next round is due at
   * once, under a new key. Looks at the gateway first and refuses (false) if it now says the money
   * moved (the invoice is then settled) or may still move; false too if not so held.
   */
  public boolean reopen(String invoiceId) {
    Invoice invoice =
        repository
            .findInvoice(Checks.id(invoiceId, "invoice id"))
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    CollectionState state = repository.collectionState(invoiceId).orElseThrow();
    Optional<CollectionHold> hold =
        state.hold().filter(h -> h.reason() == CollectionHold.Reason.OUTCOME_UNKNOWN);
    if (hold.isEmpty() || invoice.isPaid()) {
      return false;
    }
    Optional<String> customer =
        repository.findTenant(invoice.tenant()).flatMap(Tenant::stripeCustomerId);
    if (customer.isPresent() && settings.paymentGateway() != null) {
      PaymentGateway.ChargeLookup found;
      settings.collection().pace(Rail.STRIPE);
      try {
        found =
            settings
                .paymentGateway()
                .findCharge(customer.get(), invoiceId, state.rounds(), Optional.empty());
      } catch (RuntimeException e) {
        found = new PaymentGateway.ChargeLookup.Unavailable(PaymentCascade.safeMessage(e));
      }
      if (found instanceof PaymentGateway.ChargeLookup.Found f) {
        if (f.state() == PaymentGateway.ChargeState.SUCCEEDED) {
          settle(invoiceId, PaymentMethod.STRIPE, f.reference());
          return false;
        }
        if (f.state() == PaymentGateway.ChargeState.PROCESSING
            || f.state() == PaymentGateway.ChargeState.REQUIRES_ACTION) {
          return false;
        }
      }
    }
    boolean reopened = repository.releaseHold(invoiceId, hold.get(), Optional.of(settings.now()));
    if (reopened) {
      refreshStanding(invoice.tenant());
    }
    return reopened;
  }

  /**
   * The rail refunded (part of) a payment of this invoice (Stripe's {@code charge.refunded}): tells
   * the listener ({@link BillingListener#paymentRefunded}). {@code amountRefunded} is the total
   * refunded so far, in ledger minor units. A refund made on the rail itself (the gateway's
   * dashboard), beyond the card refunds the ledger holds for the invoice, is recorded as a done
   * card refund keyed {@code rail:<reference>:<amountRefunded>}, so a webhook delivered twice
   * records it once.
   */
  public void chargeRefunded(String invoiceId, String reference, long amountRefunded) {
    Invoice invoice =
        repository
            .findInvoice(Checks.id(invoiceId, "invoice id"))
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    Checks.text(reference, "reference");
    if (amountRefunded < 0) {
      throw new InvalidInputException(
          "a refunded amount cannot be negative, got " + amountRefunded);
    }
    LOG.log(
        Level.WARNING,
        "invoice {0}: charge {1} refunded {2} so far",
        invoiceId,
        reference,
        amountRefunded);
    recordRailRefund(invoice, reference, amountRefunded);
    settings.notify(l -> l.paymentRefunded(invoice, reference, amountRefunded));
  }

  private void recordRailRefund(Invoice invoice, String reference, long amountRefunded) {
    if (!invoice.isPaid() || !invoice.payment().get().reference().equals(reference)) {
      return;
    }
    long known = 0;
    for (Payment.Refund r : repository.refunds(invoice.id())) {
      if (r.via() == Payment.Refund.Via.CARD) {
        known += r.amount();
      }
    }
    long extra = Math.min(amountRefunded, invoice.total()) - known;
    if (extra <= 0) {
      return;
    }
    String key = "rail:" + reference + ":" + amountRefunded;
    if (key.length() > Checks.MAX_ID_LENGTH) {
      key = "rail:" + Integer.toHexString(key.hashCode()) + ":" + amountRefunded;
    }
    try {
      Payment.Refund recorded =
          repository.recordRefund(
              new Payment.Refund(
                  key,
                  invoice.id(),
                  invoice.tenant(),
                  extra,
                  "refunded on the rail",
                  Payment.Refund.Via.CARD,
                  Payment.Refund.Status.DONE,
                  Optional.of(reference),
                  settings.now()));
      settings.notify(l -> l.refundRecorded(invoice, recorded));
    } catch (InvalidInputException e) {
      LOG.log(
          Level.WARNING,
          "invoice {0}: could not record the rail''s refund: {1}",
          invoice.id(),
          e.getMessage());
    }
  }

  /**
   * The cardholder disputed charge {@code reference} (Stripe's {@code charge.dispute.created}):
   * logged and told to the listener ({@link BillingListener#paymentDisputed}), with the invoice if
   * known. The ledger is unchanged: the invoice stays paid until the dispute is decided.
   */
  public void chargeDisputed(
      Optional<String> invoiceId, String reference, String disputeId, long amount, String reason) {
    Checks.notNull(invoiceId, "invoiceId");
    Checks.text(reference, "reference");
    Checks.text(disputeId, "disputeId");
    Optional<Invoice> invoice = invoiceId.flatMap(repository::findInvoice);
    LOG.log(
        Level.WARNING, "charge {0} disputed ({1}, {2}): {3}", reference, disputeId, reason, amount);
    settings.notify(l -> l.paymentDisputed(invoice, reference, disputeId, amount, reason));
  }

  // ---- standing (S13) ----

  /**
   * A tenant's standing, from its open invoices and their dunning rounds (S13). The library never
   * suspends relays: the host does, on {@link BillingListener#standingChanged} or a {@code
   * STANDING_CHANGED} event.
   */
  public enum Standing {
    /** Nothing overdue. */
    GOOD,
    /** An open invoice has failed a payment round (by default: its first). */
    PAST_DUE,
    /** An open invoice is unpaid well after its first attempt (by default: 14 days). */
    SUSPENDED
  }

  /**
   * The tenant's standing now: a pure function of its invoices, their payments and rounds, and the
   * clock. The stored standing, and with it the event, follows at the next payment round or poll.
   * GOOD for an unknown tenant.
   */
  public Standing standing(String tenant) {
    Checks.pubkey(tenant, "tenant");
    List<CollectionState> open = new ArrayList<>();
    for (Invoice invoice : repository.invoices(tenant)) {
      if (invoice.isOpen()) {
        repository.collectionState(invoice.id()).ifPresent(open::add);
      }
    }
    return settings.standingRule().judge(open, settings.now()).standing();
  }

  private void refreshStandingOf(String invoiceId) {
    repository.findInvoice(invoiceId).ifPresent(i -> refreshStanding(i.tenant()));
  }

  /** Judges and stores the tenant's standing; a change is an event. Never fails the caller. */
  private void refreshStanding(String tenant) {
    try {
      repository
          .refreshStanding(tenant, settings.now(), settings.standingRule())
          .ifPresent(
              e ->
                  settings.notify(
                      l ->
                          l.standingChanged(
                              tenant,
                              Standing.valueOf(e.reference().orElseThrow()),
                              Standing.valueOf(e.detail()))));
    } catch (RuntimeException e) {
      // The tenant's recheck instant is unchanged, so the poll judges it again.
      LOG.log(
          Level.WARNING,
          "could not refresh the standing of {0}: {1}",
          tenant,
          PaymentCascade.safeMessage(e));
    }
  }

  /**
   * Judges again every tenant whose standing may have changed by time alone (its stored recheck
   * instant has come), a page at a time: the cost is the tenants due, not the ledger's size.
   */
  private int refreshDueStandings(Instant now) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    while (true) {
      List<String> due = repository.standingChecksDue(now, settings.pageSize());
      boolean progress = false;
      for (String tenant : due) {
        if (seen.add(tenant)) {
          refreshStanding(tenant);
          progress = true;
        }
      }
      // A tenant whose refresh failed keeps its instant and comes back: don't spin on it.
      if (due.size() < settings.pageSize() || !progress) {
        return seen.size();
      }
    }
  }

  // ---- adjustments (S14) ----

  /**
   * A key given again with other content: what an idempotent operation (an adjustment, a refund)
   * can't treat as a retry. Nothing was recorded.
   */
  public static final class ConflictingKeyException extends InvalidInputException {
    public ConflictingKeyException(String message) {
      super(message);
    }
  }

  /**
   * Credits the tenant {@code amount} (positive, minor units) with a reason (support: "a month
   * free"), as a negative item on its next invoice with {@code reason} as its description. Like
   * every credit, it is claimed only with items that sum above zero: a credit bigger than what is
   * owed carries over (S7). Idempotent on {@code key}: true if recorded now, false if this very
   * credit was recorded already.
   *
   * @throws ConflictingKeyException the key was used for another adjustment
   * @throws InvalidInputException an unknown tenant, an amount not from 1 to {@link
   *     MoneyLimits#MAX_AMOUNT}, a blank reason or key
   */
  public boolean credit(String tenant, long amount, String reason, String key) {
    return adjust(tenant, amount, reason, key, -1);
  }

  /**
   * Charges the tenant {@code amount} (positive, minor units) once, as an item on its next invoice
   * with {@code reason} as its description. Same rules as {@link #credit}.
   */
  public boolean charge(String tenant, long amount, String reason, String key) {
    return adjust(tenant, amount, reason, key, 1);
  }

  private boolean adjust(String tenant, long amount, String reason, String key, int sign) {
    Checks.pubkey(tenant, "tenant");
    Checks.text(reason, "reason");
    Checks.id(key, "key");
    Checks.positiveAmount(amount, "an adjustment amount");
    InvoiceItem item =
        InvoiceItem.forAdjustment(tenant, sign * amount, reason.strip(), key, settings.now());
    boolean recorded = repository.recordAdjustment(item);
    if (recorded) {
      settings.notify(l -> l.adjustmentRecorded(item));
    }
    return recorded;
  }

  // ---- voids and write-offs (S14) ----

  /** What {@link #voidInvoice} or {@link #writeOff} did. */
  public sealed interface CloseResult {
    /** This call closed the invoice. */
    record Closed(Invoice invoice) implements CloseResult {}

    /** Closed the same way before: nothing changed. */
    record AlreadyClosed(Invoice invoice) implements CloseResult {}

    /** Not closed, because of {@code reason}. */
    record Refused(String invoiceId, Reason reason) implements CloseResult {}

    enum Reason {
      NO_SUCH_INVOICE,
      /** Paid: refund it instead. */
      PAID,
      /** Closed the other way (voided vs written off). */
      CLOSED_OTHERWISE,
      /**
       * A payment round is running, its outcome is unknown, or a charge is pending: money may be
       * moving. Wait for the round, the rail's answer ({@link Billing#chargeFailed}, {@link
       * Billing#settle}) or {@link Billing#reopen}, then close it.
       */
      MONEY_MAY_BE_MOVING
    }
  }

  /**
   * Voids an unpaid invoice that should not have been issued: it is never collected again (no
   * round, no lease, no BOLT11), keeps {@code reason}, and its items stay on it, so they are never
   * billed again. Refused, never forced, while money may be moving for it ({@link
   * CloseResult.Reason#MONEY_MAY_BE_MOVING}): cancelling a round in flight could lose a charge that
   * went through. Card charges of earlier rounds still waiting for the customer are canceled. A
   * payment that arrives anyway (a BOLT11 paid late) is not taken: it is reported as needing a
   * refund.
   */
  public CloseResult voidInvoice(String invoiceId, String reason) {
    return close(invoiceId, Invoice.Status.VOID, reason);
  }

  /**
   * Writes an unpaid invoice off as uncollectible: owed, but given up on. Same rules as {@link
   * #voidInvoice}.
   */
  public CloseResult writeOff(String invoiceId, String reason) {
    return close(invoiceId, Invoice.Status.UNCOLLECTIBLE, reason);
  }

  private CloseResult close(String invoiceId, Invoice.Status status, String reason) {
    Checks.id(invoiceId, "invoice id");
    Checks.text(reason, "reason");
    Invoice.Closure closure = new Invoice.Closure(status, reason.strip(), settings.now());
    if (repository.closeInvoice(invoiceId, closure)) {
      Invoice closed = repository.findInvoice(invoiceId).orElseThrow();
      settings.notify(l -> l.invoiceClosed(closed));
      cascade.cancelOpenCharges(closed, status.name().toLowerCase(java.util.Locale.ROOT), 0);
      refreshStanding(closed.tenant());
      return new CloseResult.Closed(closed);
    }
    Optional<Invoice> found = repository.findInvoice(invoiceId);
    if (found.isEmpty()) {
      return new CloseResult.Refused(invoiceId, CloseResult.Reason.NO_SUCH_INVOICE);
    }
    Invoice invoice = found.get();
    if (invoice.isPaid()) {
      return new CloseResult.Refused(invoiceId, CloseResult.Reason.PAID);
    }
    if (invoice.isClosed()) {
      return invoice.status() == status
          ? new CloseResult.AlreadyClosed(invoice)
          : new CloseResult.Refused(invoiceId, CloseResult.Reason.CLOSED_OTHERWISE);
    }
    return new CloseResult.Refused(invoiceId, CloseResult.Reason.MONEY_MAY_BE_MOVING);
  }

  // ---- refunds (S14) ----

  /** What {@link #refund} did. */
  public sealed interface RefundResult {
    /**
     * Recorded: refunded by the rail or as a credit ({@code DONE}), or owed and to be paid by hand
     * ({@code OWED}, see {@link Billing#refundPaid}).
     */
    record Recorded(Payment.Refund refund) implements RefundResult {}

    /**
     * Sent to the gateway without a definite answer (or the gateway says the charge has nothing
     * left to refund): the amount is reserved; call again with the same key.
     */
    record Pending(Payment.Refund refund, String message) implements RefundResult {}

    record Refused(String invoiceId, Reason reason, String message) implements RefundResult {}

    enum Reason {
      NO_SUCH_INVOICE,
      NOT_PAID,
      /** More than what the payment has left unrefunded. */
      EXCEEDS_PAYMENT,
      /** A card refund of a payment that was not made by card, or with no gateway to make it. */
      NOT_A_CARD_PAYMENT
    }
  }

  /**
   * Refunds {@code amount} of a paid invoice: through the gateway for a card payment, otherwise as
   * the builder's {@link Builder#nonCardRefunds} says (by default owed, paid by hand). See {@link
   * #refund(String, long, String, String, Payment.Refund.Via)}.
   */
  public RefundResult refund(String invoiceId, long amount, String reason, String key) {
    Invoice invoice = repository.findInvoice(Checks.id(invoiceId, "invoice id")).orElse(null);
    Payment.Refund.Via via =
        invoice != null
                && invoice.payment().map(p -> p.method() == PaymentMethod.STRIPE).orElse(false)
            ? Payment.Refund.Via.CARD
            : settings.nonCardRefunds();
    return refund(invoiceId, amount, reason, key, via);
  }

  /**
   * Refunds {@code amount} (minor units, at most what the payment has left unrefunded) of a paid
   * invoice, idempotently on {@code key}: the same request again returns what the first did, and a
   * card refund left pending is sent again under the same gateway idempotency key, so it is never
   * made twice. {@code via}: {@code CARD} through {@link PaymentGateway#refund} (card payments
   * only); {@code BY_HAND} recorded as owed, the host pays it and calls {@link #refundPaid}; {@code
   * CREDIT} as a credit item on the tenant's next invoice.
   *
   * @throws ConflictingKeyException the key was used for another refund
   * @throws InvalidInputException an amount not from 1 to {@link MoneyLimits#MAX_AMOUNT} (a larger
   *     refund is made in parts), a blank reason or key
   */
  public RefundResult refund(
      String invoiceId, long amount, String reason, String key, Payment.Refund.Via via) {
    Checks.id(invoiceId, "invoice id");
    Checks.text(reason, "reason");
    Checks.id(key, "key");
    Checks.notNull(via, "via");
    Checks.positiveAmount(amount, "a refund amount");
    Optional<Invoice> found = repository.findInvoice(invoiceId);
    if (found.isEmpty()) {
      return new RefundResult.Refused(
          invoiceId, RefundResult.Reason.NO_SUCH_INVOICE, "no invoice " + invoiceId);
    }
    Invoice invoice = found.get();
    if (!invoice.isPaid()) {
      return new RefundResult.Refused(
          invoiceId, RefundResult.Reason.NOT_PAID, "invoice " + invoiceId + " is not paid");
    }
    Payment payment = invoice.payment().get();
    Payment.Refund asked =
        new Payment.Refund(
            key,
            invoiceId,
            invoice.tenant(),
            amount,
            reason.strip(),
            via,
            switch (via) {
              case CARD -> Payment.Refund.Status.PENDING;
              case BY_HAND -> Payment.Refund.Status.OWED;
              case CREDIT -> Payment.Refund.Status.DONE;
            },
            Optional.empty(),
            settings.now());
    Optional<Payment.Refund> existing = repository.findRefund(key);
    if (existing.isEmpty()) {
      if (via == Payment.Refund.Via.CARD
          && (payment.method() != PaymentMethod.STRIPE || settings.paymentGateway() == null)) {
        return new RefundResult.Refused(
            invoiceId,
            RefundResult.Reason.NOT_A_CARD_PAYMENT,
            "invoice "
                + invoiceId
                + " was paid by "
                + payment.method().wireName()
                + (settings.paymentGateway() == null ? " and there is no gateway" : "")
                + ": refund it BY_HAND or as a CREDIT");
      }
      long left = invoice.total();
      for (Payment.Refund r : repository.refunds(invoiceId)) {
        left -= r.amount();
      }
      if (amount > left) {
        return new RefundResult.Refused(
            invoiceId,
            RefundResult.Reason.EXCEEDS_PAYMENT,
            "invoice " + invoiceId + " has " + left + " left to refund, not " + amount);
      }
    }
    Payment.Refund recorded;
    if (existing.isPresent()) {
      recorded = existing.get();
    } else {
      try {
        recorded = repository.recordRefund(asked);
      } catch (ConflictingKeyException e) {
        throw e;
      } catch (InvalidInputException e) {
        // Another refund took what was left meanwhile: the repository's guard, under the lock.
        return new RefundResult.Refused(
            invoiceId, RefundResult.Reason.EXCEEDS_PAYMENT, e.getMessage());
      }
    }
    if (!recorded.sameRequest(asked)) {
      throw new ConflictingKeyException(
          "refund key " + key + " was used already for another refund (" + recorded + ")");
    }
    if (existing.isEmpty() && recorded.status() != Payment.Refund.Status.PENDING) {
      Payment.Refund made = recorded;
      settings.notify(l -> l.refundRecorded(invoice, made));
    }
    if (recorded.status() != Payment.Refund.Status.PENDING) {
      return new RefundResult.Recorded(recorded);
    }
    return sendCardRefund(invoice, payment, recorded);
  }

  /** Sends (or sends again, same key) a pending card refund; done once the gateway made it. */
  private RefundResult sendCardRefund(Invoice invoice, Payment payment, Payment.Refund refund) {
    PaymentGateway.RefundOutcome outcome;
    try {
      outcome =
          settings
              .paymentGateway()
              .refund(
                  payment.reference(),
                  refund.amount(),
                  invoice.currency(),
                  "caravel-refund-" + refund.key());
    } catch (RuntimeException e) {
      outcome = new PaymentGateway.RefundOutcome.Unknown(PaymentCascade.safeMessage(e));
    }
    if (outcome instanceof PaymentGateway.RefundOutcome.Refunded r) {
      Instant now = settings.now();
      repository.completeRefund(refund.key(), r.refundId(), now);
      Payment.Refund done = repository.findRefund(refund.key()).orElseThrow();
      settings.notify(l -> l.refundRecorded(invoice, done));
      return new RefundResult.Recorded(done);
    }
    String message =
        outcome instanceof PaymentGateway.RefundOutcome.AlreadyRefunded a
            ? "the gateway says charge " + a.reference() + " has nothing left to refund; check it"
            : ((PaymentGateway.RefundOutcome.Unknown) outcome).message();
    LOG.log(
        Level.WARNING,
        "refund {0} of invoice {1} pending: {2}",
        refund.key(),
        invoice.id(),
        message);
    return new RefundResult.Pending(refund, message);
  }

  /**
   * The host paid an owed ({@code BY_HAND}) refund: records it done with the host's {@code
   * reference}. True if this call did; false if unknown, not owed, or done already.
   */
  public boolean refundPaid(String key, String reference) {
    Checks.id(key, "key");
    Checks.text(reference, "reference");
    Optional<Payment.Refund> owed =
        repository.findRefund(key).filter(r -> r.status() == Payment.Refund.Status.OWED);
    if (owed.isEmpty() || !repository.completeRefund(key, reference, settings.now())) {
      return false;
    }
    Payment.Refund done = repository.findRefund(key).orElseThrow();
    repository
        .findInvoice(done.invoiceId())
        .ifPresent(i -> settings.notify(l -> l.refundRecorded(i, done)));
    return true;
  }

  /** Every refund recorded against the invoice, in the order recorded. */
  public List<Payment.Refund> refunds(String invoiceId) {
    return repository.refunds(Checks.id(invoiceId, "invoice id"));
  }

  /**
   * What the invoice comes to: billed, paid, refunded (every refund recorded, money or credit,
   * pending ones included) and net.
   *
   * @throws InvalidInputException no such invoice
   */
  public Invoice.Balance balance(String invoiceId) {
    Invoice invoice =
        repository
            .findInvoice(Checks.id(invoiceId, "invoice id"))
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    long paid = invoice.isPaid() ? invoice.total() : 0;
    long refunded = 0;
    for (Payment.Refund r : repository.refunds(invoiceId)) {
      refunded = Math.addExact(refunded, r.amount());
    }
    return new Invoice.Balance(invoiceId, invoice.total(), paid, refunded, paid - refunded);
  }

  // ---- the durable event feed (S16) ----

  /**
   * Up to {@code limit} events of the durable feed after {@code afterId} (0: from the start),
   * oldest first. Every change the listener reports is written to the feed in the same transaction
   * as the change: a host that stores the last id it handled, and resumes after it, sees every
   * event at least once, across crashes and instances.
   *
   * @throws IllegalArgumentException afterId below 0, or limit not in 1..10000
   */
  public List<BillingListener.Event> events(long afterId, int limit) {
    if (afterId < 0) {
      throw new IllegalArgumentException("afterId must not be negative, got " + afterId);
    }
    if (limit < 1 || limit > 10_000) {
      throw new IllegalArgumentException("limit must be 1 to 10000, got " + limit);
    }
    return repository.events(afterId, limit);
  }

  // ---- the poll (S12) ----

  /**
   * One poll cycle, by hand: for every tenant with work due (unbilled activity, items to claim, a
   * period to renew), generate its invoice and, if one results, collect it; then collect every
   * invoice due for a retry; then judge again the standing of the tenants whose standing may have
   * changed by time alone (S13). A poll with nothing due reads no tenant's log (S17). A failure for
   * one tenant is logged and does not stop the others. The report holds every invoice made and
   * every result, so its size grows with the day's invoices; {@link #countCycle} does the same in
   * bounded memory.
   */
  public CycleReport runCycle() {
    List<Invoice> created = new ArrayList<>();
    List<PaymentResult> results = new ArrayList<>();
    int[] counts = cycle(created::add, results::add);
    return new CycleReport(counts[0], created, results, counts[1]);
  }

  /**
   * The same cycle as {@link #runCycle}, keeping only counts: its memory is a page of tenants and
   * their invoices, however many tenants there are. What the {@link #start started} poll runs.
   */
  public CycleCounts countCycle() {
    int[] made = {0};
    int[] paid = {0};
    int[] results = {0};
    int[] counts =
        cycle(
            invoice -> made[0]++,
            result -> {
              results[0]++;
              if (result instanceof PaymentResult.Paid) {
                paid[0]++;
              }
            });
    return new CycleCounts(counts[0], made[0], results[0], paid[0], counts[1]);
  }

  /** What one {@link #countCycle} did. */
  public record CycleCounts(
      int tenantsVisited, int invoicesCreated, int payments, int paid, int failures) {}

  /** A cycle, page by page, handing on what it makes; returns {tenants visited, failures}. */
  private int[] cycle(Consumer<Invoice> created, Consumer<PaymentResult> results) {
    Instant now = settings.now();
    int[] tenants = {0};
    int[] failures = {0};
    // Only tenants with work due (S17), a page at a time, each page taken from the other
    // instances for a lease's time; a tenant whose page fails stays due, and this instance's next
    // cycle (a host runs it again after a failure) takes it again.
    String cycle = UUID.randomUUID().toString();
    while (true) {
      List<String> page;
      try {
        page =
            repository.takeDueTenants(
                settings.instanceId(), cycle, now, settings.leaseTtl(), settings.pageSize());
      } catch (RuntimeException e) {
        failures[0]++;
        LOG.log(Level.ERROR, "finding the tenants due failed; the next cycle retries", e);
        break;
      }
      if (page.isEmpty()) {
        break;
      }
      tenants[0] += page.size();
      List<Invoice> made;
      try {
        made = generate(page, now);
      } catch (RuntimeException e) {
        failures[0]++;
        LOG.log(
            Level.ERROR,
            "billing a page of " + page.size() + " tenants failed; the next cycle retries",
            e);
        continue;
      }
      made.forEach(created);
      // Another instance may have collected these meanwhile: collect() starts a round only if
      // the repository, under the invoice's lock, still finds it due.
      collector.collectMade(made).forEach(results);
    }
    try {
      List<PaymentResult> due;
      do {
        due = collectDue();
        due.forEach(results);
      } while (due.size() >= settings.pageSize());
    } catch (RuntimeException e) {
      failures[0]++;
      LOG.log(Level.ERROR, "collecting due invoices failed; the next cycle retries", e);
    }
    try {
      // Standing that changes by time alone (S13): only the tenants whose recheck has come.
      refreshDueStandings(now);
    } catch (RuntimeException e) {
      failures[0]++;
      LOG.log(Level.ERROR, "checking standings failed; the next cycle retries", e);
    }
    return new int[] {tenants[0], failures[0]};
  }

  /** {@link #round} for the collector's workers: a failure is one invoice's, retried later. */
  private PaymentResult collectSafely(String invoiceId, PaymentCascade.Known known) {
    try {
      return round(invoiceId, known);
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "collecting invoice " + invoiceId + " failed; it is retried later", e);
      return new PaymentResult.Unknown(
          invoiceId,
          PaymentCascade.safeMessage(e),
          settings.now().plus(settings.unknownRetryDelay()));
    }
  }

  private void forEachPage(Consumer<List<String>> action) {
    String after = null;
    while (true) {
      List<String> page = repository.tenantPage(after, settings.pageSize());
      if (page.isEmpty()) {
        return;
      }
      action.accept(page);
      after = page.get(page.size() - 1);
    }
  }

  /** Starts polling every {@code pollInterval} on a daemon thread (a cycle runs at once). */
  public void start() {
    synchronized (pollLock) {
      if (poller != null) {
        return;
      }
      poller =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "caravel-billing-poll");
                t.setDaemon(true);
                return t;
              });
      poller.scheduleWithFixedDelay(
          () -> {
            try {
              countCycle();
            } catch (Throwable e) {
              LOG.log(Level.ERROR, "billing poll cycle failed", e);
            }
          },
          0,
          settings.pollInterval().toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Stops polling, letting a cycle under way finish (up to 30 seconds), then stops the collection
   * workers, letting the rounds under way finish (up to 30 seconds more; a round still waiting for
   * a rate limit then gives up before its rail call and is resumed later). No thread of the engine
   * is left running. The engine stays usable: collecting afterwards runs in the caller's thread.
   */
  @Override
  public void close() {
    ScheduledExecutorService stopping;
    synchronized (pollLock) {
      stopping = poller;
      poller = null;
    }
    if (stopping != null) {
      stopping.shutdown();
      try {
        stopping.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    collector.close();
  }

  /** Whether collection worker threads are alive (they end when idle): for tests. */
  boolean collectionWorkersAlive() {
    return collector.workersAlive();
  }

  /** What one {@link #runCycle} did. */
  public record CycleReport(
      int tenantsVisited,
      List<Invoice> invoicesCreated,
      List<PaymentResult> payments,
      int failures) {
    public CycleReport {
      invoicesCreated = List.copyOf(invoicesCreated);
      payments = List.copyOf(payments);
    }
  }

  /** The engine's wiring, read by its parts. */
  record Settings(
      Repository repository,
      PlanCatalogue catalogue,
      Clock clock,
      PaymentGateway paymentGateway,
      LightningWallet serviceWallet,
      WalletConnector walletConnector,
      Messenger messenger,
      ExchangeRates exchangeRates,
      SecretCipher cipher,
      String appUrl,
      List<Duration> retrySchedule,
      Duration unknownRetryDelay,
      Duration faultRetryDelay,
      Duration leaseTtl,
      Duration pollInterval,
      int pageSize,
      boolean grandfather,
      String instanceId,
      LongFunction<String> invoiceNumbers,
      StandingPolicy standingRule,
      Payment.Refund.Via nonCardRefunds,
      BillingListener listener,
      CollectionSettings collection,
      Duration futureSkew) {

    Instant now() {
      return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    String invoiceId(long number) {
      return invoiceNumbers.apply(number);
    }

    void notify(Consumer<BillingListener> event) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a BillingListener threw; ignored", e);
      }
    }
  }

  /**
   * Builds a {@link Billing}. Only the repository, the catalogue and the app URL are required. Each
   * setter checks its argument when called ({@link NullPointerException} for a null, {@link
   * IllegalArgumentException} for a value out of range); {@link #build} checks how the settings fit
   * together ({@link IllegalStateException}). These are programming mistakes, so they are the JDK's
   * exceptions, not the library's.
   */
  public static final class Builder {
    /** The most rail calls one round makes on one rail (a saved card: look it up, charge it). */
    private static final int CALLS_PER_ROUND = 4;

    private Repository repository;
    private PlanCatalogue catalogue;
    private Clock clock = Clock.systemUTC();
    private PaymentGateway paymentGateway;
    private LightningWallet serviceWallet;
    private WalletConnector walletConnector;
    private Messenger messenger;
    private ExchangeRates exchangeRates;
    private SecretCipher cipher;
    private String appUrl;
    private List<Duration> retrySchedule =
        List.of(Duration.ofDays(1), Duration.ofDays(3), Duration.ofDays(7));
    private Duration unknownRetryDelay = Duration.ofMinutes(10);
    private Duration faultRetryDelay = Duration.ofHours(1);
    private Duration leaseTtl = Duration.ofMinutes(5);
    private Duration pollInterval = Duration.ofHours(1);
    private int pageSize = 500;
    private boolean grandfather;
    private String instanceId = UUID.randomUUID().toString();
    private LongFunction<String> invoiceNumbers = Builder::defaultInvoiceNumber;
    private int pastDueAfterFailedRounds = 1;
    private Duration suspendAfter = Duration.ofDays(14);
    private Payment.Refund.Via nonCardRefunds = Payment.Refund.Via.BY_HAND;
    private BillingListener listener = BillingListener.NONE;
    private int collectionConcurrency = 16;
    private final Map<Rail, Integer> laneCaps = new EnumMap<>(Rail.class);
    private final Map<Rail, Integer> rateLimits = new EnumMap<>(Rail.class);
    private RateLimiter.Pacer pacer = RateLimiter.Pacer.SYSTEM;

    private Builder() {}

    /** Where the ledger is kept. Required. @throws NullPointerException if null */
    public Builder repository(Repository repository) {
      this.repository = Objects.requireNonNull(repository, "repository");
      return this;
    }

    /** The plans and their currency. Required. @throws NullPointerException if null */
    public Builder catalogue(PlanCatalogue catalogue) {
      this.catalogue = Objects.requireNonNull(catalogue, "catalogue");
      return this;
    }

    /**
     * Every "now" comes from this clock, truncated to whole seconds. Default: the system UTC clock.
     *
     * @throws NullPointerException if null
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The saved-card rail (Stripe). Optional. @throws NullPointerException if null */
    public Builder paymentGateway(PaymentGateway gateway) {
      this.paymentGateway = Objects.requireNonNull(gateway, "paymentGateway");
      return this;
    }

    /**
     * The service's own wallet: it makes the invoices tenants pay and says when they settle.
     * Lightning needs it with {@link #walletConnector}, {@link #exchangeRates} and {@link #cipher}.
     *
     * @throws NullPointerException if null
     */
    public Builder serviceWallet(LightningWallet wallet) {
      this.serviceWallet = Objects.requireNonNull(wallet, "serviceWallet");
      return this;
    }

    /** Opens tenants' wallets from their NWC URIs. @throws NullPointerException if null */
    public Builder walletConnector(WalletConnector connector) {
      this.walletConnector = Objects.requireNonNull(connector, "walletConnector");
      return this;
    }

    /**
     * Sends the DM asking a tenant to pay by hand. Optional. @throws NullPointerException if null
     */
    public Builder messenger(Messenger messenger) {
      this.messenger = Objects.requireNonNull(messenger, "messenger");
      return this;
    }

    /** Fiat to msats for Lightning invoices. @throws NullPointerException if null */
    public Builder exchangeRates(ExchangeRates rates) {
      this.exchangeRates = Objects.requireNonNull(rates, "exchangeRates");
      return this;
    }

    /**
     * Seals tenants' NWC URIs at rest; required to store one. @throws NullPointerException if null
     */
    public Builder cipher(SecretCipher cipher) {
      this.cipher = Objects.requireNonNull(cipher, "cipher");
      return this;
    }

    /**
     * The host's base URL; the DM links to {@code {appUrl}/account?invoice={id}}. Required.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if blank or not an absolute http(s) URL
     */
    public Builder appUrl(String appUrl) {
      Objects.requireNonNull(appUrl, "appUrl");
      String trimmed = appUrl.strip();
      if (!(trimmed.startsWith("https://") || trimmed.startsWith("http://"))
          || trimmed.endsWith("://")) {
        throw new IllegalArgumentException(
            "appUrl must be an absolute http(s) URL, got \"" + appUrl + "\"");
      }
      this.appUrl = trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
      return this;
    }

    /**
     * Delays after the first attempt at which unpaid invoices are tried again (S11). Default 1, 3,
     * 7 days; empty: a single round.
     *
     * @throws NullPointerException if the list or a delay is null
     * @throws IllegalArgumentException if a delay is not positive or the delays do not increase
     */
    public Builder retrySchedule(List<Duration> delays) {
      List<Duration> copy = List.copyOf(delays);
      for (int i = 0; i < copy.size(); i++) {
        positive(copy.get(i), "retry delay");
        if (i > 0 && copy.get(i).compareTo(copy.get(i - 1)) <= 0) {
          throw new IllegalArgumentException("retry delays must increase, got " + copy);
        }
      }
      this.retrySchedule = copy;
      return this;
    }

    /**
     * How soon a round whose outcome was unknown is resumed. Default 10 minutes. @throws
     * IllegalArgumentException if not positive
     */
    public Builder unknownRetryDelay(Duration delay) {
      this.unknownRetryDelay = positive(delay, "unknownRetryDelay");
      return this;
    }

    /**
     * How soon a round is resumed after the card gateway refused our own request or key ({@link
     * PaymentGateway.ChargeOutcome.Failed}): someone has to fix the setup. Default 1 hour.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder faultRetryDelay(Duration delay) {
      this.faultRetryDelay = positive(delay, "faultRetryDelay");
      return this;
    }

    /**
     * How long a payment round may hold an invoice before another instance may take over. Default 5
     * minutes; it must outlast the slowest rail call.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder leaseTtl(Duration ttl) {
      this.leaseTtl = positive(ttl, "leaseTtl");
      return this;
    }

    /**
     * How often {@link #start started} polling runs a cycle. Default 1 hour. @throws
     * IllegalArgumentException if not positive
     */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = positive(interval, "pollInterval");
      return this;
    }

    /**
     * Tenants (and due invoices) handled per batch. Default 500. @throws IllegalArgumentException
     * if below 1
     */
    public Builder pageSize(int pageSize) {
      if (pageSize < 1) {
        throw new IllegalArgumentException("pageSize must be at least 1, got " + pageSize);
      }
      this.pageSize = pageSize;
      return this;
    }

    /**
     * Whether {@link Billing#changePrice(String, long, Instant)} grandfathers the relays already on
     * the plan (they keep the price they had until their plan changes). Default false: a price
     * change applies to every relay on the plan from its effective instant. The choice is stored
     * with each change, so instances set differently still agree on the ledger.
     */
    public Builder grandfatherByDefault(boolean grandfather) {
      this.grandfather = grandfather;
      return this;
    }

    /**
     * Names this instance in payment leases (default: random).
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if blank
     */
    public Builder instanceId(String instanceId) {
      Objects.requireNonNull(instanceId, "instanceId");
      if (instanceId.isBlank()) {
        throw new IllegalArgumentException("instanceId must not be blank");
      }
      this.instanceId = instanceId;
      return this;
    }

    /**
     * How an invoice number becomes the invoice's id (default {@code INV-000123}: {@code INV-} and
     * at least six digits). The numbers are drawn by the repository in the claim's transaction: 1,
     * 2, 3, ... with no gap and no repeat across every instance. All instances must use the same
     * format; invoices made before numbering (0.2 and earlier) keep their ids.
     *
     * @throws NullPointerException if null
     */
    public Builder invoiceNumbers(LongFunction<String> format) {
      this.invoiceNumbers = Objects.requireNonNull(format, "invoiceNumbers");
      return this;
    }

    static String defaultInvoiceNumber(long number) {
      return String.format(java.util.Locale.ROOT, "INV-%06d", number);
    }

    /**
     * How many failed payment rounds of an open invoice make its tenant {@link Standing#PAST_DUE}
     * (default 1: the first).
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder pastDueAfterFailedRounds(int rounds) {
      if (rounds < 1) {
        throw new IllegalArgumentException(
            "pastDueAfterFailedRounds must be at least 1, got " + rounds);
      }
      this.pastDueAfterFailedRounds = rounds;
      return this;
    }

    /**
     * How long after an open invoice's first payment attempt its tenant is {@link
     * Standing#SUSPENDED} (default 14 days).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder suspendAfter(Duration delay) {
      this.suspendAfter = positive(delay, "suspendAfter");
      return this;
    }

    /**
     * How {@link Billing#refund(String, long, String, String)} refunds a payment not made by card
     * (Lightning, manual): {@code BY_HAND} (default: owed, the host pays it) or {@code CREDIT} (a
     * credit on the next invoice).
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if {@code CARD}
     */
    public Builder nonCardRefunds(Payment.Refund.Via via) {
      Objects.requireNonNull(via, "nonCardRefunds");
      if (via == Payment.Refund.Via.CARD) {
        throw new IllegalArgumentException("a payment not made by card can't be refunded by card");
      }
      this.nonCardRefunds = via;
      return this;
    }

    /**
     * Observes what the engine does (default: nothing). Collection runs several rounds at once
     * ({@link #collectionConcurrency}), so the listener may be called from the engine's worker
     * threads, several at a time: it must be thread-safe, and quick, since a round waits for it.
     *
     * @throws NullPointerException if null
     */
    public Builder listener(BillingListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * How many invoices are collected at once (S17), each round under its own lease on a worker
     * thread of the engine. Default 16; 1 runs every round in the calling thread, one after
     * another. Rounds mostly wait on rails (a card charge, a Lightning payment), so more than the
     * CPU count pays; with a repository on a connection pool, size the pool for these rounds too.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder collectionConcurrency(int concurrency) {
      if (concurrency < 1) {
        throw new IllegalArgumentException(
            "collectionConcurrency must be at least 1, got " + concurrency);
      }
      this.collectionConcurrency = concurrency;
      return this;
    }

    /**
     * Back-pressure: at most {@code max} of the invoices collected at once may be ones whose round
     * starts on {@code rail} (NWC for a tenant with a wallet, else STRIPE for one with a card, else
     * DM), so a slow rail holds only its share of the {@link #collectionConcurrency} slots and the
     * others go on. The rest of that rail's invoices wait, unleased, for a slot of their lane; a
     * lane goes over its cap only when no other invoice of the pass waits for a slot. Default:
     * three quarters of the concurrency (at least 1); a value above the concurrency acts as the
     * concurrency.
     *
     * @throws NullPointerException if the rail is null
     * @throws IllegalArgumentException if {@code max} is below 1
     */
    public Builder railConcurrency(Rail rail, int max) {
      Objects.requireNonNull(rail, "rail");
      if (max < 1) {
        throw new IllegalArgumentException(
            "railConcurrency for " + rail + " must be at least 1, got " + max);
      }
      laneCaps.put(rail, max);
      return this;
    }

    /**
     * At most {@code permitsPerSecond} calls a second to {@code rail} from this engine, across all
     * the invoices it collects at once (Stripe's limit is per account): every gateway call for
     * STRIPE, every wallet call for NWC, every message for DM. Calls are spaced evenly; a round
     * waits for its turn under its lease. Default: no limit. Several instances sharing an account
     * should split its limit between them.
     *
     * @throws NullPointerException if the rail is null
     * @throws IllegalArgumentException if {@code permitsPerSecond} is below 1
     */
    public Builder rateLimit(Rail rail, int permitsPerSecond) {
      Objects.requireNonNull(rail, "rail");
      if (permitsPerSecond < 1) {
        throw new IllegalArgumentException(
            "rateLimit for " + rail + " must be at least 1 per second, got " + permitsPerSecond);
      }
      rateLimits.put(rail, permitsPerSecond);
      return this;
    }

    // ---- how far ahead an activity may be dated (issue 21, defect 5) ----

    private Duration futureSkew = ActivityAdmission.DEFAULT_FUTURE_SKEW;

    /**
     * How far after now an activity may be dated (default 5 minutes), for clocks that differ a
     * little between the host and this engine. {@link Billing#record} refuses an activity dated
     * later ({@link ActivityRejectedException.Reason#IN_THE_FUTURE}): a far date is a clock or unit
     * error, and a catalogue change must be dated after every recorded activity, so accepting it
     * would block every price change and retirement dated before it.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if negative or longer than one day
     */
    public Builder futureSkew(Duration skew) {
      this.futureSkew = ActivityAdmission.checkedSkew(skew);
      return this;
    }

    /** The time source of rate limits; tests drive it. */
    Builder pacer(RateLimiter.Pacer pacer) {
      this.pacer = Objects.requireNonNull(pacer, "pacer");
      return this;
    }

    /**
     * The engine.
     *
     * @throws IllegalStateException if the repository, the catalogue or the app URL is missing, or
     *     Lightning is set up only in part (it needs serviceWallet, walletConnector, exchangeRates
     *     and cipher together)
     */
    public Billing build() {
      require(repository != null, "a repository is required");
      require(catalogue != null, "a catalogue is required");
      require(appUrl != null, "an appUrl is required");
      boolean anyLightning =
          serviceWallet != null || walletConnector != null || exchangeRates != null;
      boolean allLightning =
          serviceWallet != null && walletConnector != null && exchangeRates != null;
      require(
          !anyLightning || allLightning,
          "Lightning needs all three of serviceWallet, walletConnector and exchangeRates, or none of them");
      require(
          walletConnector == null || cipher != null,
          "Lightning needs a cipher to open tenants' sealed NWC URIs");
      CollectionSettings collection = collectionSettings();
      PlanCatalogue stored = seed(repository, catalogue);
      if (paymentGateway != null) {
        // A currency or price the gateway can never charge is a setup error: fail at start, not per
        // invoice. The stored history counts, prices changed since the seed included.
        paymentGateway.checkCurrency(stored);
      }
      return new Billing(
          new Settings(
              repository,
              catalogue,
              clock,
              paymentGateway,
              serviceWallet,
              walletConnector,
              messenger,
              exchangeRates,
              cipher,
              appUrl,
              retrySchedule,
              unknownRetryDelay,
              faultRetryDelay,
              leaseTtl,
              pollInterval,
              pageSize,
              grandfather,
              instanceId,
              invoiceNumbers,
              new StandingPolicy(pastDueAfterFailedRounds, suspendAfter),
              nonCardRefunds,
              listener,
              collection,
              futureSkew));
    }

    /**
     * A round waits for a rate limit under its lease: every round collected at once may queue on
     * one limiter a few calls each, and all of that must fit well inside the lease, or another
     * instance could start the same round meanwhile.
     */
    private CollectionSettings collectionSettings() {
      Map<Rail, Integer> caps = new EnumMap<>(Rail.class);
      Map<Rail, RateLimiter> limits = new EnumMap<>(Rail.class);
      for (Rail rail : Rail.values()) {
        int fallback = Math.max(1, collectionConcurrency - collectionConcurrency / 4);
        caps.put(rail, Math.min(collectionConcurrency, laneCaps.getOrDefault(rail, fallback)));
        Integer rate = rateLimits.get(rail);
        if (rate != null) {
          long worstWaitSeconds =
              ((long) collectionConcurrency * CALLS_PER_ROUND + rate - 1) / rate;
          require(
              leaseTtl.getSeconds() >= 2 * worstWaitSeconds,
              "leaseTtl "
                  + leaseTtl
                  + " is too short for a rate limit of "
                  + rate
                  + "/s on "
                  + rail
                  + " with collectionConcurrency "
                  + collectionConcurrency
                  + ": rounds may wait up to "
                  + worstWaitSeconds
                  + " s for it under their lease; the lease must be at least twice that");
          limits.put(rail, new RateLimiter(rate, pacer));
        }
      }
      return new CollectionSettings(collectionConcurrency, caps, limits);
    }

    /**
     * Seeds the stored catalogue with the configured one (S15) and refuses to start on a seed that
     * disagrees with what is stored: the stored history wins, so instances started with different
     * catalogues never silently price the same ledger two ways. A seed agrees when it has the
     * stored currency and each of its plans' versions begin the stored history of that plan (a
     * stored history may go on with changes made by {@link Billing#changePrice}); plans stored but
     * missing from the seed stay.
     */
    private static PlanCatalogue seed(Repository repository, PlanCatalogue seed) {
      PlanCatalogue stored = repository.seedCatalogue(seed);
      require(
          stored.currency().equals(seed.currency()),
          "the stored catalogue is in "
              + stored.currency()
              + ", the configured one in "
              + seed.currency()
              + "; a catalogue has one currency");
      for (Plan plan : seed.plans()) {
        List<PlanCatalogue.Version> mine = seed.history(plan.id());
        List<PlanCatalogue.Version> theirs = stored.history(plan.id());
        require(
            theirs.size() >= mine.size() && theirs.subList(0, mine.size()).equals(mine),
            "the configured price history of plan \""
                + plan.id()
                + "\" "
                + mine
                + " disagrees with the stored one "
                + theirs
                + "; change prices with Billing.changePrice, not by editing the catalogue");
      }
      return stored;
    }

    private static void require(boolean condition, String message) {
      if (!condition) {
        throw new IllegalStateException(message);
      }
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
