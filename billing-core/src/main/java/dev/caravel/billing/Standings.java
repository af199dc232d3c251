package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.StandingRead;
import dev.caravel.billing.spi.StandingVerdict;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A tenant's standing (S13): judged here, recorded by the storage with its event, and judged again
 * when due. The storage records a verdict only if nothing that may move the standing was written
 * since the read it was judged from ({@link Repository#recordStandings}), so a verdict judged on a
 * stale read is never recorded, whichever instance made it.
 */
final class Standings {
  /** The facade's logger: hosts configure logging by the engine's name. */
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  /**
   * Reads and judgements per refresh. A verdict loses only to a write that makes the tenant's check
   * due or to a verdict judged on fresher data, so giving up after these loses no transition.
   */
  private static final int ATTEMPTS = 3;

  private final EngineSettings settings;
  private final Repository repository;

  Standings(EngineSettings settings) {
    this.settings = settings;
    this.repository = settings.repository();
  }

  /** {@link Billing#standing}: judged from what is stored now, nothing recorded. */
  Standing standing(String tenant) {
    Checks.pubkey(tenant, "tenant");
    Instant now = settings.now();
    return repository.readStandings(List.of(tenant)).stream()
        .findFirst()
        .map(read -> settings.standingRule().judge(read.openInvoices(), now).standing())
        .orElse(Standing.GOOD);
  }

  void refreshStandingOf(String invoiceId) {
    repository.findInvoice(invoiceId).ifPresent(i -> refreshStanding(i.tenant()));
  }

  /** Judges and records the tenant's standing; a change is an event. Never fails the caller. */
  void refreshStanding(String tenant) {
    refreshStandings(List.of(tenant));
  }

  /**
   * {@link #refreshStanding} for many tenants at once, a page at a time: one read and one
   * conditional write per page, then again for the tenants whose verdict lost. Never fails the
   * caller: a page that fails keeps its tenants' recheck instants, so the poll judges them again.
   */
  void refreshStandings(Collection<String> tenants) {
    List<String> all = List.copyOf(new LinkedHashSet<>(tenants));
    for (int from = 0; from < all.size(); from += settings.pageSize()) {
      List<String> pending = all.subList(from, Math.min(all.size(), from + settings.pageSize()));
      try {
        for (int attempt = 1; attempt <= ATTEMPTS && !pending.isEmpty(); attempt++) {
          pending = judgeAndRecord(pending);
        }
        if (!pending.isEmpty()) {
          // Each loss was to a write that made the check due or to a fresher verdict: nothing is
          // lost.
          LOG.log(
              Level.DEBUG, "the standing of {0} kept moving; the poll judges it again", pending);
        }
      } catch (RuntimeException e) {
        // The tenants' recheck instants are unchanged, so the poll judges them again.
        LOG.log(
            Level.WARNING,
            "could not refresh the standing of {0}: {1}",
            pending.size() == 1 ? pending.get(0) : pending.size() + " tenants",
            PaymentCascade.safeMessage(e));
      }
    }
  }

  /**
   * One read, one judgement per tenant, one conditional write; a recorded change is told to the
   * listener. Returns the tenants whose verdict lost: something that may move the standing was
   * written since the read, so they are judged again.
   */
  private List<String> judgeAndRecord(List<String> tenants) {
    Instant now = settings.now();
    Map<String, Standing> before = new HashMap<>();
    List<StandingVerdict> verdicts = new ArrayList<>();
    for (StandingRead read : repository.readStandings(tenants)) {
      StandingPolicy.Verdict verdict = settings.standingRule().judge(read.openInvoices(), now);
      Optional<BillingEvent> changed =
          verdict.standing() == read.stored()
              ? Optional.empty()
              : Optional.of(
                  BillingEvent.standingChanged(
                      read.tenant(), read.stored(), verdict.standing(), now));
      before.put(read.tenant(), read.stored());
      verdicts.add(
          new StandingVerdict(
              read.tenant(), read.revision(), verdict.standing(), verdict.recheckAt(), changed));
    }
    Set<String> recorded = new HashSet<>();
    for (StandingVerdict verdict : repository.recordStandings(verdicts)) {
      recorded.add(verdict.tenant());
      if (verdict.changed().isPresent()) {
        Standing from = before.get(verdict.tenant());
        settings.notify(l -> l.standingChanged(verdict.tenant(), from, verdict.standing()));
      }
    }
    List<String> lost = new ArrayList<>();
    for (StandingVerdict verdict : verdicts) {
      if (!recorded.contains(verdict.tenant())) {
        lost.add(verdict.tenant());
      }
    }
    return lost;
  }

  /**
   * Judges again every tenant whose standing may have changed by time alone (its stored recheck
   * instant has come), a page at a time: the cost is the tenants due, not the ledger's size.
   */
  int refreshDueStandings(Instant now) {
    Set<String> seen = new HashSet<>();
    while (true) {
      List<String> due = repository.standingChecksDue(now, settings.pageSize());
      List<String> fresh = due.stream().filter(seen::add).toList();
      refreshStandings(fresh);
      boolean progress = !fresh.isEmpty();
      // A tenant whose refresh failed keeps its instant and comes back: don't spin on it.
      if (due.size() < settings.pageSize() || !progress) {
        return seen.size();
      }
    }
  }
}
