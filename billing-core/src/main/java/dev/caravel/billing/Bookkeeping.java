package dev.caravel.billing;

import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.ActivityWrite;
import dev.caravel.billing.spi.Anchoring;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.StorageException;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import dev.caravel.billing.spi.UnclaimedTotal;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The ledger's bookkeeping (S1–S8): tenants and their activity in, items by reconciliation and
 * renewal, items claimed onto invoices, and reading them back.
 */
final class Bookkeeping {
  /** The facade's logger: hosts configure logging by the engine's name. */
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  /** Appends of one activity whose read the log moved past, before the storage is blamed. */
  static final int APPEND_ATTEMPTS = 100;

  private final EngineSettings settings;
  private final Repository repository;
  private final CatalogueHistory catalogue;

  Bookkeeping(EngineSettings settings, CatalogueHistory catalogue) {
    this.settings = settings;
    this.repository = settings.repository();
    this.catalogue = catalogue;
  }

  /** {@link Billing#invoice}. */
  Optional<Invoice> invoice(String invoiceId) {
    return repository.findInvoice(Checks.id(invoiceId, "invoice id"));
  }

  /** The tenant as stored, if it exists. @throws InvalidInputException not a pubkey */
  Optional<Tenant> profile(String pubkey) {
    return repository.findTenant(Checks.pubkey(pubkey, "tenant"));
  }

  /** {@link Billing#invoices}. */
  List<Invoice> invoices(String tenant) {
    return repository.invoices(Checks.pubkey(tenant, "tenant"));
  }

  /** {@link Billing#invoiceItems}. */
  List<InvoiceItem> invoiceItems(String invoiceId) {
    return repository.invoiceItems(Checks.id(invoiceId, "invoice id"));
  }

  /** {@link Billing#unbilledBalance}. */
  long unbilledBalance(String tenant) {
    long sum = 0;
    for (InvoiceItem item : repository.unclaimedItems(Checks.pubkey(tenant, "tenant"))) {
      sum = Math.addExact(sum, item.amount());
    }
    return sum;
  }

  /** {@link Billing#saveTenant}. */
  void saveTenant(String pubkey, String nwcUri, String stripeCustomerId) {
    Checks.pubkey(pubkey, "tenant pubkey");
    String sealed = null;
    if (nwcUri != null) {
      if (settings.cipher() == null) {
        throw new IllegalStateException("storing an NWC URI needs a SecretCipher on the builder");
      }
      if (settings.walletConnector() != null) {
        settings.walletConnector().validate(nwcUri);
      }
      // Bound to this tenant, under the cipher's current key: saving a tenant again is also how
      // a value sealed under an old key, or by 0.1/0.2, moves to the current key and format.
      sealed = settings.cipher().seal(pubkey, nwcUri);
    }
    // The tax and the trial are set apart (setTax, startTrial): saving how a tenant pays keeps
    // them.
    Optional<Tenant> stored = repository.findTenant(pubkey);
    repository.saveTenant(
        new Tenant(
            pubkey,
            Optional.ofNullable(sealed),
            Optional.ofNullable(stripeCustomerId),
            stored.flatMap(Tenant::tax),
            stored.map(Tenant::trialDays).orElse(OptionalInt.empty())));
  }

  /**
   * {@link Billing#setTax}: recorded with the tenant, keeping how it pays; the invoices claimed
   * from now on are taxed by it (S24), those claimed before keep theirs.
   */
  void setTax(String pubkey, Optional<TaxSetting> tax) {
    Checks.pubkey(pubkey, "tenant pubkey");
    Checks.notNull(tax, "tax");
    Tenant tenant = repository.findTenant(pubkey).orElseGet(() -> Tenant.of(pubkey));
    repository.saveTenant(tenant.withTax(tax));
  }

  /**
   * {@link Billing#startTrial}: recorded with the tenant, keeping how it pays, only before its
   * first activity (S20): the first activity then anchors it at the trial's end ({@link Trials}). A
   * trial given again before then replaces the first.
   */
  void startTrial(String pubkey, int days) {
    Checks.pubkey(pubkey, "tenant pubkey");
    if (days < 1 || days > Tenant.MAX_TRIAL_DAYS) {
      throw new InvalidInputException(
          "a trial is 1 to " + Tenant.MAX_TRIAL_DAYS + " days, got " + days);
    }
    Optional<TenantLedger> log = repository.ledgers(List.of(pubkey)).stream().findFirst();
    if (log.isPresent() && (log.get().anchor().isPresent() || log.get().activityCount() > 0)) {
      throw new InvalidInputException(
          "tenant "
              + pubkey
              + " has activity or a billing anchor already: a trial is given before its first"
              + " activity");
    }
    Tenant tenant = repository.findTenant(pubkey).orElseGet(() -> Tenant.of(pubkey));
    repository.saveTenant(tenant.withTrial(OptionalInt.of(days)));
  }

