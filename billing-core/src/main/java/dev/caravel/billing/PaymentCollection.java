package dev.caravel.billing;

import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Repository;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Collection (S9–S11, S17): one invoice's round by hand, the due invoices a batch at a time on the
 * {@link Collector}'s workers, and the BOLT11 a tenant pays by hand.
 */
final class PaymentCollection implements AutoCloseable {
  /** The facade's logger: hosts configure logging by the engine's name. */
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  private final EngineSettings settings;
  private final Repository repository;
  private final PaymentCascade cascade;
  private final Standings standings;

  /** Runs batches of rounds on worker threads (S17); see {@link Collector} for the threads. */
  private final Collector collector;

  /** For {@link #bolt11}: the invoice's state and what money reaching it does. */
  private final InvoiceStates states;

  private final MoneyArrival arrivals;

  PaymentCollection(EngineSettings settings, PaymentCascade cascade, Standings standings) {
    this.settings = settings;
    this.repository = settings.repository();
    this.cascade = cascade;
    this.standings = standings;
    this.collector = new Collector(settings);
    this.states = new InvoiceStates(settings);
    this.arrivals = new MoneyArrival(settings, states, cascade, standings);
  }

  /** {@link Billing#collect}. */
  PaymentResult collect(String invoiceId) {
    return round(Checks.id(invoiceId, "invoice id"));
  }

  /** One round by hand; a round that ran may move the tenant's standing, judged at once. */
  private PaymentResult round(String invoiceId) {
    PaymentResult result = cascade.collect(invoiceId, null);
    if (!(result instanceof PaymentResult.Skipped)) {
      standings.refreshStandingOf(invoiceId);
    }
    return result;
  }

  /** {@link Billing#retryNow}. */
  PaymentResult retryNow(String invoiceId) {
    Checks.id(invoiceId, "invoice id");
    Optional<PaymentResult.Skipped.Reason> refused = cascade.makeDueNow(invoiceId, settings.now());
    if (refused.isPresent()) {
      return new PaymentResult.Skipped(invoiceId, refused.get());
    }
    return collect(invoiceId);
  }

  /** {@link Billing#collectDue}. */
  List<PaymentResult> collectDue() {
    if (!settings.reachesTenants()) {
      // No round is run (see PaymentCascade#collect): reading the due ones would only find them
      // due again, page after page.
      return List.of();
    }
    Instant now = settings.now();
    List<String> due = repository.dueInvoices(now, settings.pageSize());
    return inOneBatch(round -> collector.collectAll(due, round));
  }

  /** The rounds of invoices the poll just made, on the collector's workers. */
  List<PaymentResult> collectMade(List<PaymentCascade.Known> made) {
    return inOneBatch(round -> collector.collectMade(made, round));
  }

  /**
   * Runs a batch of rounds on the collector's workers, then judges the standing of every tenant
   * whose round ran at once: a page of standings is one read and one write, not two per round. Each
   * round's write made its tenant's check due (see {@link Repository#standingChecksDue}), so a
   * refresh that does not happen (a crash meanwhile) is the poll's to do.
   */
  private List<PaymentResult> inOneBatch(
      java.util.function.Function<Collector.Round, List<PaymentResult>> run) {
    Set<String> ran = ConcurrentHashMap.newKeySet();
    List<PaymentResult> results =
        run.apply(
            (invoiceId, known) -> {
              PaymentResult result = collectSafely(invoiceId, known);
              if (!(result instanceof PaymentResult.Skipped)) {
                tenantOf(invoiceId, known).ifPresent(ran::add);
              }
              return result;
            });
    standings.refreshStandings(ran);
    return results;
  }

  /** The invoice's tenant, from what is known or read; empty if it cannot be read now. */
  private Optional<String> tenantOf(String invoiceId, PaymentCascade.Known known) {
    if (known != null) {
      return Optional.of(known.invoice().tenant());
    }
    try {
      return repository.findInvoice(invoiceId).map(Invoice::tenant);
    } catch (RuntimeException e) {
      // The round's write made the tenant's check due: the poll judges it.
      return Optional.empty();
    }
  }

  /**
   * {@link Billing#bolt11}, as the machine decides (S10, S18): a request is made or reused only for
   * an unpaid invoice; one found settled is money arriving ({@link MoneyArrival}). A paid, voided
   * or written-off invoice gets no request: {@link InvalidInputException}. A request made for an
   * invoice that ended while it was being made is not shown either; the poll watches it until it
   * expires ({@link LateBolt11Sweep}).
   */
  Bolt11Request bolt11(String invoiceId) {
    InvoiceStates.Found found = states.require(Checks.id(invoiceId, "invoice id"));
    InvoiceLifecycle.Transition t = states.next(found.state(), new LifecycleEvent.Bolt11Wanted());
    if (t.wasRefused()) {
      throw notOpen(found.invoice());
    }
    Instant now = settings.now();
    Bolt11Request request = cascade.ensureBolt11(found.invoice(), now);
    if (cascade.settledOnServiceWallet(request)) {
      arrivals.arrive(invoiceId, new Payment(PaymentMethod.OOB, request.bolt11(), now));
      return repository.findBolt11(invoiceId).orElse(request);
    }
    Invoice after = repository.findInvoice(invoiceId).orElseThrow();
    if (!after.isOpen()) {
      throw notOpen(after);
    }
    return request;
  }

  private static InvalidInputException notOpen(Invoice invoice) {
    return new InvalidInputException(
        "invoice "
            + invoice.id()
            + " is "
            + invoice.status()
            + ": a Lightning request is made only for an open invoice");
  }

  /**
   * A round for the collector's workers, its standing left to the batch ({@link #inOneBatch}): a
   * failure is one invoice's, retried later.
   */
  private PaymentResult collectSafely(String invoiceId, PaymentCascade.Known known) {
    try {
      return cascade.collect(invoiceId, known);
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "collecting invoice " + invoiceId + " failed; it is retried later", e);
      return new PaymentResult.Unknown(
          invoiceId,
          PaymentCascade.safeMessage(e),
          settings.now().plus(settings.unknownRetryDelay()));
    }
  }

  /** Whether collection worker threads are alive (they end when idle): for tests. */
  boolean workersAlive() {
    return collector.workersAlive();
  }

  /** Stops the collection workers, letting the rounds under way finish (see Billing#close). */
  @Override
  public void close() {
    collector.close();
  }
}
