package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.internal.BillingPeriods;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Reconciliation;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.TenantLedger;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * S22's properties, against a reference written here: random logs that schedule plan changes for
 * the term end, replace and cancel them, deactivate and reactivate relays and change plans at once.
 * The reference keeps each relay's plan and its change to come as plainly as S22 says it, and is
 * what generates only the activities recording admits.
 */
class TermEndPropertiesTest {
  /** Odd prices and every interval, so that prorations round and boundaries differ by plan. */
  private static final PlanCatalogue CATALOGUE =
      PlanCatalogue.of(
          new Plan("free", "Free", 0),
          new Plan("basic", "Basic", 500),
          new Plan("pro", "Pro", 1_999),
          new Plan("quarterly", "Quarterly", 1_399, 3),
          new Plan("half", "Half-yearly", 2_777, 6),
          new Plan("yearly", "Yearly", 4_999, 12));

  private static final List<String> PLANS =
      CATALOGUE.plans().stream().map(Plan::id).sorted().toList();
  private static final String TENANT = Fixtures.ALICE;

  private final Ledger rules = new Ledger(CATALOGUE);

  /** The reference's relay: its plan, whether active, and the change to come (plan, instant). */
  private static final class Relay {
    String plan;
    boolean active = true;
    String scheduledPlan;
    Instant scheduledAt;

    /** Whether the last {@link #asOf} moved it onto its scheduled plan. */
    boolean switched;

    Relay(String plan) {
      this.plan = plan;
    }

    /** S22: from the boundary on, the relay is on the scheduled plan. */
    void asOf(Instant t) {
      switched = scheduledAt != null && !t.isBefore(scheduledAt);
      if (switched) {
        plan = scheduledPlan;
        scheduledPlan = null;
        scheduledAt = null;
      }
    }

    void drop() {
      scheduledPlan = null;
      scheduledAt = null;
    }
  }

  private static int months(String plan) {
    return CATALOGUE.find(plan).orElseThrow().intervalMonths();
  }

  private static long price(String plan) {
    return CATALOGUE.find(plan).orElseThrow().amount();
  }

  /** S3, by hand: round_half_up(p × (e − t) / (e − s)). */
  private static long prorate(long price, Instant s, Instant e, Instant t) {
    long left = e.getEpochSecond() - t.getEpochSecond();
    long span = e.getEpochSecond() - s.getEpochSecond();
    return (2 * price * left + span) / (2 * span);
  }

  private static Instant anchor(Random random) {
    int year = 2023 + random.nextInt(4);
    int month = 1 + random.nextInt(12);
    int length = java.time.YearMonth.of(year, month).lengthOfMonth();
    int day = random.nextBoolean() ? length - random.nextInt(3) : 1 + random.nextInt(length);
    return LocalDateTime.of(year, month, day, random.nextInt(24), random.nextInt(60))
        .toInstant(ZoneOffset.UTC);
  }

  /**
   * A log recording admits, with its reference states kept alongside: every schedule is for an
   * active relay and another plan, every cancel for a change still to come.
   */
  private static List<Activity> log(Random random, int length) {
    Instant t = anchor(random);
    BillingPeriods periods = new BillingPeriods(t);
    Map<String, Relay> relays = new TreeMap<>();
    List<Activity> log = new ArrayList<>();
    for (int i = 0; i < length; i++) {
      if (i > 0 && random.nextInt(3) > 0) {
        t = t.plusSeconds(random.nextInt(random.nextInt(4) == 0 ? 86_400 * 200 : 86_400 * 20));
      }
      String id = "e" + i;
      if (relays.isEmpty() || (relays.size() < 3 && random.nextInt(6) == 0)) {
        String relay = "r" + relays.size();
        String plan = PLANS.get(random.nextInt(PLANS.size()));
        relays.put(relay, new Relay(plan));
        log.add(Activity.create(id, TENANT, relay, plan, t));
        continue;
      }
      String name = "r" + random.nextInt(relays.size());
      Relay relay = relays.get(name);
      relay.asOf(t);
      String other = PLANS.get(random.nextInt(PLANS.size()));
      int kind = random.nextInt(10);
      if (kind < 4 && relay.active && !other.equals(relay.plan)) {
        relay.scheduledPlan = other;
        relay.scheduledAt = periods.termAt(t, months(relay.plan)).end();
        log.add(Activity.scheduleChange(id, TENANT, name, other, t));
      } else if (kind < 6 && relay.scheduledPlan != null) {
        relay.drop();
        log.add(Activity.cancelChange(id, TENANT, name, t));
      } else if (kind == 6) {
        if (!other.equals(relay.plan)) {
          relay.plan = other;
          relay.drop();
        }
        log.add(Activity.update(id, TENANT, name, other, t));
      } else if (relay.active) {
        relay.active = false;
        relay.drop();
        log.add(Activity.deactivate(id, TENANT, name, t));
      } else {
        relay.active = true;
        log.add(Activity.activate(id, TENANT, name, t));
      }
    }
    return log;
  }

