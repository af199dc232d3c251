package dev.caravel.billing;

import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.spi.Repository;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/** The engine's wiring, read by its parts; made by {@link BillingBuilder#build}. */
record EngineSettings(
    Repository repository,
    PlanCatalogue catalogue,
    Clock clock,
    PaymentGateway paymentGateway,
    LightningWallet serviceWallet,
    WalletConnector walletConnector,
    Messenger messenger,
    ExchangeRates exchangeRates,
    SecretCipher cipher,
    InvoiceLinks links,
    List<Duration> retrySchedule,
    Duration unknownRetryDelay,
    Duration faultRetryDelay,
    Duration leaseTtl,
    Duration pollInterval,
    int pageSize,
    boolean grandfather,
    String instanceId,
    LongFunction<String> invoiceNumbers,
    StandingPolicy standingRule,
    Payment.Refund.Via nonCardRefunds,
    BillingListener listener,
    CollectionSettings collection,
    Duration futureSkew,
    CardMinimums cardMinimums) {
  /** The facade's logger: hosts configure logging by the engine's name. */
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  /**
   * Whether the engine can reach a tenant at all: charge a Lightning wallet or a saved card, or ask
   * by DM (issue 26). Without any of them a round would do nothing, so none is run.
   */
  boolean reachesTenants() {
    return serviceWallet != null || paymentGateway != null || messenger != null;
  }

  String invoiceId(long number) {
    return invoiceNumbers.apply(number);
  }

  void notify(Consumer<BillingListener> event) {
    try {
      event.accept(listener);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "a BillingListener threw; ignored", e);
    }
  }

  /** The message of {@link #warnNothingWired}: tests and the starter's docs quote it. */
  static final String NOTHING_WIRED_WARNING =
      "billing has no payment rail and no messenger: no Lightning (serviceWallet,"
          + " walletConnector, exchangeRates), no card (paymentGateway) and no messenger. Invoices"
          + " are made but never reach tenants: no payment round runs, and no tenant falls past"
          + " due, until one of them is wired";

  /** Issue 26: an engine that can reach no tenant says so once, when it is built. */
  static void warnNothingWired() {
    LOG.log(Level.WARNING, NOTHING_WIRED_WARNING);
  }
}
