package dev.caravel.billing;

import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.LightningWallet.PayOutcome;
import dev.caravel.billing.PaymentCascade.RailResult;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.Tenant;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The Lightning rail of a round (S9, S10): the invoice's BOLT11 on the service wallet, paid from
 * the tenant's NWC wallet, and whether it settled. The order of the rails is {@link
 * PaymentCascade}'s.
 */
final class LightningRail {
  /** The cascade's logger: its warnings read as the round's, wherever the rail's code lives. */
  private static final System.Logger LOG = System.getLogger(PaymentCascade.class.getName());

  static final Duration BOLT11_EXPIRY = Duration.ofHours(1);
  static final String BOLT11_DESCRIPTION = "Relay subscription payment";

  private final EngineSettings settings;
  private final Repository repository;
  private final PaymentCascade cascade;

  LightningRail(EngineSettings settings, PaymentCascade cascade) {
    this.settings = settings;
    this.repository = settings.repository();
    this.cascade = cascade;
  }

  RailResult payWithNwc(Invoice invoice, Tenant tenant, PaymentLease lease, Instant now) {
    Bolt11Request bolt11;
    try {
      bolt11 = ensureBolt11(invoice, now);
    } catch (RuntimeException e) {
      // The service wallet or the exchange rates: our side, never the tenant's wallet.
      return RailResult.answered(
          new LifecycleEvent.ConfigurationFault(
              Rail.NWC, "could not make a Lightning invoice: " + PaymentCascade.safeMessage(e)));
    }
    boolean freshThisRound = !bolt11.createdAt().isBefore(now);
    String nwcUri;
    try {
      nwcUri = settings.cipher().open(tenant.pubkey(), tenant.sealedNwcUri().get());
    } catch (InvalidInputException e) {
      // Not the tenant's wallet failing, and no wallet is asked anything: the stored value was
      // sealed for another tenant (copied from another row), under a key the cipher no longer
      // holds, or was tampered with. The operator is told; the tenant hears "could not charge".
      return RailResult.answered(
          new LifecycleEvent.ConfigurationFault(
              Rail.NWC,
              "the tenant's sealed NWC URI does not open: " + PaymentCascade.safeMessage(e)));
    }
    PayOutcome outcome;
    settings.collection().pace(Rail.NWC);
    try (LightningWallet wallet = settings.walletConnector().connect(nwcUri)) {
      outcome = wallet.payInvoice(bolt11.bolt11());
    } catch (RuntimeException e) {
      outcome = new PayOutcome.Failed("OTHER", PaymentCascade.safeMessage(e));
    }
    if (outcome instanceof PayOutcome.Paid) {
      repository.markBolt11Settled(invoice.id(), bolt11.bolt11(), now);
      return new RailResult(
          cascade.paid(lease, invoice, PaymentMethod.NWC, bolt11.bolt11(), now), null);
    }
    // The pay request failed or went unanswered, but the invoice may have been paid anyway.
    if (settledOnServiceWallet(bolt11)) {
      return new RailResult(
          cascade.paid(lease, invoice, PaymentMethod.OOB, bolt11.bolt11(), now), null);
    }
    if (outcome instanceof PayOutcome.Unknown unknown && freshThisRound) {
      // The payment may still be in flight: charging the card now could take the money twice.
      // Wait and look again; a later round finds the BOLT11 settled, or (reused, still silent)
      // counts it as failed, so this waits at most once per BOLT11.
      Instant next = now.plus(settings.unknownRetryDelay());
      repository.endRound(lease, new RoundEnd.LeftOpen(next));
      return new RailResult(
          new PaymentResult.Unknown(
              invoice.id(), "wallet did not answer: " + unknown.message(), next),
          null);
    }
    // The wallet's NIP-47 code, never its message, picks what the tenant is told (CustomerNotice).
    return RailResult.answered(
        outcome instanceof PayOutcome.Failed f
            ? new LifecycleEvent.WalletFailed(
                Objects.requireNonNullElse(f.code(), "OTHER"), String.valueOf(f.message()))
            : new LifecycleEvent.WalletSilent(
                String.valueOf(((PayOutcome.Unknown) outcome).message()), false, now));
  }

  /**
   * The invoice's Lightning request: the current one while settled or unexpired, otherwise a fresh
   * one for the total at the current rate, expiring in an hour. Racing callers agree on one.
   */
  Bolt11Request ensureBolt11(Invoice invoice, Instant now) {
    Optional<Bolt11Request> current = repository.findBolt11(invoice.id());
    if (current.isPresent() && current.get().isUsableAt(now)) {
      return current.get();
    }
    // Expired by our records, but it may have been paid before it expired: replacing it would
    // hide that payment.
    if (current.isPresent()
        && settings.serviceWallet() != null
        && settledOnServiceWallet(current.get())) {
      return repository.findBolt11(invoice.id()).orElseThrow();
    }
    if (settings.serviceWallet() == null || settings.exchangeRates() == null) {
      throw new IllegalStateException(
          "Lightning needs a service wallet and exchange rates on the builder");
    }
    long msats = settings.exchangeRates().toMsats(invoice.total(), invoice.currency());
    if (msats <= 0) {
      throw new RailException(
          Rail.NWC,
          RailException.EXCHANGE_RATE,
          "exchange rates gave "
              + msats
              + " msats for "
              + invoice.total()
              + " "
              + invoice.currency());
    }
    settings.collection().pace(Rail.NWC);
    LightningInvoice made =
        settings.serviceWallet().makeInvoice(msats, BOLT11_DESCRIPTION, BOLT11_EXPIRY);
    // Store what the wallet made, not what was asked: wallets round up to whole sats and cap
    // expiry, and reusing a request past its real expiry would send the tenant a dead invoice.
    if (made.msats() < msats) {
      throw new RailException(
          Rail.NWC,
          "BAD_INVOICE",
          "the service wallet invoiced " + made.msats() + " msats for " + msats + " asked");
    }
    if (!made.expiresAt().isAfter(now)) {
      throw new RailException(
          Rail.NWC,
          "BAD_INVOICE",
          "the service wallet made an invoice that expired at " + made.expiresAt());
    }
    Bolt11Request fresh =
        new Bolt11Request(
            invoice.id(),
            made.bolt11(),
            made.paymentHash(),
            made.msats(),
            now,
            made.expiresAt(),
            Optional.empty());
    return repository.replaceBolt11(fresh, current.map(Bolt11Request::bolt11));
  }

  /**
   * Whether {@code bolt11} settled on the service wallet; marks it so. A wallet that cannot say:
   * no.
   */
  boolean settledOnServiceWallet(Bolt11Request bolt11) {
    if (bolt11.isSettled()) {
      return true;
    }
    if (askServiceWallet(bolt11)) {
      repository.markBolt11Settled(bolt11.invoiceId(), bolt11.bolt11(), settings.now());
      return true;
    }
    return false;
  }

  /**
   * Whether the service wallet says {@code bolt11} settled, writing nothing: a caller that must
   * record the payment before the request reads as settled (so that a crash between the two cannot
   * hide it) marks it afterwards. A wallet that cannot say, or none: no.
   */
  boolean askServiceWallet(Bolt11Request bolt11) {
    if (settings.serviceWallet() == null) {
      return false;
    }
    settings.collection().pace(Rail.NWC);
    try {
      return settings.serviceWallet().isSettled(bolt11.bolt11());
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "could not look up the Lightning invoice of {0}: {1}",
          bolt11.invoiceId(),
          PaymentCascade.safeMessage(e));
      return false;
    }
  }
}