  /**
   * The reference's renewals from period 1 through {@code current}: at each period start, every
   * active relay on a plan whose term starts there pays its price; one whose scheduled change takes
   * effect there, on a plan whose term it enters mid-way, pays the rest of that term.
   */
  private static List<List<String>> referenceRenewals(List<Activity> log, int current) {
    BillingPeriods periods = new BillingPeriods(log.get(0).at());
    Map<String, Relay> relays = new TreeMap<>();
    List<List<String>> out = new ArrayList<>();
    int next = 0;
    for (int k = 1; k <= current; k++) {
      Instant start = periods.start(k);
      while (next < log.size() && log.get(next).at().isBefore(start)) {
        Activity a = log.get(next++);
        Relay relay = relays.get(a.relay());
        if (relay != null) {
          relay.asOf(a.at());
        }
        switch (a.type()) {
          case CREATE_RELAY -> relays.put(a.relay(), new Relay(a.plan().orElseThrow()));
          case UPDATE_RELAY -> {
            if (!a.plan().orElseThrow().equals(relay.plan)) {
              relay.plan = a.plan().orElseThrow();
              relay.drop();
            }
          }
          case ACTIVATE_RELAY -> relay.active = true;
          case DEACTIVATE_RELAY -> {
            relay.active = false;
            relay.drop();
          }
          case SCHEDULE_CHANGE -> {
            relay.scheduledPlan = a.plan().orElseThrow();
            relay.scheduledAt = periods.termAt(a.at(), months(relay.plan)).end();
          }
          case CANCEL_CHANGE -> relay.drop();
        }
      }
      List<String> items = new ArrayList<>();
      for (Map.Entry<String, Relay> e : relays.entrySet()) {
        Relay relay = e.getValue();
        relay.asOf(start);
        if (!relay.active) {
          continue;
        }
        int n = months(relay.plan);
        long amount = 0;
        if (k % n == 0) {
          amount = price(relay.plan);
        } else if (relay.switched) {
          Invoice.Period term = periods.termAt(start, n);
          amount = prorate(price(relay.plan), term.start(), term.end(), start);
        }
        if (amount > 0) {
          items.add(e.getKey() + " " + relay.plan + " " + amount);
        }
      }
      out.add(items);
    }
    return out;
  }

  /**
   * The ledger's renewals are the reference's; scheduling and cancelling bill nothing; and a
   * snapshot taken at a renewal (with the changes still to come in it) plus the log's tail after it
   * reconcile and renew exactly as the whole log does (S8, S17).
   */
  @Property(tries = 1000)
  void renewalsFollowTheReferenceAndASnapshotPlusTailFoldsAsTheWholeLog(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int length) {
    Random random = new Random(seed);
    List<Activity> log = log(random, length);
    Instant anchor = log.get(0).at();
    BillingPeriods periods = new BillingPeriods(anchor);
    Instant last = log.get(log.size() - 1).at();
    Instant now = last.plusSeconds(random.nextInt(86_400 * 400));
    int current = periods.indexAt(now);
    TenantLedger whole = new TenantLedger(TENANT, Optional.of(anchor), 0, log, Set.of());

    List<Renewal> renewals = rules.renewalsDue(whole, now);
    List<List<String>> engine = new ArrayList<>();
    for (Renewal r : renewals) {
      engine.add(
          r.items().stream().map(i -> i.relay() + " " + i.plan() + " " + i.amount()).toList());
    }
    assertThat(engine).isEqualTo(referenceRenewals(log, current));
    for (Reconciliation r : rules.reconcile(whole)) {
      Activity a = log.stream().filter(x -> x.id().equals(r.activityId())).findFirst().get();
      if (a.type() == ActivityType.SCHEDULE_CHANGE || a.type() == ActivityType.CANCEL_CHANGE) {
        assertThat(r.item()).as("%s bills nothing", a).isEmpty();
      }
    }

    // Renewed through r, snapshot at s <= r, both at most the period of the last activity.
    int renewed = random.nextInt(periods.indexAt(last) + 1);
    int snapshot = random.nextInt(renewed + 1);
    if (snapshot == 0) {
      return;
    }
    Instant point = periods.start(snapshot);
    TenantLedger upToPoint =
        new TenantLedger(TENANT, Optional.of(anchor), snapshot - 1, log, Set.of());
    Renewal atPoint = rules.renewalsDue(upToPoint, point).get(0);
    int before = 0;
    while (before < log.size() && log.get(before).at().isBefore(point)) {
      before++;
    }
    Set<String> billed = new HashSet<>();
    int billedUpTo = before + random.nextInt(log.size() - before + 1);
    log.subList(0, billedUpTo).forEach(a -> billed.add(a.id()));
    Set<String> tailBilled = new HashSet<>(billed);
    log.subList(0, before).forEach(a -> tailBilled.remove(a.id()));
    TenantLedger all = new TenantLedger(TENANT, Optional.of(anchor), renewed, log, billed);
    TenantLedger fromSnapshot =
        new TenantLedger(
            TENANT,
            Optional.of(anchor),
            renewed,
            snapshot,
            atPoint.snapshot().orElseThrow(),
            log.size(),
            log.subList(before, log.size()),
            tailBilled,
            all.lastActivityAt(),
            all.unclaimed(),
            all.profile(),
            Optional.empty());
    assertThat(rules.reconcile(fromSnapshot)).isEqualTo(rules.reconcile(all));
    assertThat(rules.renewalsDue(fromSnapshot, now)).isEqualTo(rules.renewalsDue(all, now));
    // As of any instant from the snapshot point on: a change whose boundary passed is the plan in
    // a snapshot taken after it, and still "to come" in a fold that has not looked at that instant.
    Instant t = RandomLogs.between(random, point, now);
    for (String relay : List.of("r0", "r1", "r2")) {
      assertThat(rules.stateAfterLog(fromSnapshot, relay).asOf(t))
          .isEqualTo(rules.stateAfterLog(all, relay).asOf(t));
    }
  }

