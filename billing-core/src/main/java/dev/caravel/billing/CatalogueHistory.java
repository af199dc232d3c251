package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.StorageException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The catalogue's history as stored with the ledger (S15): the seed it starts from, the cached read
 * every part prices by, price changes and retirements, and whether new activity may choose a plan.
 */
final class CatalogueHistory {
  /** Writes of one change whose read the catalogue moved past, before the storage is blamed. */
  private static final int WRITE_ATTEMPTS = 100;

  private final EngineSettings settings;
  private final Repository repository;

  /**
   * The stored catalogue as last read, with the repository's catalogue version it was read at: read
   * again only when that version moved, instead of once per page and per record().
   */
  private final AtomicReference<CachedCatalogue> cachedCatalogue = new AtomicReference<>();

  record CachedCatalogue(long version, PlanCatalogue catalogue, Ledger rules) {
    /** The version items priced by this catalogue are applied under; empty when not tracked. */
    OptionalLong pricedWith() {
      return version == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(version);
    }

    boolean movedIn(Repository repository) {
      OptionalLong now = repository.catalogueVersion();
      return now.isPresent() && now.getAsLong() != version;
    }
  }

  CatalogueHistory(EngineSettings settings) {
    this.settings = settings;
    this.repository = settings.repository();
  }

  PlanCatalogue storedCatalogue() {
    return cached().catalogue();
  }

  /**
   * The stored catalogue, from the cache while the repository's catalogue version has not moved.
   * The version is read now, like the catalogue would be, so a caller reading it after the ledgers
   * sees every version an activity or renewal in them depends on (S15). Should the catalogue change
   * between the two reads, the cache holds a newer catalogue under an older version, and the next
   * call reads it again: harmless.
   */
  CachedCatalogue cached() {
    OptionalLong version = repository.catalogueVersion();
    CachedCatalogue current = cachedCatalogue.get();
    if (version.isPresent() && current != null && current.version() == version.getAsLong()) {
      return current;
    }
    PlanCatalogue read =
        repository
            .catalogue()
            .orElseThrow(() -> new StorageException("the repository holds no catalogue"));
    CachedCatalogue fresh =
        new CachedCatalogue(version.orElse(Long.MIN_VALUE), read, new Ledger(read));
    if (version.isPresent()) {
      cachedCatalogue.set(fresh);
    }
    return fresh;
  }

  /**
   * Seeds the stored catalogue with the configured one (S15) and refuses to start on a seed that
   * disagrees with what is stored: the stored history wins, so instances started with different
   * catalogues never silently price the same ledger two ways. A seed agrees when it has the stored
   * currency and each of its plans' versions begin the stored history of that plan (a stored
   * history may go on with changes made by {@link Billing#changePrice}); plans stored but missing
   * from the seed stay.
   */
  static PlanCatalogue seed(Repository repository, PlanCatalogue seed) {
    PlanCatalogue stored = repository.seedCatalogue(seed);
    require(
        stored.currency().equals(seed.currency()),
        "the stored catalogue is in "
            + stored.currency()
            + ", the configured one in "
            + seed.currency()
            + "; a catalogue has one currency");
    for (Plan plan : seed.plans()) {
      List<PlanCatalogue.Version> mine = seed.history(plan.id());
      List<PlanCatalogue.Version> theirs = stored.history(plan.id());
      require(
          theirs.size() >= mine.size() && theirs.subList(0, mine.size()).equals(mine),
          "the configured price history of plan \""
              + plan.id()
              + "\" "
              + mine
              + " disagrees with the stored one "
              + theirs
              + "; change prices with Billing.changePrice, not by editing the catalogue");
    }
    return stored;
  }

