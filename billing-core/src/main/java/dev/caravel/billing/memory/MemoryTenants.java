package dev.caravel.billing.memory;

import dev.caravel.billing.Activity;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.ActivityWrite;
import dev.caravel.billing.spi.Anchoring;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Tenants and their activity log: profiles, the log's admission, taking the due tenants, ledgers.
 * Part of {@link InMemoryRepository}: it keeps nothing of its own and takes the one {@link
 * MemoryState#lock} around every read and write.
 */
final class MemoryTenants {
  private final MemoryState state;

  MemoryTenants(MemoryState state) {
    this.state = state;
  }

  void saveTenant(Tenant tenant) {
    Checks.notNull(tenant, "tenant");
    synchronized (state.lock) {
      state.tenants.computeIfAbsent(tenant.pubkey(), TenantRow::new).profile = tenant;
    }
  }

  Optional<Tenant> findTenant(String pubkey) {
    synchronized (state.lock) {
      TenantRow row = state.tenants.get(pubkey);
      return row == null ? Optional.empty() : Optional.of(row.profile);
    }
  }

  List<String> tenantPage(String after, int limit) {
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    synchronized (state.lock) {
      Map<String, TenantRow> tail =
          after == null ? state.tenants : state.tenants.tailMap(after, false);
      return tail.keySet().stream().limit(limit).toList();
    }
  }

  ActivityWrite appendActivity(
      Activity activity, Optional<TenantLedger> read, Anchoring anchoring) {
    Checks.notNull(activity, "activity");
    Checks.notNull(read, "read");
    Checks.notNull(anchoring, "anchoring");
    synchronized (state.lock) {
      Activity existing = state.activitiesById.get(activity.id());
      if (existing != null) {
        return new ActivityWrite.IdTaken(existing);
      }
      TenantRow row = state.tenants.get(activity.tenant());
      if (!sameLog(row, read)) {
        return new ActivityWrite.LogMoved();
      }
      if (row == null) {
        row = new TenantRow(activity.tenant());
        state.tenants.put(activity.tenant(), row);
      }
      if (row.anchor == null) {
        row.anchor = anchoring.anchor();
        row.renewedThrough = anchoring.renewedThrough();
        row.renewedThroughStart = anchoring.markStart().orElse(null);
      }
      row.lastAt = activity.at();
      row.activities.add(activity);
      row.activitiesById.put(activity.id(), activity);
      state.activitiesById.put(activity.id(), activity);
      state.markDue(row);
      return new ActivityWrite.Appended();
    }
  }

  Optional<Activity> findActivity(String id) {
    synchronized (state.lock) {
      return Optional.ofNullable(state.activitiesById.get(id));
    }
  }

  /** The compare of {@link #appendActivity}: what the engine read is what is stored. */
  private static boolean sameLog(TenantRow row, Optional<TenantLedger> read) {
    if (row == null || read.isEmpty()) {
      return row == null && read.isEmpty();
    }
    TenantLedger log = read.get();
    return row.activities.size() == log.activityCount()
        && Objects.equals(row.anchor, log.anchor().orElse(null))
        && row.renewedThrough == log.renewedThrough()
        && row.profile.trialDays().equals(log.trialDays());
  }

  List<String> takeDueTenants(String instance, String cycle, Instant now, Duration ttl, int limit) {
    Checks.text(instance, "instance");
    Checks.text(cycle, "cycle");
    Checks.notNull(now, "now");
    Checks.notNull(ttl, "ttl");
    if (limit < 1) {
      throw new InvalidInputException("limit must be positive");
    }
    synchronized (state.lock) {
      List<String> taken = new ArrayList<>();
      for (DueKey key : state.dueIndex) {
        if (key.at().isAfter(now) || taken.size() == limit) {
          break;
        }
        TenantRow row = state.tenants.get(key.pubkey());
        boolean live = row.takenUntil != null && row.takenUntil.isAfter(now);
        if (live && !(instance.equals(row.takenBy) && !cycle.equals(row.takenInCycle))) {
          continue;
        }
        row.takenUntil = now.plus(ttl);
        row.takenBy = instance;
        row.takenInCycle = cycle;
        taken.add(key.pubkey());
      }
      return taken;
    }
  }

  List<TenantLedger> ledgers(List<String> pubkeys) {
    synchronized (state.lock) {
      List<TenantLedger> out = new ArrayList<>();
      for (String pubkey : pubkeys) {
        TenantRow row = state.tenants.get(pubkey);
        if (row != null) {
          // Only the tail after the snapshot point: a read costs the activity since the last
          // renewal, not the whole history.
          List<Activity> tail = row.activities.subList(row.snapshotIndex, row.activities.size());
          Set<String> billed = new HashSet<>();
          for (Activity a : tail) {
            if (row.billed.contains(a.id())) {
              billed.add(a.id());
            }
          }
          out.add(
              new TenantLedger(
                  pubkey,
                  Optional.ofNullable(row.anchor),
                  row.renewedThrough,
                  row.snapshotPeriod,
                  row.snapshot,
                  row.activities.size(),
                  tail,
                  billed,
                  Optional.ofNullable(row.lastAt),
                  MemoryLedger.unclaimed(state, row),
                  row.profile,
                  state.latestRedemption(pubkey)));
        }
      }
      return out;
    }
  }
}
