package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.Repository;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A tenant's standing (S13): judged now, stored with its event, and judged again when due. */
final class Standings {
  /** The facade's logger: hosts configure logging by the engine's name. */
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  private final EngineSettings settings;
  private final Repository repository;

  Standings(EngineSettings settings) {
    this.settings = settings;
    this.repository = settings.repository();
  }

  /** {@link Billing#standing}. */
  Standing standing(String tenant) {
    Checks.pubkey(tenant, "tenant");
    List<CollectionState> open = new ArrayList<>();
    for (Invoice invoice : repository.invoices(tenant)) {
      if (invoice.isOpen()) {
        repository.collectionState(invoice.id()).ifPresent(open::add);
      }
    }
    return settings.standingRule().judge(open, settings.now()).standing();
  }

  void refreshStandingOf(String invoiceId) {
    repository.findInvoice(invoiceId).ifPresent(i -> refreshStanding(i.tenant()));
  }

  /** Judges and stores the tenant's standing; a change is an event. Never fails the caller. */
  void refreshStanding(String tenant) {
    try {
      repository
          .refreshStanding(tenant, settings.now(), settings.standingRule())
          .ifPresent(
              e ->
                  settings.notify(
                      l ->
                          l.standingChanged(
                              tenant,
                              Standing.valueOf(e.reference().orElseThrow()),
                              Standing.valueOf(e.detail()))));
    } catch (RuntimeException e) {
      // The tenant's recheck instant is unchanged, so the poll judges it again.
      LOG.log(
          Level.WARNING,
          "could not refresh the standing of {0}: {1}",
          tenant,
          PaymentCascade.safeMessage(e));
    }
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
