package dev.caravel.billing.micrometer;

import dev.caravel.billing.LightningWallet;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.RailException.Rail;
import java.time.Duration;
import java.util.Optional;

/** The rail decorators behind {@code BillingMetrics.timed(...)}: time the payment call only. */
final class TimedRails {
  private TimedRails() {}

  static final class Gateway implements PaymentGateway {
    private final PaymentGateway delegate;
    private final BillingMetrics metrics;

    Gateway(PaymentGateway delegate, BillingMetrics metrics) {
      this.delegate = delegate;
      this.metrics = metrics;
    }

    @Override
    public Optional<String> savedPaymentMethod(String customerId) {
      return delegate.savedPaymentMethod(customerId);
    }

    @Override
    public ChargeOutcome charge(ChargeRequest request) {
      return metrics.timeRail(
          Rail.STRIPE, () -> delegate.charge(request), BillingMetrics::outcomeOf);
    }

    @Override
    public ChargeLookup findCharge(
        String customerId, String invoiceId, int round, Optional<String> reference) {
      return delegate.findCharge(customerId, invoiceId, round, reference);
    }

    @Override
    public CancelOutcome cancelCharge(String reference) {
      return delegate.cancelCharge(reference);
    }

    @Override
    public RefundOutcome refund(
        String reference, long amount, String currency, String idempotencyKey) {
      return delegate.refund(reference, amount, currency, idempotencyKey);
    }

    @Override
    public void checkCurrency(PlanCatalogue catalogue) {
      delegate.checkCurrency(catalogue);
    }

    @Override
    public String toString() {
      return "timed " + delegate;
    }
  }

  static final class Wallet implements LightningWallet {
    private final LightningWallet delegate;
    private final BillingMetrics metrics;

    Wallet(LightningWallet delegate, BillingMetrics metrics) {
      this.delegate = delegate;
      this.metrics = metrics;
    }

    @Override
    public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
      return delegate.makeInvoice(msats, description, expiry);
    }

    @Override
    public PayOutcome payInvoice(String bolt11) {
      return metrics.timeRail(
          Rail.NWC, () -> delegate.payInvoice(bolt11), BillingMetrics::outcomeOf);
    }

    @Override
    public boolean isSettled(String bolt11) {
      return delegate.isSettled(bolt11);
    }

    @Override
    public void close() {
      delegate.close();
    }

    @Override
    public String toString() {
      return "timed " + delegate;
    }
  }

  static final class Connector implements LightningWallet.WalletConnector {
    private final LightningWallet.WalletConnector delegate;
    private final BillingMetrics metrics;

    Connector(LightningWallet.WalletConnector delegate, BillingMetrics metrics) {
      this.delegate = delegate;
      this.metrics = metrics;
    }

    @Override
    public LightningWallet connect(String uri) {
      return new Wallet(delegate.connect(uri), metrics);
    }

    @Override
    public void validate(String uri) {
      delegate.validate(uri);
    }

    @Override
    public String toString() {
      return "timed " + delegate;
    }
  }

  static final class TimedMessenger implements Messenger {
    private final Messenger delegate;
    private final BillingMetrics metrics;

    TimedMessenger(Messenger delegate, BillingMetrics metrics) {
      this.delegate = delegate;
      this.metrics = metrics;
    }

    @Override
    public void send(String recipientPubkey, String text) {
      metrics.timeRail(
          Rail.DM,
          () -> {
            delegate.send(recipientPubkey, text);
            return Boolean.TRUE;
          },
          sent -> "sent");
    }

    @Override
    public String toString() {
      return "timed " + delegate;
    }
  }
}
