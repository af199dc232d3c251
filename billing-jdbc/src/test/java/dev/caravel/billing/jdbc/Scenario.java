package dev.caravel.billing.jdbc;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A random but reproducible activity log for many tenants, and the instants at which billing runs
 * over it: weekly cycles for a few months, so that every tenant gets prorated charges and credits,
 * plan changes, catch-up renewals, invoices and payment rounds.
 */
final class Scenario {
  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  static final PlanCatalogue CATALOGUE =
      PlanCatalogue.of(
          new Plan("free", "Free", 0),
          new Plan("basic", "Basic", 500),
          new Plan("pro", "Pro", 1500));
  private static final String[] PLANS = {"free", "basic", "pro", "basic", "pro"};

  final List<String> tenants = new ArrayList<>();

  /** Each tenant's activities, oldest first. */
  final Map<String, List<Activity>> log = new HashMap<>();

  /** When billing runs; activity dated up to a step is recorded before that step's cycles. */
  final List<Instant> steps = new ArrayList<>();

  Scenario(long seed, int tenantCount, int weeks) {
    Random random = new Random(seed);
    for (int w = 1; w <= weeks; w++) {
      steps.add(START.plus(Duration.ofDays(7L * w)).plusSeconds(random.nextInt(86_400)));
    }
    Instant end = steps.get(steps.size() - 1);
    for (int t = 0; t < tenantCount; t++) {
      String tenant = Fixture.pubkey(seed * 1_000_000 + t + 1);
      tenants.add(tenant);
      log.put(tenant, randomLog(random, tenant, t, end));
    }
  }

  private static List<Activity> randomLog(Random random, String tenant, int t, Instant end) {
    List<Activity> out = new ArrayList<>();
    Map<String, Boolean> active = new HashMap<>();
    long span = end.getEpochSecond() - START.getEpochSecond();
    Instant at = START.plusSeconds(random.nextInt(28 * 86_400));
    int events = 1 + random.nextInt(5);
    for (int e = 0; e < events && at.isBefore(end); e++) {
      String id = "t" + t + "-e" + e;
      if (active.isEmpty() || (active.size() < 3 && random.nextInt(4) == 0)) {
        String relay = "relay-" + active.size();
        out.add(Activity.create(id, tenant, relay, PLANS[random.nextInt(PLANS.length)], at));
        active.put(relay, true);
      } else {
        String relay = "relay-" + random.nextInt(active.size());
        switch (random.nextInt(3)) {
          case 0 ->
              out.add(Activity.update(id, tenant, relay, PLANS[random.nextInt(PLANS.length)], at));
          case 1 -> {
            boolean isActive = active.get(relay);
            out.add(
                isActive
                    ? Activity.deactivate(id, tenant, relay, at)
                    : Activity.activate(id, tenant, relay, at));
            active.put(relay, !isActive);
          }
          default ->
              out.add(
                  Activity.deactivate(id, tenant, relay, at)); // a second one must not credit again
        }
        if (out.get(out.size() - 1).type() == dev.caravel.billing.ActivityType.DEACTIVATE_RELAY) {
          active.put(relay, false);
        }
      }
      // mostly days apart, sometimes the same second
      at =
          at.plusSeconds(
              random.nextInt(5) == 0 ? 0 : 1 + random.nextInt((int) Math.max(1, span / 3)));
    }
    return out;
  }

  /** The tenant's activities dated in {@code (after, upTo]}. */
  List<Activity> between(String tenant, Instant after, Instant upTo) {
    List<Activity> out = new ArrayList<>();
    for (Activity a : log.get(tenant)) {
      if ((after == null || a.at().isAfter(after)) && !a.at().isAfter(upTo)) {
        out.add(a);
      }
    }
    return out;
  }

  int activityCount() {
    return log.values().stream().mapToInt(List::size).sum();
  }

  /** One engine instance over {@code repository}, paying through {@code rails}. */
  /** An engine collecting one invoice at a time, as the fault tests count on. */
  static Billing engine(Repository repository, MutableClock clock, Rails rails, String instanceId) {
    return engine(repository, clock, rails, instanceId, 1);
  }

  /** An engine collecting up to {@code concurrency} invoices at once, each under its lease. */
  static Billing engine(
      Repository repository, MutableClock clock, Rails rails, String instanceId, int concurrency) {
    return Billing.builder()
        .collectionConcurrency(concurrency)
        .repository(repository)
        .catalogue(CATALOGUE)
        .clock(clock)
        .paymentGateway(rails)
        .messenger(rails)
        .listener(rails)
        .appUrl("https://relays.example")
        .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
        .instanceId(instanceId)
        .pageSize(250)
        .build();
  }
}
