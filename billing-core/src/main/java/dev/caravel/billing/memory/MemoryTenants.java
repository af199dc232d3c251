package dev.caravel.billing.memory;

import dev.caravel.billing.Activity;
import dev.caravel.billing.ActivityRejectedException;
import dev.caravel.billing.ActivityType;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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

  boolean appendActivity(Activity activity) {
    Checks.notNull(activity, "activity");
    synchronized (state.lock) {
      Activity existing = state.activitiesById.get(activity.id());
      if (existing != null) {
        if (existing.equals(activity)) {
          return false;
        }
        throw new ActivityRejectedException(
            ActivityRejectedException.Reason.CONFLICTING_ID,
            "activity " + activity.id() + " was recorded already with different content");
      }
      TenantRow row = state.tenants.get(activity.tenant());
      if (row != null) {
        if (row.lastAt != null && activity.at().isBefore(row.lastAt)) {
          throw new ActivityRejectedException(
              ActivityRejectedException.Reason.OUT_OF_ORDER,
              "activity "
                  + activity.id()
                  + " at "
                  + activity.at()
                  + " is before the tenant's latest activity at "
                  + row.lastAt);
        }
        if (row.anchor != null && activity.at().isBefore(row.anchor)) {
          // Only a charge sets an anchor before any activity (recordAdjustment): periods start
          // there, and an activity before it would belong to none.
          throw new ActivityRejectedException(
              ActivityRejectedException.Reason.OUT_OF_ORDER,
              "activity "
                  + activity.id()
                  + " at "
                  + activity.at()
                  + " is before the tenant's billing anchor at "
                  + row.anchor);
        }
        if (row.renewedThroughStart != null && activity.at().isBefore(row.renewedThroughStart)) {
          throw new ActivityRejectedException(
              ActivityRejectedException.Reason.PERIOD_ALREADY_BILLED,
              "activity "
                  + activity.id()
                  + " at "
                  + activity.at()
                  + " falls before "
                  + row.renewedThroughStart
                  + ", the start of a period already renewed");
        }
      }
      boolean relayExists = row != null && row.relays.contains(activity.relay());
      if (activity.type() == ActivityType.CREATE_RELAY && relayExists) {
        throw new ActivityRejectedException(
            ActivityRejectedException.Reason.RELAY_EXISTS,
            "relay " + activity.relay() + " already exists");
      }
      if (activity.type() != ActivityType.CREATE_RELAY && !relayExists) {
        throw new ActivityRejectedException(
            ActivityRejectedException.Reason.UNKNOWN_RELAY,
            "relay " + activity.relay() + " was never created");
      }
      if (row == null) {
        row = new TenantRow(activity.tenant());
        state.tenants.put(activity.tenant(), row);
      }
      if (row.anchor == null) {
        row.anchor = activity.at();
      }
      row.lastAt = activity.at();
      row.activities.add(activity);
      row.activitiesById.put(activity.id(), activity);
      state.activitiesById.put(activity.id(), activity);
      row.relays.add(activity.relay());
      state.markDue(row);
      return true;
    }
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
                  billed));
        }
      }
      return out;
    }
  }
}
