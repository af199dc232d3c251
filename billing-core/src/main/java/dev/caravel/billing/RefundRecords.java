package dev.caravel.billing;

import dev.caravel.billing.spi.RefundWrite;
import dev.caravel.billing.spi.Repository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The rules of a refund's record, decided here and only here (issue 21: the storage records): how
 * much an invoice has left to refund, what a new refund writes beside itself (its credit item, its
 * event), and which status moves a refund may make. Every write is conditional on what was read, so
 * a decision made on a read that another instance made stale is never recorded: the caller reads
 * and decides again.
 */
final class RefundRecords {
  /**
   * Reads and decisions in a row that another writer made stale before the storage is deemed to be
   * answering wrongly. Each lost write means another refund was recorded (or moved) meanwhile, and
   * an invoice's room is used up by a bounded number of them, so a correct storage never gets near.
   */
  static final int MAX_ATTEMPTS = 1_000;

  private RefundRecords() {}

  /** What {@code invoice} has left to refund, given the refunds recorded against it. */
  static long left(Invoice invoice, List<Payment.Refund> recorded) {
    return invoice.total() - Payment.Refund.takenFromPayment(recorded);
  }

  /** The refusal when {@code amount} is more than what is left: the message hosts see. */
  static String exceeds(Invoice invoice, long left, long amount) {
    return "invoice " + invoice.id() + " has " + left + " left to refund, not " + amount;
  }

  /**
   * Asks the storage to record {@code refund}, decided from {@code read} (the invoice's refunds):
   * with its credit item if it is a {@code CREDIT}, and its event unless it is {@code PENDING} (a
   * card refund's event waits for the gateway's answer).
   */
  static RefundWrite record(
      Repository repository, Payment.Refund refund, List<Payment.Refund> read) {
    Optional<InvoiceItem> credit =
        refund.via() == Payment.Refund.Via.CREDIT
            ? Optional.of(InvoiceItem.forRefundCredit(refund))
            : Optional.empty();
    Optional<BillingEvent> event =
        refund.status() == Payment.Refund.Status.PENDING
            ? Optional.empty()
            : Optional.of(BillingEvent.refund(refund, refund.at()));
    return repository.recordRefund(refund, read.size(), credit, event);
  }

  /**
   * Whether a refund may move from {@code from} to {@code to}: a pending one ends done or failed,
   * an owed one done (paid by hand); done and failed are final.
   */
  static boolean mayMove(Payment.Refund.Status from, Payment.Refund.Status to) {
    return switch (to) {
      case DONE -> from == Payment.Refund.Status.PENDING || from == Payment.Refund.Status.OWED;
      case FAILED -> from == Payment.Refund.Status.PENDING;
      case PENDING, OWED -> false;
    };
  }

  /**
   * Moves the refund under {@code key} to {@code to} with {@code reference}, at {@code at}, if its
   * stored status allows: decided on a read, recorded only if that status is still stored, decided
   * again on the new read otherwise. The moved refund only for the call that moved it.
   */
  static Optional<Payment.Refund> move(
      Repository repository, String key, Payment.Refund.Status to, String reference, Instant at) {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Optional<Payment.Refund> read = repository.findRefund(key);
      if (read.isEmpty() || !mayMove(read.get().status(), to)) {
        return Optional.empty();
      }
      Payment.Refund moved = read.get().withStatus(to, Optional.of(reference));
      if (repository.moveRefund(read.get(), moved, BillingEvent.refund(moved, at))) {
        return Optional.of(moved);
      }
    }
    throw new IllegalStateException(
        "the storage refused to move refund " + key + " " + MAX_ATTEMPTS + " times in a row");
  }
}
