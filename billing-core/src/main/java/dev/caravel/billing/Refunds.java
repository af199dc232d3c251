package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Repository;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Refunds (S14): through the card gateway, owed and paid by hand, or as a credit, once per key and
 * never beyond what the payment has left; and what an invoice comes to.
 */
final class Refunds {
  /** The facade's logger: hosts configure logging by the engine's name. */
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  private final EngineSettings settings;
  private final Repository repository;

  Refunds(EngineSettings settings) {
    this.settings = settings;
    this.repository = settings.repository();
  }

  /** {@link Billing#refund(String, long, String, String)}. */
  RefundResult refund(String invoiceId, long amount, String reason, String key) {
    Invoice invoice = repository.findInvoice(Checks.id(invoiceId, "invoice id")).orElse(null);
    Payment.Refund.Via via =
        invoice != null
                && invoice.payment().map(p -> p.method() == PaymentMethod.STRIPE).orElse(false)
            ? Payment.Refund.Via.CARD
            : settings.nonCardRefunds();
    return refund(invoiceId, amount, reason, key, via);
  }

  /** {@link Billing#refund(String, long, String, String, Payment.Refund.Via)}. */
  RefundResult refund(
      String invoiceId, long amount, String reason, String key, Payment.Refund.Via via) {
    Checks.id(invoiceId, "invoice id");
    Checks.text(reason, "reason");
    Checks.id(key, "key");
    Checks.notNull(via, "via");
    Checks.positiveAmount(amount, "a refund amount");
    Optional<Invoice> found = repository.findInvoice(invoiceId);
    if (found.isEmpty()) {
      return new RefundResult.Refused(
          invoiceId, RefundResult.Reason.NO_SUCH_INVOICE, "no invoice " + invoiceId);
    }
    Invoice invoice = found.get();
    if (!invoice.isPaid()) {
      return new RefundResult.Refused(
          invoiceId, RefundResult.Reason.NOT_PAID, "invoice " + invoiceId + " is not paid");
    }
    Payment payment = invoice.payment().get();
    Payment.Refund asked =
        new Payment.Refund(
            key,
            invoiceId,
            invoice.tenant(),
            amount,
            reason.strip(),
            via,
            switch (via) {
              case CARD -> Payment.Refund.Status.PENDING;
              case BY_HAND -> Payment.Refund.Status.OWED;
              case CREDIT -> Payment.Refund.Status.DONE;
            },
            Optional.empty(),
            settings.now());
    Optional<Payment.Refund> existing = repository.findRefund(key);
    if (existing.isEmpty()) {
      if (via == Payment.Refund.Via.CARD
          && (payment.method() != PaymentMethod.STRIPE || settings.paymentGateway() == null)) {
        return new RefundResult.Refused(
            invoiceId,
            RefundResult.Reason.NOT_A_CARD_PAYMENT,
            "invoice "
                + invoiceId
                + " was paid by "
                + payment.method().wireName()
                + (settings.paymentGateway() == null ? " and there is no gateway" : "")
                + ": refund it BY_HAND or as a CREDIT");
      }
      long left = invoice.total() - Payment.Refund.takenFromPayment(repository.refunds(invoiceId));
      if (amount > left) {
        return new RefundResult.Refused(
            invoiceId,
            RefundResult.Reason.EXCEEDS_PAYMENT,
            "invoice " + invoiceId + " has " + left + " left to refund, not " + amount);
      }
    }
    Payment.Refund recorded;
    if (existing.isPresent()) {
      recorded = existing.get();
    } else {
      try {
        recorded = repository.recordRefund(asked);
      } catch (ConflictingKeyException e) {
        throw e;
      } catch (InvalidInputException e) {
        // Another refund took what was left meanwhile: the repository's guard, under the lock.
        return new RefundResult.Refused(
            invoiceId, RefundResult.Reason.EXCEEDS_PAYMENT, e.getMessage());
      }
    }
    if (!recorded.sameRequest(asked)) {
      throw new ConflictingKeyException(
          "refund key " + key + " was used already for another refund (" + recorded + ")");
    }
    if (existing.isEmpty() && recorded.status() != Payment.Refund.Status.PENDING) {
      Payment.Refund made = recorded;
      settings.notify(l -> l.refundRecorded(invoice, made));
    }
    if (recorded.status() == Payment.Refund.Status.FAILED) {
      return new RefundResult.Failed(recorded);
    }
    if (recorded.status() != Payment.Refund.Status.PENDING) {
      return new RefundResult.Recorded(recorded);
    }
    return sendCardRefund(invoice, payment, recorded);
  }

