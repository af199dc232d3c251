package dev.caravel.billing.spring;

import dev.caravel.billing.BillingListener;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Payment;
import dev.caravel.billing.RailException.Rail;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Every {@link BillingListener} bean as the engine's one listener; one that throws does not keep
 * the others from hearing.
 */
final class CompositeBillingListener implements BillingListener {
  private static final System.Logger LOG =
      System.getLogger(CompositeBillingListener.class.getName());
  private final List<BillingListener> listeners;

  CompositeBillingListener(List<BillingListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  private void each(Consumer<BillingListener> event) {
    for (BillingListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "a BillingListener threw; ignored", e);
      }
    }
  }

  @Override
  public void invoiceCreated(Invoice invoice) {
    each(l -> l.invoiceCreated(invoice));
  }

  @Override
  public void paymentSucceeded(Invoice invoice, Payment payment) {
    each(l -> l.paymentSucceeded(invoice, payment));
  }

  @Override
  public void paymentFailed(Invoice invoice, Rail rail, String error) {
    each(l -> l.paymentFailed(invoice, rail, error));
  }

  @Override
  public void paymentPending(Invoice invoice, String reference) {
    each(l -> l.paymentPending(invoice, reference));
  }

  @Override
  public void directMessageSent(Invoice invoice, String text) {
    each(l -> l.directMessageSent(invoice, text));
  }

  @Override
  public void directMessageFailed(Invoice invoice, String error) {
    each(l -> l.directMessageFailed(invoice, error));
  }

  @Override
  public void needsAttention(Invoice invoice, Rail rail, String reason) {
    each(l -> l.needsAttention(invoice, rail, reason));
  }

  @Override
  public void paymentRefunded(Invoice invoice, String reference, long amountRefunded) {
    each(l -> l.paymentRefunded(invoice, reference, amountRefunded));
  }

  @Override
  public void paymentDisputed(
      Optional<Invoice> invoice, String reference, String disputeId, long amount, String reason) {
    each(l -> l.paymentDisputed(invoice, reference, disputeId, amount, reason));
  }
}
