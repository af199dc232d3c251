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
   * The plan a relay is on, as priced for the items of the tenant's period starting at {@code
   * periodStart} (S15): the name and price the catalogue gives as of that start, the relay's own
   * price if a grandfathered change left it one. Whether it was "already on the plan" is read at
   * period starts too: it chose the plan in the period holding {@code planSince}.
   */
  private Plan priced(RelayState state, Instant periodStart, BillingPeriods periods) {
    String id = state.plan().orElseThrow();
    PlanCatalogue.Version version = catalogue.versionForPeriod(id, periodStart);
    long price =
        catalogue.history(id).size() == 1
            ? version.amount() // one version: nothing to grandfather, no join to look up
            : catalogue.priceFor(id, joinedPeriodStart(state, periodStart, periods), periodStart);
    return new Plan(id, version.name(), price);
  }

  /**
   * The start of the tenant's period in which the relay chose its plan; the anchor for a choice
   * before it. A state with no recorded choice (a snapshot written before plan choices were kept)
   * counts as chosen in the period being priced: no grandfathering the log cannot show.
   */
  private static Instant joinedPeriodStart(
      RelayState state, Instant periodStart, BillingPeriods periods) {
    Instant since = state.planSince();
    if (since == null) {
      return periodStart;
    }
    return since.isBefore(periods.anchor()) ? periods.anchor() : periods.periodAt(since).start();
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
    Map<String, RelayState> states = new HashMap<>(snapshotStates(ledger));
    for (Activity activity : ledger.activities()) {
      RelayState before = states.getOrDefault(activity.relay(), RelayState.NONE);
      RelayState after = before.apply(activity);
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
    Period period = periods.periodAt(activity.at());
    Instant start = period.start();
    if (!before.active() && after.active()) {
      Plan plan = priced(after, start, periods);
      long amount = Proration.prorate(plan.amount(), period, activity.at());
      String what =
          activity.type() == ActivityType.CREATE_RELAY ? "New relay created" : "Relay reactivated";
      return item(activity, plan, amount, what);
    }
    if (before.active() && !after.active()) {
      Plan plan = priced(before, start, periods);
      long amount = Math.negateExact(Proration.prorate(plan.amount(), period, activity.at()));
      return item(activity, plan, amount, "Relay deactivated (prorated credit)");
    }
    if (before.active() && after.active() && !before.plan().equals(after.plan())) {
      Plan from = priced(before, start, periods);
      Plan to = priced(after, start, periods);
      long amount =
          Math.subtractExact(
              Proration.prorate(to.amount(), period, activity.at()),
              Proration.prorate(from.amount(), period, activity.at()));
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
   * every relay active as of {@code P_k} (activities strictly before it) on a paid plan its full
   * price as of {@code P_k} (S15). Missed periods are caught up one by one.
   */
  List<Renewal> renewalsDue(TenantLedger ledger, Instant now) {
    List<Renewal> out = new ArrayList<>();
    if (ledger.anchor().isEmpty() || now.isBefore(ledger.anchor().get())) {
      return out;
    }
    BillingPeriods periods = new BillingPeriods(ledger.anchor().get());
    int current = periods.indexAt(now);
    List<Activity> log = ledger.activities();
    // Sorted by relay id so the items of a renewal come out in a stable order.
    Map<String, RelayState> states = new TreeMap<>(snapshotStates(ledger));
    int next = 0;
    for (int k = ledger.renewedThrough() + 1; k <= current; k++) {
      Instant start = periods.start(k);
      while (next < log.size() && log.get(next).at().isBefore(start)) {
        Activity a = log.get(next++);
        states.put(a.relay(), states.getOrDefault(a.relay(), RelayState.NONE).apply(a));
      }
      List<InvoiceItem> items = new ArrayList<>();
      for (Map.Entry<String, RelayState> e : states.entrySet()) {
        RelayState state = e.getValue();
        if (!state.active()) {
          continue;
        }
        Plan plan = priced(state, start, periods);
        if (plan.amount() > 0) {
          items.add(
              InvoiceItem.forRenewal(
                  ledger.tenant(), e.getKey(), plan.id(), plan.amount(), k, start));
        }
      }
      out.add(
          new Renewal(
              ledger.tenant(),
              k,
              start,
              ledger.activityCount(),
              items,
              Optional.of(snapshotOf(states))));
    }
    return out;
  }

  /** The relay states the ledger's snapshot holds (S17): the fold of the log before its point. */
  static Map<String, RelayState> snapshotStates(TenantLedger ledger) {
    Map<String, RelayState> states = new HashMap<>();
    for (RelaySnapshot r : ledger.snapshot()) {
      states.put(r.relay(), new RelayState(true, r.active(), r.plan(), r.planSince().orElse(null)));
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
                e.getKey(), s.active(), s.plan(), Optional.ofNullable(s.planSince())));
      }
    }
    return out;
  }
}
