package dev.caravel.billing;

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
 * each priced by the catalogue's history (S15). Everything here is a function of the activity log
 * and the catalogue history, nothing else, which is what makes the ledger the same however and
 * whenever billing runs (S8).
 */
final class Ledger {
  private final PlanCatalogue catalogue;

  Ledger(PlanCatalogue catalogue) {
    this.catalogue = catalogue;
  }

  /** The plan a relay is on, as priced for it at {@code at}: the version's name, its own price. */
  private Plan priced(RelayState state, Instant at) {
    String id = state.plan().orElseThrow();
    PlanCatalogue.Version version = catalogue.require(id, at);
    return new Plan(id, version.name(), catalogue.priceFor(id, state.planSince(), at));
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

  /** S5: items come from state transitions, priced with the plan as of the activity. */
  Optional<InvoiceItem> itemFor(
      Activity activity, RelayState before, RelayState after, BillingPeriods periods) {
    Period period = periods.periodAt(activity.at());
    if (!before.active() && after.active()) {
      Plan plan = priced(after, activity.at());
      long amount = Proration.prorate(plan.amount(), period, activity.at());
      String what =
          activity.type() == ActivityType.CREATE_RELAY ? "New relay created" : "Relay reactivated";
      return item(activity, plan, amount, what);
    }
    if (before.active() && !after.active()) {
      Plan plan = priced(before, activity.at());
      long amount = -Proration.prorate(plan.amount(), period, activity.at());
      return item(activity, plan, amount, "Relay deactivated (prorated credit)");
    }
    if (before.active() && after.active() && !before.plan().equals(after.plan())) {
      Plan from = priced(before, activity.at());
      Plan to = priced(after, activity.at());
      long amount =
          Proration.prorate(to.amount(), period, activity.at())
              - Proration.prorate(from.amount(), period, activity.at());
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
   * price. Missed periods are caught up one by one.
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
        Plan plan = priced(state, start);
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
