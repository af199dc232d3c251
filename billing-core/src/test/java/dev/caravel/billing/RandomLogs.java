package dev.caravel.billing;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Valid random activity logs: a few tenants and relays, anchors weighted to month ends, gaps from
 * zero (same instant) to seven weeks, every activity type including the ones that must bill nothing
 * (a second activate, a plan change while inactive, an update without a plan).
 */
final class RandomLogs {
  private static final String[] PLANS = {"free", "basic", "pro", "odd"};

  private RandomLogs() {}

  static List<Activity> generate(long seed, int tenants, int relaysPerTenant, int length) {
    Random random = new Random(seed);
    int day = random.nextInt(4) == 0 ? 1 + random.nextInt(27) : 28 + random.nextInt(4);
    int month = 1 + random.nextInt(12);
    int year = 2023 + random.nextInt(3);
    day = Math.min(day, java.time.YearMonth.of(year, month).lengthOfMonth());
    Instant t =
        LocalDateTime.of(
                year, month, day, random.nextInt(24), random.nextInt(60), random.nextInt(60))
            .toInstant(ZoneOffset.UTC);
    Map<String, Map<String, Boolean>> relays = new HashMap<>(); // tenant -> relay -> active
    List<Activity> log = new ArrayList<>();
    for (int i = 0; i < length; i++) {
      int gap = random.nextInt(10);
      if (gap >= 3) {
        t = t.plusSeconds(random.nextInt(gap < 8 ? 86_400 * 12 : 86_400 * 50));
      }
      String tenant = Fixtures.tenant(1 + random.nextInt(tenants));
      Map<String, Boolean> own = relays.computeIfAbsent(tenant, k -> new HashMap<>());
      String id = "e" + i;
      if (own.isEmpty() || (own.size() < relaysPerTenant && random.nextInt(4) == 0)) {
        String relay = "r" + own.size();
        own.put(relay, true);
        log.add(Activity.create(id, tenant, relay, PLANS[random.nextInt(PLANS.length)], t));
        continue;
      }
      String relay = "r" + random.nextInt(own.size());
      switch (random.nextInt(4)) {
        case 0 ->
            log.add(
                Activity.update(
                    id,
                    tenant,
                    relay,
                    random.nextInt(5) == 0 ? null : PLANS[random.nextInt(PLANS.length)],
                    t));
        case 1 -> {
          own.put(relay, true);
          log.add(Activity.activate(id, tenant, relay, t));
        }
        default -> {
          own.put(relay, false);
          log.add(Activity.deactivate(id, tenant, relay, t));
        }
      }
    }
    return log;
  }

  /** A random instant in {@code [from, to]}. */
  static Instant between(Random random, Instant from, Instant to) {
    long span = to.getEpochSecond() - from.getEpochSecond();
    return span <= 0 ? from : from.plusSeconds(random.nextLong(span + 1));
  }
}