  /**
   * {@link Billing#record}: judged against the tenant's log as read ({@link
   * ActivityAdmission#againstLog}), appended only if that log has not moved since, and billed from
   * the same read. A log that moved (another activity, a renewal, a charge that set the anchor) is
   * read and judged again: each lost race is another write's progress, so this ends; a storage that
   * answers "moved" without end is broken, and is told so after {@link #APPEND_ATTEMPTS}.
   */
  boolean record(Activity activity) {
    return append(activity).isPresent();
  }

  /**
   * {@link Billing#scheduleChange}: recorded as a {@code schedule_change} of now under a fresh id;
   * the instant it takes effect is read from the log it was appended to (S22).
   */
  Instant scheduleChange(String tenant, String relay, String plan) {
    Activity activity =
        Activity.scheduleChange(freshId("schedule"), tenant, relay, plan, settings.now());
    TenantLedger log = append(activity).orElseThrow(); // a fresh id was never recorded before
    return catalogue.cached().rules().stateAfterLog(log, relay).scheduled().orElseThrow().at();
  }

  /** {@link Billing#cancelScheduledChange}: a {@code cancel_change} of now under a fresh id. */
  void cancelScheduledChange(String tenant, String relay) {
    append(Activity.cancelChange(freshId("cancel"), tenant, relay, settings.now()));
  }

  private static String freshId(String what) {
    return what + ":" + java.util.UUID.randomUUID();
  }

  /** The log with {@code activity} appended, as billed; empty if it was recorded before. */
  private Optional<TenantLedger> append(Activity activity) {
    Checks.notNull(activity, "activity");
    ActivityAdmission.check(
        activity, catalogue::storedCatalogue, settings.now(), settings.futureSkew());
    for (int attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
      Optional<TenantLedger> read =
          repository.ledgers(List.of(activity.tenant())).stream().findFirst();
      Optional<ActivityRejectedException> refusal =
          ActivityAdmission.againstLog(activity, read)
              .or(
                  () ->
                      read.flatMap(
                          log ->
                              ActivityAdmission.againstRelay(
                                  activity, log, catalogue.cached().rules())));
      if (refusal.isPresent()) {
        // A retry of an activity recorded before is answered as recorded, whatever the log says
        // now.
        Activity stored = repository.findActivity(activity.id()).orElseThrow(refusal::get);
        recordedBefore(activity, stored);
        return Optional.empty();
      }
      Anchoring anchoring = Trials.anchoring(activity, read);
      ActivityWrite written = repository.appendActivity(activity, read, anchoring);
      if (written instanceof ActivityWrite.IdTaken taken) {
        recordedBefore(activity, taken.stored());
        return Optional.empty();
      }
      if (written instanceof ActivityWrite.Appended) {
        TenantLedger log = appended(read, activity, anchoring);
        reconcileRecorded(() -> reconcileLedgers(List.of(log)), activity);
        return Optional.of(log);
      }
    }
    throw new StorageException(
        "the log of tenant "
            + activity.tenant()
            + " moved under each of "
            + APPEND_ATTEMPTS
            + " appends of activity "
            + activity.id()
            + "; nothing recorded");
  }

  /** False for this very activity recorded before (billed as ever); a conflict for another. */
  private boolean recordedBefore(Activity activity, Activity stored) {
    if (!stored.equals(activity)) {
      throw ActivityAdmission.conflictingId(activity);
    }
    reconcileRecorded(() -> reconcile(List.of(activity.tenant())), activity);
    return false;
  }

  private void reconcileRecorded(Runnable reconciliation, Activity activity) {
    try {
      reconciliation.run();
    } catch (StorageException e) {
      // The activity is safely recorded; the next reconciliation or poll bills it.
      LOG.log(
          Level.WARNING,
          "recorded activity {0} but could not reconcile yet: {1}",
          activity.id(),
          e.getMessage());
    }
  }

