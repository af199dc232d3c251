package dev.caravel.billing.memory;

import dev.caravel.billing.PlanCatalogue;
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

  Optional<Instant> billedThrough() {
    synchronized (state.lock) {
      Instant latest = null;
      for (TenantRow row : state.tenants.values()) {
        latest = later(later(latest, row.lastAt), row.renewedThroughStart);
      }
      return Optional.ofNullable(latest);
    }
  }

  boolean addPlanVersion(
      PlanCatalogue.Version version, long catalogueRead, Optional<Instant> billedThroughRead) {
    Checks.notNull(version, "version");
    Checks.notNull(billedThroughRead, "billedThroughRead");
    synchronized (state.lock) {
      if (state.catalogue == null
          || state.catalogueVersion != catalogueRead
          || !billedThrough().equals(billedThroughRead)) {
        return false;
      }
      List<PlanCatalogue.Version> all = new ArrayList<>(state.catalogue.versions());
      all.add(version);
      state.catalogue = PlanCatalogue.withHistory(state.catalogue.currency(), all);
      state.catalogueVersion++;
      return true;
    }
  }

  private static Instant later(Instant a, Instant b) {
    return a == null || (b != null && b.isAfter(a)) ? b : a;
  }
}