  /**
   * A term's prorations plus its renewal never exceed its price, nor go below zero, with changes
   * scheduled between plans of every interval: relays created, deactivated, reactivated, their
   * changes scheduled, replaced and cancelled through the engine, billed at random moments (so the
   * stored snapshots carry changes to come), each item counted in its plan's term holding it. The
   * stored ledger, a snapshot and its tail, folds to the states the whole log folds to.
   */
  @Property(tries = 200)
  void aTermsProrationsPlusItsRenewalNeverExceedItsPrice(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 30) int steps) {
    Random random = new Random(seed);
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = new MutableClock(anchor(random));
    Billing billing =
        Billing.builder()
            .repository(repository)
            .catalogue(CATALOGUE)
            .clock(clock)
            .appUrl("https://relays.example")
            .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
            .messenger(Fixtures.UNREAD)
            .build();
    List<Activity> recorded = new ArrayList<>();
    Map<String, Boolean> active = new TreeMap<>();
    for (int i = 0; i < steps; i++) {
      if (i > 0) {
        clock.advance(Duration.ofSeconds(random.nextInt(86_400 * 70)));
      }
      Instant now = clock.instant();
      String plan = PLANS.get(random.nextInt(PLANS.size()));
      String relay = "r" + random.nextInt(2);
      Activity a;
      if (!active.containsKey(relay)) {
        a = Activity.create("c" + i, TENANT, relay, plan, now);
        active.put(relay, true);
      } else {
        switch (random.nextInt(6)) {
          case 0 -> {
            billing.generateInvoice(TENANT);
            continue;
          }
          case 1, 2 -> a = Activity.scheduleChange("s" + i, TENANT, relay, plan, now);
          case 3 -> a = Activity.cancelChange("x" + i, TENANT, relay, now);
          default -> {
            boolean on = active.get(relay);
            a =
                on
                    ? Activity.deactivate("d" + i, TENANT, relay, now)
                    : Activity.activate("a" + i, TENANT, relay, now);
            active.put(relay, !on);
          }
        }
      }
      try {
        billing.record(a);
        recorded.add(a);
      } catch (ActivityRejectedException refused) {
        assertThat(refused.reason())
            .isIn(
                ActivityRejectedException.Reason.NOT_SCHEDULABLE,
                ActivityRejectedException.Reason.NOTHING_SCHEDULED);
      }
    }
    clock.advance(Duration.ofDays(random.nextInt(800)));
    billing.generateInvoice(TENANT);

    TenantLedger stored = repository.ledgers(List.of(TENANT)).get(0);
    Instant anchor = stored.anchor().orElseThrow();
    TenantLedger whole = new TenantLedger(TENANT, Optional.of(anchor), 0, recorded, Set.of());
    for (String relay : active.keySet()) {
      assertThat(rules.stateAfterLog(stored, relay).asOf(clock.instant()))
          .as("%s from the snapshot of period %d", relay, stored.snapshotPeriod())
          .isEqualTo(rules.stateAfterLog(whole, relay).asOf(clock.instant()));
    }
    BillingPeriods periods = new BillingPeriods(anchor);
    Map<String, Long> byTerm = new TreeMap<>();
    for (InvoiceItem item : repository.items(TENANT)) {
      int term = periods.termAt(item.at(), months(item.plan())).index();
      byTerm.merge(item.relay() + " " + item.plan() + " " + term, item.amount(), Long::sum);
    }
    byTerm.forEach(
        (term, sum) -> assertThat(sum).as(term).isBetween(0L, price(term.split(" ")[1])));
  }
}