  /** Sends (or sends again, same key) a pending card refund; done once the gateway made it. */
  private RefundResult sendCardRefund(Invoice invoice, Payment payment, Payment.Refund refund) {
    PaymentGateway.RefundOutcome outcome;
    try {
      outcome =
          settings
              .paymentGateway()
              .refund(
                  payment.reference(),
                  refund.amount(),
                  invoice.currency(),
                  "caravel-refund-" + refund.key());
    } catch (RuntimeException e) {
      outcome = new PaymentGateway.RefundOutcome.Unknown(PaymentCascade.safeMessage(e));
    }
    if (outcome instanceof PaymentGateway.RefundOutcome.Refunded r) {
      Instant now = settings.now();
      repository.completeRefund(refund.key(), r.refundId(), now);
      Payment.Refund done = repository.findRefund(refund.key()).orElseThrow();
      settings.notify(l -> l.refundRecorded(invoice, done));
      return new RefundResult.Recorded(done);
    }
    if (outcome instanceof PaymentGateway.RefundOutcome.Refused no) {
      return failCardRefund(invoice, refund, no.message());
    }
    String message =
        outcome instanceof PaymentGateway.RefundOutcome.AlreadyRefunded a
            ? "the gateway says charge " + a.reference() + " has nothing left to refund; check it"
            : ((PaymentGateway.RefundOutcome.Unknown) outcome).message();
    LOG.log(
        Level.WARNING,
        "refund {0} of invoice {1} pending: {2}",
        refund.key(),
        invoice.id(),
        message);
    return new RefundResult.Pending(refund, message);
  }

  /**
   * The rail refused a pending card refund and nothing moved: it ends {@code FAILED}, its amount
   * free again, told once (to the caller whose call moved it). A racing call that saw the refund
   * made meanwhile answers what is recorded.
   */
  private RefundResult failCardRefund(Invoice invoice, Payment.Refund refund, String why) {
    LOG.log(
        Level.WARNING,
        "refund {0} of invoice {1} refused by the gateway: {2}",
        refund.key(),
        invoice.id(),
        why);
    boolean moved = repository.failRefund(refund.key(), why, settings.now());
    Payment.Refund now = repository.findRefund(refund.key()).orElseThrow();
    if (moved) {
      settings.notify(l -> l.refundRecorded(invoice, now));
    }
    return switch (now.status()) {
      case FAILED -> new RefundResult.Failed(now);
      case PENDING -> new RefundResult.Pending(now, why);
      case OWED, DONE -> new RefundResult.Recorded(now);
    };
  }

  /** {@link Billing#refundPaid}. */
  boolean refundPaid(String key, String reference) {
    Checks.id(key, "key");
    Checks.text(reference, "reference");
    Optional<Payment.Refund> owed =
        repository.findRefund(key).filter(r -> r.status() == Payment.Refund.Status.OWED);
    if (owed.isEmpty() || !repository.completeRefund(key, reference, settings.now())) {
      return false;
    }
    Payment.Refund done = repository.findRefund(key).orElseThrow();
    repository
        .findInvoice(done.invoiceId())
        .ifPresent(i -> settings.notify(l -> l.refundRecorded(i, done)));
    return true;
  }

  /** {@link Billing#refunds}. */
  List<Payment.Refund> refunds(String invoiceId) {
    return repository.refunds(Checks.id(invoiceId, "invoice id"));
  }

  /** {@link Billing#balance}. */
  Invoice.Balance balance(String invoiceId) {
    Invoice invoice =
        repository
            .findInvoice(Checks.id(invoiceId, "invoice id"))
            .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
    long paid = invoice.isPaid() ? invoice.total() : 0;
    long refunded = Payment.Refund.takenFromPayment(repository.refunds(invoiceId));
    return new Invoice.Balance(invoiceId, invoice.total(), paid, refunded, paid - refunded);
  }
}