  /**
   * The log {@code read} with {@code activity} appended, exactly as the repository now holds it
   * (the append was a compare-and-set on {@code read}): reconciling it needs no second read.
   */
  private static TenantLedger appended(
      Optional<TenantLedger> read, Activity activity, Anchoring anchoring) {
    if (read.isEmpty()) {
      // Nothing unclaimed: the tenant did not exist before this append.
      return new TenantLedger(
          activity.tenant(), Optional.of(activity.at()), 0, List.of(activity), Set.of());
    }
    TenantLedger log = read.get();
    List<Activity> tail = new ArrayList<>(log.activities());
    tail.add(activity);
    boolean anchors = log.anchor().isEmpty();
    return new TenantLedger(
        log.tenant(),
        anchors ? Optional.of(anchoring.anchor()) : log.anchor(),
        anchors ? anchoring.renewedThrough() : log.renewedThrough(),
        log.snapshotPeriod(),
        log.snapshot(),
        log.activityCount() + 1,
        tail,
        log.billedActivityIds(),
        Optional.of(activity.at()),
        log.unclaimed(),
        log.profile(),
        log.coupon());
  }

  /** {@link Billing#reconcile}. */
  void reconcile(String tenant) {
    reconcile(List.of(Checks.pubkey(tenant, "tenant")));
  }

