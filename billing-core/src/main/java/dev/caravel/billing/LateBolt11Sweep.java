package dev.caravel.billing;

import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.spi.Repository;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The poll's look for Lightning payments that arrive after their invoice ended (S18, issue 21). A
 * BOLT11 made while the invoice was open stays payable until it expires, after a void, a write-off
 * or a payment by another rail. Each cycle asks the service wallet about the unsettled requests of
 * invoices no longer open ({@link Repository#unsettledBolt11sOfEndedInvoices}); a settlement found
 * is money arriving ({@link MoneyArrival}): recorded as a second payment and reported once as
 * needing a refund ({@code REFUND_NEEDED}, {@link BillingListener#refundNeeded}).
 *
 * <p>It looks at the requests expiring after one poll interval ago, so one that expired between two
 * cycles is asked about once more (a payment made just before expiry is not missed), and none is
 * asked about for long: the cost is the recent requests of ended invoices, never the history (S17).
 * Without a service wallet there is nothing to ask, and nothing is read.
 */
final class LateBolt11Sweep {
  /** The facade's logger: hosts configure logging by the engine's name. */
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  private final EngineSettings settings;
  private final Repository repository;
  private final LightningRail lightning;
  private final MoneyArrival arrivals;

  LateBolt11Sweep(EngineSettings settings, Standings standings) {
    this.settings = settings;
    this.repository = settings.repository();
    // The cascade's parts hold nothing but the settings: this one is the poll's own.
    PaymentCascade cascade = new PaymentCascade(settings);
    this.lightning = new LightningRail(settings, cascade);
    this.arrivals = new MoneyArrival(settings, new InvoiceStates(settings), cascade, standings);
  }

  /** One look at {@code now}; the number of failures (0 or 1) for the cycle's count. */
  int sweep(Instant now) {
    if (settings.serviceWallet() == null) {
      return 0;
    }
    Instant expiringAfter = now.minus(settings.pollInterval());
    Optional<Bolt11Request> after = Optional.empty();
    try {
      while (true) {
        List<Bolt11Request> page =
            repository.unsettledBolt11sOfEndedInvoices(expiringAfter, after, settings.pageSize());
        for (Bolt11Request request : page) {
          if (lightning.askServiceWallet(request)) {
            // Recorded before the request reads as settled: a crash between the two leaves it
            // unsettled, to be found again, never settled and unreported.
            arrivals.arrive(
                request.invoiceId(), new Payment(PaymentMethod.OOB, request.bolt11(), now));
            repository.markBolt11Settled(request.invoiceId(), request.bolt11(), now);
          }
        }
        if (page.size() < settings.pageSize()) {
          return 0;
        }
        after = Optional.of(page.get(page.size() - 1));
      }
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "looking for late Lightning payments failed; the next cycle looks", e);
      return 1;
    }
  }
}
