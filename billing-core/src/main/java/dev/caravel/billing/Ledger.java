package dev.caravel.billing;

import dev.caravel.billing.Invoice.Period;
import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.RelaySnapshot;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.TenantLedger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The pure billing rules: which item an activity yields (S5) and which renewals a period owes (S6),
 * each priced by the catalogue's history (S15): an item for an instant in the tenant's period
 * {@code [s, e)} is priced by the catalogue as of {@code s}, so the proration an activity charges,
 * the renewal at {@code s} and the credit that undoes either all use one price. Everything here is
 * a function of the activity log and the catalogue history, nothing else, which is what makes the
 * ledger the same however and whenever billing runs (S8).
 *
 * <p>Money stays exact without checks on every step: a price is at most {@link Billing#MAX_AMOUNT},
 * a proration at most its price (so {@link Proration} never overflows), and an item is a proration,
 * its negation, a price or the difference of two prorations, all within ±{@code MAX_AMOUNT}. The
 * two operations that could leave that range on other inputs are still written with {@link
 * Math#negateExact} and {@link Math#subtractExact}.
 */
final class Ledger {
  private final PlanCatalogue catalogue;

  Ledger(PlanCatalogue catalogue) {
    this.catalogue = catalogue;
  }

  /**
   * The plan a relay is on, as priced for the items of its term starting at {@code termStart} (S15,
   * S19; for a monthly plan, the tenant's period): the name and price the catalogue gives as of
   * that start, the relay's own price if a grandfathered change left it one. Whether it was
   * "already on the plan" is read at term starts too: it chose the plan in the term holding {@code
   * planSince}.
   */
  private Plan priced(RelayState state, Instant termStart, BillingPeriods periods) {
    String id = state.plan().orElseThrow();
    PlanCatalogue.Version version = catalogue.versionForPeriod(id, termStart);
    long price =
        catalogue.history(id).size() == 1
            ? version.amount() // one version: nothing to grandfather, no join to look up
            : catalogue.priceFor(
                id,
                joinedTermStart(state, termStart, periods, version.intervalMonths()),
                termStart);
    return new Plan(id, version.name(), price, version.intervalMonths());
  }

  /**
   * The start of the plan's term in which the relay chose it; the anchor for a choice before it. A
   * state with no recorded choice (a snapshot written before plan choices were kept) counts as
   * chosen in the term being priced: no grandfathering the log cannot show.
   */
  private static Instant joinedTermStart(
      RelayState state, Instant termStart, BillingPeriods periods, int months) {
    Instant since = state.planSince();
    if (since == null) {
      return termStart;
    }
    return since.isBefore(periods.anchor())
        ? periods.anchor()
        : periods.termAt(since, months).start();
  }

  /** S19: the months of the plan a relay is on; every version of a plan has the same. */
  private int intervalOf(RelayState state, BillingPeriods periods) {
    return intervalOf(state.plan().orElseThrow(), periods);
  }

  private int intervalOf(String plan, BillingPeriods periods) {
    return catalogue.versionForPeriod(plan, periods.anchor()).intervalMonths();
  }

  /**
   * S22: a change scheduled at {@code at} takes effect at the end of the term of the relay's plan
   * holding {@code at}, always a period start. Before the anchor (a relay in a trial, S20) there is
   * no term yet: the change takes effect at the anchor, where the first term starts.
   */
  RelayState.TermEnds termEnds(BillingPeriods periods) {
    return (plan, at) ->
        at.isBefore(periods.anchor())
            ? periods.anchor()
            : periods.termAt(at, intervalOf(plan, periods)).end();
  }

  /**
   * The relay's state after every activity of the ledger (its snapshot and tail), a change it
   * schedules still to come: what an activity appended next sees (as of its own instant), and where
   * {@link Billing#scheduleChange} reads the boundary of the change it just recorded. {@link
   * RelayState#NONE} for a relay the ledger does not have.
   */
  RelayState stateAfterLog(TenantLedger ledger, String relay) {
    if (ledger.anchor().isEmpty()) {
      return RelayState.NONE;
    }
    RelayState.TermEnds ends = termEnds(new BillingPeriods(ledger.anchor().orElseThrow()));
    RelayState state = snapshotStates(ledger).getOrDefault(relay, RelayState.NONE);
    for (Activity a : ledger.activities()) {
      if (a.relay().equals(relay)) {
        state = state.apply(a, ends);
      }
    }
    return state;
  }

  /** The term of the relay's plan holding {@code t} (S19). */
  private Period termAt(RelayState state, Instant t, BillingPeriods periods) {
    return periods.termAt(t, intervalOf(state, periods));
  }

  /**
   * Reconciles every activity of {@code ledger} not yet billed, in log order. Each activity is
   * compared with its relay's state just before it, with the plans as of that moment.
   */
  List<Reconciliation> reconcile(TenantLedger ledger) {
    List<Reconciliation> out = new ArrayList<>();
    if (ledger.anchor().isEmpty()) {
      return out;
    }
    BillingPeriods periods = new BillingPeriods(ledger.anchor().get());
    RelayState.TermEnds ends = termEnds(periods);
    Map<String, RelayState> states = new HashMap<>(snapshotStates(ledger));
    for (Activity activity : ledger.activities()) {
      // As of the activity: a change scheduled for a boundary it reached is the plan (S22).
      RelayState before =
          states.getOrDefault(activity.relay(), RelayState.NONE).asOf(activity.at());
      RelayState after = before.apply(activity, ends);
      states.put(activity.relay(), after);
      if (!ledger.billedActivityIds().contains(activity.id())) {
        out.add(
            new Reconciliation(
                ledger.tenant(), activity.id(), itemFor(activity, before, after, periods)));
      }
    }
    return out;
  }

  /**
   * S5: items come from state transitions, with the plans as of the activity, each priced as of the
   * start of the period holding the activity (S15).
   */
  Optional<InvoiceItem> itemFor(
      Activity activity, RelayState before, RelayState after, BillingPeriods periods) {
    Instant at = activity.at();
    if (at.isBefore(periods.anchor())) {
      return Optional.empty(); // S20: activity during a trial bills nothing; the anchor charges
    }
    if (!before.active() && after.active()) {
      Period term = termAt(after, at, periods);
      Plan plan = priced(after, term.start(), periods);
      long amount = Proration.prorate(plan.amount(), term, at);
      String what =
          activity.type() == ActivityType.CREATE_RELAY ? "New relay created" : "Relay reactivated";
      return item(activity, plan, amount, what);
    }
    if (before.active() && !after.active()) {
      Period term = termAt(before, at, periods);
      Plan plan = priced(before, term.start(), periods);
      long amount = Math.negateExact(Proration.prorate(plan.amount(), term, at));
      return item(activity, plan, amount, "Relay deactivated (prorated credit)");
    }
    if (before.active() && after.active() && !before.plan().equals(after.plan())) {
      // S19: the rest of the old plan's term is credited, the rest of the new plan's charged; for
      // plans of one interval both are the same term.
      Period fromTerm = termAt(before, at, periods);
      Period toTerm = termAt(after, at, periods);
      Plan from = priced(before, fromTerm.start(), periods);
      Plan to = priced(after, toTerm.start(), periods);
      long amount =
          Math.subtractExact(
              Proration.prorate(to.amount(), toTerm, at),
              Proration.prorate(from.amount(), fromTerm, at));
      return item(activity, to, amount, "Plan changed from " + from.name() + " to " + to.name());
    }
    return Optional.empty();
  }

  private static Optional<InvoiceItem> item(
      Activity activity, Plan plan, long amount, String description) {
    return amount == 0
        ? Optional.empty()
        : Optional.of(InvoiceItem.forActivity(activity, plan.id(), amount, description));
  }

  /**
   * S6: one renewal per period start {@code P_k ≤ now} after the last renewed one, each charging
   * every relay active as of {@code P_k} (activities strictly before it) on a paid plan whose term
   * starts at {@code P_k} (S19: every period for a monthly plan, every N-th for an N-month one) its
   * full price as of {@code P_k} (S15). Missed periods are caught up one by one.
   *
   * <p>S20: a tenant in trial first gets its trial-ending notice ({@link Trials#endingNoticeDue}),
   * then period 0 at the anchor: every relay active then on a paid plan is charged its first term's
   * full price, with the trial-ended event.
   */
  List<Renewal> renewalsDue(TenantLedger ledger, Instant now) {
    List<Renewal> out = new ArrayList<>();
    if (ledger.anchor().isEmpty()) {
      return out;
    }
    Trials.endingNoticeDue(ledger, now).ifPresent(out::add);
    if (now.isBefore(ledger.anchor().get())) {
      return out;
    }
    BillingPeriods periods = new BillingPeriods(ledger.anchor().get());
    RelayState.TermEnds ends = termEnds(periods);
    int current = periods.indexAt(now);
    List<Activity> log = ledger.activities();
    // Sorted by relay id so the items of a renewal come out in a stable order.
    Map<String, RelayState> states = new TreeMap<>(snapshotStates(ledger));
    int next = 0;
    for (int k = Math.max(0, ledger.renewedThrough() + 1); k <= current; k++) {
      Instant start = periods.start(k);
      while (next < log.size() && log.get(next).at().isBefore(start)) {
        Activity a = log.get(next++);
        states.put(a.relay(), states.getOrDefault(a.relay(), RelayState.NONE).apply(a, ends));
      }
      List<InvoiceItem> items = new ArrayList<>();
      for (Map.Entry<String, RelayState> e : states.entrySet()) {
        RelayState before = e.getValue();
        // S22: a change scheduled for this boundary takes effect here, and so does the snapshot. A
        // read renewing from a later period may find one whose boundary passed: it took effect
        // there, not here.
        boolean switchesHere =
            before.scheduled().map(change -> change.at().equals(start)).orElse(false);
        RelayState state = before.asOf(start);
        e.setValue(state);
        if (!state.active()) {
          continue;
        }
        renewalItem(ledger.tenant(), e.getKey(), state, switchesHere, k, start, periods)
            .ifPresent(items::add);
      }
      out.add(k == 0 ? trialEnded(ledger, start, items) : renewal(ledger, k, start, items, states));
    }
    return out;
  }

  private static Renewal renewal(
      TenantLedger ledger,
      int k,
      Instant start,
      List<InvoiceItem> items,
      Map<String, RelayState> states) {
    return new Renewal(
        ledger.tenant(), k, start, ledger.activityCount(), items, Optional.of(snapshotOf(states)));
  }

  /** S20: period 0 of a trial's tenant, its first terms, with the trial-ended event. */
  private static Renewal trialEnded(TenantLedger ledger, Instant anchor, List<InvoiceItem> items) {
    long charged = 0;
    for (InvoiceItem item : items) {
      charged = Math.addExact(charged, item.amount());
    }
    return new Renewal(
        ledger.tenant(),
        0,
        anchor,
        ledger.activityCount(),
        items,
        Optional.empty(),
        Optional.of(BillingEvent.trialEnded(ledger.tenant(), anchor, charged)));
  }

  /**
   * The item relay {@code relay} owes at period start {@code k} (S6, S19, S22). A plan of N months
   * renews at its term starts, the periods k with k % N == 0, at its full price. A change scheduled
   * to take effect here ({@code switched}) enters the new plan's term here: at its full price when
   * the boundary starts one of its terms (always so for a plan of a shorter or equal interval: 1,
   * 3, 6 and 12 divide one another), else the rest of the term holding the boundary, as a change
   * between intervals charges it (S19); the old plan's term ended here, so nothing is credited.
   */
  private Optional<InvoiceItem> renewalItem(
      String tenant,
      String relay,
      RelayState state,
      boolean switched,
      int k,
      Instant start,
      BillingPeriods periods) {
    int months = intervalOf(state, periods);
    if (k % months == 0) {
      Plan plan = priced(state, start, periods);
      if (plan.amount() == 0) {
        return Optional.empty();
      }
      return Optional.of(
          k == 0 // S20: period 0 renews only at a trial's end, each relay's first term
              ? InvoiceItem.forFirstTerm(tenant, relay, plan.id(), plan.amount(), start)
              : InvoiceItem.forRenewal(tenant, relay, plan.id(), plan.amount(), k, start));
    }
    if (!switched) {
      return Optional.empty();
    }
    Period term = periods.termAt(start, months);
    Plan plan = priced(state, term.start(), periods);
    long amount = Proration.prorate(plan.amount(), term, start);
    return amount > 0
        ? Optional.of(
            InvoiceItem.forRenewal(
                tenant, relay, plan.id(), amount, k, start, "Subscription renewal (rest of term)"))
        : Optional.empty();
  }

  /** The relay states the ledger's snapshot holds (S17): the fold of the log before its point. */
  static Map<String, RelayState> snapshotStates(TenantLedger ledger) {
    Map<String, RelayState> states = new HashMap<>();
    for (RelaySnapshot r : ledger.snapshot()) {
      states.put(
          r.relay(),
          new RelayState(true, r.active(), r.plan(), r.planSince().orElse(null), r.scheduled()));
    }
    return states;
  }

  /** States as a snapshot to store, sorted by relay. */
  static List<RelaySnapshot> snapshotOf(Map<String, RelayState> states) {
    List<RelaySnapshot> out = new ArrayList<>();
    for (Map.Entry<String, RelayState> e : new TreeMap<>(states).entrySet()) {
      RelayState s = e.getValue();
      if (s.exists()) {
        out.add(
            new RelaySnapshot(
                e.getKey(),
                s.active(),
                s.plan(),
                Optional.ofNullable(s.planSince()),
                s.scheduled()));
      }
    }
    return out;
  }
}
