package dev.caravel.billing;

import dev.caravel.billing.InvalidInputException.ConflictingKeyException;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.RefundWrite;
import dev.caravel.billing.spi.Repository;
import java.lang.System.Logger.Level;
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
    if (existing.isEmpty()
        && via == Payment.Refund.Via.CARD
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
    Payment.Refund recorded = existing.orElse(null);
    boolean recordedNow = false;
    for (int attempt = 0; recorded == null; attempt++) {
      if (attempt == RefundRecords.MAX_ATTEMPTS) {
        throw new IllegalStateException(
            "the storage found the refunds of invoice " + invoiceId + " moved on every attempt");
      }
      if (attempt > 0) {
        // Another refund got in since the last read: it may be this very request, on another
        // instance, which answers this one as a retry would.
        recorded = repository.findRefund(key).orElse(null);
        if (recorded != null) {
          break;
        }
      }
      // Decided on this read; recorded only if no other refund got in since (else: read again).
      List<Payment.Refund> read = repository.refunds(invoiceId);
      long left = RefundRecords.left(invoice, read);
      if (amount > left) {
        return new RefundResult.Refused(
            invoiceId,
            RefundResult.Reason.EXCEEDS_PAYMENT,
            RefundRecords.exceeds(invoice, left, amount));
      }
      RefundWrite write = RefundRecords.record(repository, asked, read);
      if (write instanceof RefundWrite.Recorded) {
        recorded = asked;
        recordedNow = true;
      } else if (write instanceof RefundWrite.KeyTaken taken) {
        recorded = taken.stored();
      }
    }
    if (!recorded.sameRequest(asked)) {
      throw new ConflictingKeyException(
          "refund key " + key + " was used already for another refund (" + recorded + ")");
    }
    if (recordedNow && recorded.status() != Payment.Refund.Status.PENDING) {
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
      Optional<Payment.Refund> done =
          RefundRecords.move(
              repository, refund.key(), Payment.Refund.Status.DONE, r.refundId(), settings.now());
      done.ifPresent(d -> settings.notify(l -> l.refundRecorded(invoice, d)));
      return answer(repository.findRefund(refund.key()).orElseThrow(), "");
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
    Optional<Payment.Refund> failed =
        RefundRecords.move(
            repository, refund.key(), Payment.Refund.Status.FAILED, why, settings.now());
    failed.ifPresent(f -> settings.notify(l -> l.refundRecorded(invoice, f)));
    return answer(repository.findRefund(refund.key()).orElseThrow(), why);
  }

  /** What the caller hears of the refund as stored now ({@code why}: if it is still pending). */
  private static RefundResult answer(Payment.Refund now, String why) {
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
    // Only an owed refund is paid by hand; a refund's via is fixed, so one owed once is never
    // pending, and the move below (decided again on its own read) can only take it to done.
    Optional<Payment.Refund> owed =
        repository.findRefund(key).filter(r -> r.status() == Payment.Refund.Status.OWED);
    Optional<Payment.Refund> moved =
        owed.isEmpty()
            ? Optional.empty()
            : RefundRecords.move(
                repository, key, Payment.Refund.Status.DONE, reference, settings.now());
    if (moved.isEmpty()) {
      return false;
    }
    Payment.Refund done = moved.get();
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
