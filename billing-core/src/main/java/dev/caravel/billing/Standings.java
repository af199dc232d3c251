package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.StandingRead;
import dev.caravel.billing.spi.StandingVerdict;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A tenant's standing (S13): judged here, recorded by the storage with its event, and judged again
 * when due. The storage records a verdict only if nothing that may move the standing was written
 * since the read it was judged from ({@link Repository#recordStanding}), so a verdict judged on a
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
    return repository
        .readStanding(tenant)
        .map(read -> settings.standingRule().judge(read.openInvoices(), now).standing())
        .orElse(Standing.GOOD);
  }

  void refreshStandingOf(String invoiceId) {
    repository.findInvoice(invoiceId).ifPresent(i -> refreshStanding(i.tenant()));
  }

  /** Judges and records the tenant's standing; a change is an event. Never fails the caller. */
  void refreshStanding(String tenant) {
    try {
      for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        if (judgeAndRecord(tenant) != Attempt.LOST) {
          return;
        }
      }
      // Each loss was to a write that made the check due or to a fresher verdict: nothing is lost.
      LOG.log(Level.DEBUG, "the standing of {0} kept moving; the poll judges it again", tenant);
    } catch (RuntimeException e) {
      // The tenant's recheck instant is unchanged, so the poll judges it again.
      LOG.log(
          Level.WARNING,
          "could not refresh the standing of {0}: {1}",
          tenant,
          PaymentCascade.safeMessage(e));
    }
  }

  /** How one read, judgement and conditional write ended. */
  private enum Attempt {
    RECORDED,
    /** Something that may move the standing was written since the read: judge again. */
    LOST,
    NO_SUCH_TENANT
  }

  /** One read, one judgement, one conditional write. A recorded change is told to the listener. */
  private Attempt judgeAndRecord(String tenant) {
    Instant now = settings.now();
    Optional<StandingRead> read = repository.readStanding(tenant);
    if (read.isEmpty()) {
      return Attempt.NO_SUCH_TENANT;
    }
    Standing before = read.get().stored();
    StandingPolicy.Verdict verdict = settings.standingRule().judge(read.get().openInvoices(), now);
    Optional<BillingEvent> changed =
        verdict.standing() == before
            ? Optional.empty()
            : Optional.of(BillingEvent.standingChanged(tenant, before, verdict.standing(), now));
    boolean recorded =
        repository.recordStanding(
            new StandingVerdict(
                tenant, read.get().revision(), verdict.standing(), verdict.recheckAt(), changed));
    if (!recorded) {
      return Attempt.LOST;
    }
    if (changed.isPresent()) {
      settings.notify(l -> l.standingChanged(tenant, before, verdict.standing()));
    }
    return Attempt.RECORDED;
  }

  /**
   * Judges again every tenant whose standing may have changed by time alone (its stored recheck
   * instant has come), a page at a time: the cost is the tenants due, not the ledger's size.
   */
  int refreshDueStandings(Instant now) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    while (true) {
      List<String> due = repository.standingChecksDue(now, settings.pageSize());
      boolean progress = false;
      for (String tenant : due) {
        if (seen.add(tenant)) {
          refreshStanding(tenant);
          progress = true;
        }
      }
      // A tenant whose refresh failed keeps its instant and comes back: don't spin on it.
      if (due.size() < settings.pageSize() || !progress) {
        return seen.size();
      }
    }
  }
}