  /**
   * {@link Billing#reconcileAll}. A page that fails is reconciled again tenant by tenant, so that
   * one tenant's bad data (see {@link PageBilling}) skips that tenant alone, logged; the poll
   * reports it. A failing storage stops the walk, as before.
   */
  void reconcileAll() {
    forEachPage(
        page -> {
          try {
            reconcile(page);
          } catch (StorageException e) {
            throw e;
          } catch (RuntimeException pageFailure) {
            for (String tenant : page) {
              try {
                reconcile(List.of(tenant));
              } catch (StorageException e) {
                throw e;
              } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "reconciling tenant " + tenant + " failed; skipped", e);
              }
            }
          }
        });
  }

  private void reconcile(List<String> tenants) {
    reconcileLedgers(repository.ledgers(tenants));
  }

  private void reconcileLedgers(List<TenantLedger> ledgers) {
    reconcileLedgers(ledgers, new UnclaimedTally(ledgers));
  }

  /** Reconciles, telling {@code tally} what it wrote (or which tenants it is unsure of). */
  private void reconcileLedgers(List<TenantLedger> ledgers, UnclaimedTally tally) {
    if (ledgers.isEmpty()) {
      return;
    }
    // Priced by the catalogue read after the ledgers; the repository refuses the items if a price
    // change committed since (S15), and they are priced again by the new one.
    for (int attempt = 0; attempt < 3; attempt++) {
      CatalogueHistory.CachedCatalogue cached = catalogue.cached();
      List<Reconciliation> work = new ArrayList<>();
      for (TenantLedger l : ledgers) {
        work.addAll(cached.rules().reconcile(l));
      }
      if (work.isEmpty()) {
        return;
      }
      int applied = repository.recordReconciliations(work, cached.pricedWith());
      if (applied == work.size()) {
        work.forEach(r -> r.item().ifPresent(item -> tally.add(List.of(item))));
        return;
      }
      if (applied > 0 || !cached.movedIn(repository)) {
        // Part of it was billed by another visit first: what is unclaimed now is read again.
        tally.unsure(work.stream().map(Reconciliation::tenant).toList());
        return;
      }
    }
    tally.unsure(ledgers.stream().map(TenantLedger::tenant).toList());
  }

  /** {@link Billing#generateInvoice}. */
  Optional<Invoice> generateInvoice(String tenant) {
    List<PaymentCascade.Known> made =
        generate(List.of(Checks.pubkey(tenant, "tenant")), settings.now());
    return made.isEmpty() ? Optional.empty() : Optional.of(made.get(0).invoice());
  }

  /**
   * One read of the page's ledgers serves all three steps: renewals don't depend on what was
   * reconciled, a renewal computed from a log that moved since is refused by the repository and
   * read again, and anchors never move.
   */
  List<PaymentCascade.Known> generate(List<String> tenants, Instant now) {
    List<TenantLedger> ledgers = repository.ledgers(tenants);
    UnclaimedTally tally = new UnclaimedTally(ledgers);
    reconcileLedgers(ledgers, tally);
    renew(ledgers, now, tally);
    List<String> anchored = new ArrayList<>();
    // The ledgers as the page read them: each tenant is claimed from its own (S20, S21, S24).
    Map<String, TenantLedger> read = new HashMap<>();
    for (TenantLedger l : ledgers) {
      boolean due = l.anchor().isPresent() && !now.isBefore(l.anchor().get());
      if (due || (l.anchor().isPresent() && Trials.running(l))) {
        anchored.add(l.tenant());
        read.put(l.tenant(), l);
      }
    }
    List<Claim> claims = new ArrayList<>();
    if (!anchored.isEmpty()) {
      for (UnclaimedTotal unclaimed : tally.totals(anchored, repository)) {
        claims.add(
            TenantClaim.of(read.get(unclaimed.tenant()), unclaimed, now, settings, repository));
      }
    }
    List<Invoice> created =
        claims.isEmpty()
            ? List.of()
            : repository.claim(claims, (number, claim) -> settings.invoiceId(number));
    created.forEach(this::notifyClaimed);
    // S21: an invoice a discount left nothing to pay was created paid (it ends, S18).
    created.stream()
        .filter(Invoice::isPaid)
        .forEach(i -> settings.notify(l -> l.paymentSucceeded(i, i.payment().orElseThrow())));
    // Each with how its tenant pays, as the page read it: collecting them reads no tenant again.
    List<PaymentCascade.Known> made = new ArrayList<>(created.size());
    for (Invoice invoice : created) {
      made.add(new PaymentCascade.Known(invoice, read.get(invoice.tenant()).profile()));
    }
    return made;
  }

  /** The host hears of each invoice claimed: created, or carried (S25) instead. */
  private void notifyClaimed(Invoice invoice) {
    if (invoice.isCarried()) {
      InvoiceItem carried =
          InvoiceItem.forCarried(
              invoice.id(), invoice.tenant(), invoice.net(), invoice.createdAt());
      settings.notify(listener -> listener.invoiceCarried(invoice, carried));
    } else {
      settings.notify(listener -> listener.invoiceCreated(invoice));
    }
  }

  /** The tenant's tax setting as stored now (S24). */
  Optional<TaxSetting> taxSetting(String tenant) {
    return repository.findTenant(tenant).flatMap(Tenant::tax);
  }

  /**
   * S6 for a page of tenants. A renewal refused because the log moved under it (an activity
   * appended meanwhile) is computed again from a fresh read, a bounded number of times.
   */
  private void renew(List<TenantLedger> ledgers, Instant now, UnclaimedTally tally) {
    List<TenantLedger> current = ledgers;
    for (int attempt = 0; attempt < 5 && !current.isEmpty(); attempt++) {
      if (attempt > 0) {
        // The activity that moved the log is billed before renewing over it, so the renewal's
        // snapshot (S17) can advance past it.
        reconcileLedgers(current, tally);
      }
      List<Renewal> due = new ArrayList<>();
      CatalogueHistory.CachedCatalogue cached = catalogue.cached();
      for (TenantLedger l : current) {
        due.addAll(cached.rules().renewalsDue(l, now));
      }
      if (due.isEmpty()) {
        return;
      }
      // Refused whole if a price change committed since the catalogue was read: computed again.
      int applied = repository.applyRenewals(due, cached.pricedWith());
      if (applied == due.size()) {
        due.forEach(r -> tally.add(r.items()));
        due.forEach(this::tellTrial);
        return;
      }
      tally.unsure(due.stream().map(Renewal::tenant).toList());
      current = repository.ledgers(due.stream().map(Renewal::tenant).distinct().toList());
    }
  }

  /** S20: the listener hears of a trial's notice or end that a renewal wrote to the feed. */
  private void tellTrial(Renewal renewal) {
    renewal
        .event()
        .ifPresent(
            event -> {
              if (event.type() == BillingEvent.Type.TRIAL_ENDING) {
                Instant anchor = Instant.parse(event.detail());
                settings.notify(l -> l.trialEnding(event.tenant(), anchor));
              } else if (event.type() == BillingEvent.Type.TRIAL_ENDED) {
                settings.notify(l -> l.trialEnded(event.tenant(), event.at()));
              }
            });
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
}
