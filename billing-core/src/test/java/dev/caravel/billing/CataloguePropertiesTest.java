package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * S15 against an independent model: with random price histories (some changes grandfathered), the
 * total billed for a single-relay history equals what the model in this class computes. The model
 * walks each period as slices of constant relay state, and values the relay at each slice boundary
 * by its own reading of the price history as of the period's start (a change reaches the tenant at
 * its first period starting at or after the change; a relay counts as joined at the start of the
 * period it chose its plan in); it shares no code with the engine's pricing.
 */
class CataloguePropertiesTest {
  private static final String[] PLANS = {"free", "basic", "pro", "odd"};

  /**
   * One price change of the test's own: from {@code at} on, {@code amount}, maybe grandfathered.
   */
  record Change(Instant at, long amount, boolean grandfathered) {}

  static Map<String, List<Change>> randomHistory(Random random, Instant from, Instant to) {
    Map<String, List<Change>> history = new HashMap<>();
    for (String plan : PLANS) {
      List<Change> changes = new ArrayList<>();
      changes.add(
          new Change(
              PlanCatalogue.ORIGIN, Fixtures.CATALOGUE.find(plan).orElseThrow().amount(), false));
      int n = random.nextInt(4);
      for (int i = 0; i < n; i++) {
        Instant at = RandomLogs.between(random, from, to);
        if (changes.stream().noneMatch(c -> c.at().equals(at))) {
          changes.add(new Change(at, random.nextInt(3001), random.nextBoolean()));
        }
      }
      changes.sort(Comparator.comparing(Change::at));
      history.put(plan, changes);
    }
    return history;
  }

  static PlanCatalogue catalogue(Map<String, List<Change>> history) {
    List<PlanCatalogue.Version> versions = new ArrayList<>();
    history.forEach(
        (plan, changes) ->
            changes.forEach(
                c ->
                    versions.add(
                        new PlanCatalogue.Version(
                            plan,
                            Fixtures.CATALOGUE.find(plan).orElseThrow().name(),
                            c.amount(),
                            c.at(),
                            false,
                            c.grandfathered()))));
    return PlanCatalogue.withHistory("usd", versions);
  }

  @Property(tries = 1000)
  void totalBilledEqualsAnIndependentModelUnderRandomPriceHistories(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 25) int length,
      @ForAll @IntRange(min = 0, max = 120 * 86_400) int tail) {
    List<Activity> log = RandomLogs.generate(seed, 1, 1, length);
    Instant end = log.get(log.size() - 1).at().plusSeconds(tail);
    Map<String, List<Change>> history =
        randomHistory(new Random(seed ^ 0x5eed), log.get(0).at().minusSeconds(86_400 * 40), end);
    InMemoryRepository repository = new InMemoryRepository();
    Billing billing =
        Fixtures.engine(repository, new MutableClock(end)).catalogue(catalogue(history)).build();
    log.forEach(a -> Fixtures.appendJudged(repository, a));
    billing.runCycle();
    long billed =
        repository.items(Fixtures.tenant(1)).stream().mapToLong(InvoiceItem::amount).sum();
    assertThat(billed).isEqualTo(Model.total(log, end, history));
  }

  /** The independent model. */
  static final class Model {
    static long total(List<Activity> log, Instant end, Map<String, List<Change>> history) {
      LocalDateTime anchor = LocalDateTime.ofInstant(log.get(0).at(), ZoneOffset.UTC);
      long total = 0;
      for (int k = 0; ; k++) {
        Instant start = anchor.plusMonths(k).toInstant(ZoneOffset.UTC);
        if (start.isAfter(end)) {
          return total;
        }
        Instant stop = anchor.plusMonths(k + 1L).toInstant(ZoneOffset.UTC);
        boolean active = false;
        String plan = null;
        Instant joined = null; // the start of the period the relay chose its plan in
        int i = 0;
        for (; i < log.size() && log.get(i).at().isBefore(start); i++) {
          Activity a = log.get(i);
          active = activeAfter(a, active);
          if (a.plan().isPresent() && !a.plan().get().equals(plan)) {
            plan = a.plan().get();
            joined = periodStartHolding(anchor, a.at());
          }
        }
        Instant sliceStart = start;
        while (true) {
          Instant sliceEnd =
              i < log.size() && log.get(i).at().isBefore(stop) ? log.get(i).at() : stop;
          if (active) {
            total +=
                value(history, plan, joined, sliceStart, start, stop)
                    - value(history, plan, joined, sliceEnd, start, stop);
          }
          if (sliceEnd.equals(stop)) {
            break;
          }
          Activity a = log.get(i++);
          active = activeAfter(a, active);
          if (a.plan().isPresent() && !a.plan().get().equals(plan)) {
            plan = a.plan().get();
            joined = start;
          }
          sliceStart = sliceEnd;
        }
      }
    }

    /** The start of the period holding {@code t}, stepping month by month from the anchor. */
    private static Instant periodStartHolding(LocalDateTime anchor, Instant t) {
      int k = 0;
      while (!anchor.plusMonths(k + 1L).toInstant(ZoneOffset.UTC).isAfter(t)) {
        k++;
      }
      return anchor.plusMonths(k).toInstant(ZoneOffset.UTC);
    }

    private static boolean activeAfter(Activity a, boolean active) {
      return switch (a.type()) {
        case CREATE_RELAY, ACTIVATE_RELAY -> true;
        case DEACTIVATE_RELAY -> false;
        case UPDATE_RELAY -> active;
          // S22's activities are not in these logs; they never change whether a relay is active.
        case SCHEDULE_CHANGE, CANCEL_CHANGE -> active;
      };
    }

    /**
     * What the relay pays a period starting at {@code t}, having joined in the period starting at
     * {@code joined}: the price in effect at {@code joined}, replaced by each later change up to
     * {@code t} that does not grandfather it.
     */
    static long price(Map<String, List<Change>> history, String plan, Instant joined, Instant t) {
      long price = -1;
      for (Change c : history.get(plan)) {
        if (c.at().isAfter(t)) {
          break;
        }
        if (!c.at().isAfter(joined) || !c.grandfathered() || price < 0) {
          price = c.amount();
        }
      }
      return price;
    }

    private static long value(
        Map<String, List<Change>> history,
        String plan,
        Instant joined,
        Instant t,
        Instant start,
        Instant stop) {
      if (t.equals(stop)) {
        return 0;
      }
      long p = price(history, plan, joined, start);
      BigDecimal left = BigDecimal.valueOf(p * (stop.getEpochSecond() - t.getEpochSecond()));
      return left.divide(
              BigDecimal.valueOf(stop.getEpochSecond() - start.getEpochSecond()),
              0,
              RoundingMode.HALF_UP)
          .longValueExact();
    }
  }
}