  /** A seed that disagrees is a setup mistake, so the builder's JDK exception. */
  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }

  /** {@link Billing#changePrice(String, long, Instant)}: the builder's grandfathering default. */
  boolean changePrice(String planId, long amount, Instant effective) {
    return changePrice(planId, amount, effective, settings.grandfather());
  }

  /** {@link Billing#changePrice(String, long, Instant, boolean)}. */
  boolean changePrice(String planId, long amount, Instant effective, boolean grandfathered) {
    Checks.id(planId, "plan id");
    Checks.amount(amount, "plan amount");
    Checks.instant(effective, "effective instant");
    PlanCatalogue.Version current = versionAt(planId, effective);
    // A retired plan keeps billing its relays, so repricing them stays possible; a retirement is
    // final, so a version after it stays retired.
    boolean retired = storedCatalogue().retiredSince(planId, effective).isPresent();
    return addVersion(
        new PlanCatalogue.Version(
            planId,
            current.name(),
            amount,
            effective,
            retired,
            grandfathered,
            current.intervalMonths()));
  }

  /** {@link Billing#retirePlan}. */
  boolean retirePlan(String planId, Instant effective) {
    Checks.id(planId, "plan id");
    Checks.instant(effective, "effective instant");
    PlanCatalogue.Version current = versionAt(planId, effective);
    Optional<Instant> retiredSince = storedCatalogue().retiredSince(planId, effective);
    if (retiredSince.isPresent() && !retiredSince.get().equals(effective)) {
      throw new PlanCatalogue.ChangeRejectedException(
          PlanCatalogue.ChangeRejectedException.Reason.RETIRED,
          "plan \"" + planId + "\" is retired since " + retiredSince.get());
    }
    // Grandfathered, so the retirement reprices nobody.
    return addVersion(
        new PlanCatalogue.Version(
            planId,
            current.name(),
            current.amount(),
            effective,
            true,
            true,
            current.intervalMonths()));
  }

  /** The stored version in effect at {@code effective} (or the plan's first, if none is yet). */
  private PlanCatalogue.Version versionAt(String planId, Instant effective) {
    PlanCatalogue stored = storedCatalogue();
    List<PlanCatalogue.Version> history = stored.history(planId);
    if (history.isEmpty()) {
      throw new PlanCatalogue.ChangeRejectedException(
          PlanCatalogue.ChangeRejectedException.Reason.UNKNOWN_PLAN,
          "plan \"" + planId + "\" is not in the catalogue");
    }
    return stored.versionAt(planId, effective).orElse(history.get(0));
  }

  /**
   * Stores a version unless stored already; only the future may change (S15). Judged from the
   * stored catalogue and {@link Repository#billedThrough} as read, and stored only if neither moved
   * since ({@link Repository#addPlanVersion}); a read the storage moved past is judged again.
   */
  private boolean addVersion(PlanCatalogue.Version version) {
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      CachedCatalogue read = cached();
      if (read.pricedWith().isEmpty()) {
        throw new UnsupportedOperationException(
            "this repository does not track its catalogue version: it cannot change prices");
      }
      List<PlanCatalogue.Version> history = read.catalogue().history(version.plan());
      if (history.contains(version)) {
        return false;
      }
      Instant now = settings.now();
      if (!version.effective().isAfter(now)) {
        // A period start at or before now may be renewed by any instance at any moment.
        throw rejected(
            PlanCatalogue.ChangeRejectedException.Reason.NOT_IN_FUTURE,
            "a catalogue change must take effect after now ("
                + now
                + "), got "
                + version.effective()
                + ": items before it may be billed already");
      }
      checkPlace(version, history);
      Optional<Instant> billedThrough = repository.billedThrough();
      if (billedThrough.isPresent() && !billedThrough.get().isBefore(version.effective())) {
        // Every written item is of a period starting at or before billedThrough, so a version
        // effective after it reprices none of them (S15).
        throw rejected(
            PlanCatalogue.ChangeRejectedException.Reason.ALREADY_BILLED,
            "a change effective at "
                + version.effective()
                + " would reprice the ledger as billed through "
                + billedThrough.get()
                + "; date it later");
      }
      if (settings.paymentGateway() != null) {
        // A price the card rail could never charge is refused now, not at the first renewal.
        settings
            .paymentGateway()
            .checkCurrency(
                PlanCatalogue.withHistory(read.catalogue().currency(), List.of(version)));
      }
      if (repository.addPlanVersion(version, read.version(), billedThrough)) {
        return true;
      }
    }
    throw new StorageException(
        "the catalogue moved under each of "
            + WRITE_ATTEMPTS
            + " attempts to add a version of plan "
            + version.plan()
            + "; nothing stored");
  }

  /** The plan is stored, and no other version of it takes effect at the same instant. */
  private static void checkPlace(
      PlanCatalogue.Version version, List<PlanCatalogue.Version> history) {
    if (history.isEmpty()) {
      throw rejected(
          PlanCatalogue.ChangeRejectedException.Reason.UNKNOWN_PLAN,
          "plan \"" + version.plan() + "\" is not in the stored catalogue");
    }
    for (PlanCatalogue.Version v : history) {
      if (v.effective().equals(version.effective())) {
        throw rejected(
            PlanCatalogue.ChangeRejectedException.Reason.CONFLICTING_CHANGE,
            "plan \""
                + version.plan()
                + "\" has another version effective at "
                + version.effective());
      }
    }
  }

  private static PlanCatalogue.ChangeRejectedException rejected(
      PlanCatalogue.ChangeRejectedException.Reason reason, String message) {
    return new PlanCatalogue.ChangeRejectedException(reason, message);
  }
}
