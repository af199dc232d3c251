package dev.caravel.billing.memory;

import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.PlanCatalogue.ChangeRejectedException;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The catalogue's history (S15). Part of {@link InMemoryRepository}: it keeps nothing of its own
 * and takes the one {@link MemoryState#lock} around every read and write.
 */
final class MemoryCatalogue {
  private final MemoryState state;

  MemoryCatalogue(MemoryState state) {
    this.state = state;
  }

  Optional<PlanCatalogue> catalogue() {
    synchronized (state.lock) {
      return Optional.ofNullable(state.catalogue);
    }
  }

  OptionalLong catalogueVersion() {
    synchronized (state.lock) {
      return OptionalLong.of(state.catalogueVersion);
    }
  }

  PlanCatalogue seedCatalogue(PlanCatalogue seed) {
    Checks.notNull(seed, "seed");
    synchronized (state.lock) {
      if (state.catalogue == null) {
        state.catalogue = PlanCatalogue.withHistory(seed.currency(), List.of());
      }
      if (state.catalogue.currency().equals(seed.currency())) {
        List<PlanCatalogue.Version> all = new ArrayList<>(state.catalogue.versions());
        for (PlanCatalogue.Version v : seed.versions()) {
          if (state.catalogue.history(v.plan()).isEmpty()) {
            all.add(v);
          }
        }
        state.catalogue = PlanCatalogue.withHistory(state.catalogue.currency(), all);
      }
      state.catalogueVersion++;
      return state.catalogue;
    }
  }

  boolean addPlanVersion(PlanCatalogue.Version version) {
    Checks.notNull(version, "version");
    synchronized (state.lock) {
      List<PlanCatalogue.Version> history =
          state.catalogue == null ? List.of() : state.catalogue.history(version.plan());
      if (history.isEmpty()) {
        throw new ChangeRejectedException(
            ChangeRejectedException.Reason.UNKNOWN_PLAN,
            "plan \"" + version.plan() + "\" is not in the stored catalogue");
      }
      for (PlanCatalogue.Version v : history) {
        if (v.effective().equals(version.effective())) {
          if (v.equals(version)) {
            return false;
          }
          throw new ChangeRejectedException(
              ChangeRejectedException.Reason.CONFLICTING_CHANGE,
              "plan \""
                  + version.plan()
                  + "\" has another version effective at "
                  + version.effective());
        }
      }
      // S15 prices an item of period [s, e) as of s, so a version at E can change only items of
      // periods starting at or after E; every written item has s at or before an activity or a
      // renewed start, so E after all of them leaves every item as written (Repository javadoc).
      for (TenantRow row : state.tenants.values()) {
        Instant latest = row.lastAt;
        if (row.renewedThroughStart != null
            && (latest == null || row.renewedThroughStart.isAfter(latest))) {
          latest = row.renewedThroughStart;
        }
        if (latest != null && !latest.isBefore(version.effective())) {
          throw new ChangeRejectedException(
              ChangeRejectedException.Reason.ALREADY_BILLED,
              "a change effective at "
                  + version.effective()
                  + " would reprice the ledger as billed through "
                  + latest
                  + "; date it later");
        }
      }
      List<PlanCatalogue.Version> all = new ArrayList<>(state.catalogue.versions());
      all.add(version);
      state.catalogue = PlanCatalogue.withHistory(state.catalogue.currency(), all);
      state.catalogueVersion++;
      return true;
    }
  }
}
