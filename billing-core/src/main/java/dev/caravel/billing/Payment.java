package dev.caravel.billing;

import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/** The one payment an invoice received: how, a reference on that rail, and when. */
public record Payment(PaymentMethod method, String reference, Instant paidAt) {
  public Payment {
    Checks.notNull(method, "payment method");
    Checks.text(reference, "payment reference");
    Checks.instant(paidAt, "paid at");
  }

  /**
   * A refund recorded against a paid invoice (S14), identified by the host's idempotency {@code
   * key}. {@code amount} in minor units, at most what the invoice's payment left unrefunded. {@code
   * reference} is the rail's refund id once the gateway made it, the host's note once paid by hand,
   * or the rail's reason for refusing it once {@link Status#FAILED} (see {@link #failure()}).
   */
  public record Refund(
      String key,
      String invoiceId,
      String tenant,
      long amount,
      String reason,
      Via via,
      Status status,
      Optional<String> reference,
      Instant at) {

    /** How the money goes back. */
    public enum Via {
      /** Through the card gateway ({@link PaymentGateway#refund}), for a card payment. */
      CARD,
      /** Owed to the tenant and paid by the host by hand (Lightning, manual payments). */
      BY_HAND,
      /** As a credit item on the tenant's next invoice: no money moves. */
      CREDIT
    }

    public enum Status {
      /** Sent to the gateway, its answer not recorded yet: retry with the same key. */
      PENDING,
      /** Owed to the tenant; the host pays it by hand ({@link Billing#refundPaid}). */
      OWED,
      /** Done: refunded by the rail, paid by hand, or credited. */
      DONE,
      /**
       * The rail refused it outright and nothing moved ({@link
       * PaymentGateway.RefundOutcome.Refused}): final. Its amount counts as refunded nowhere and is
       * free to refund again, under another key.
       */
      FAILED
    }

    public Refund {
      Checks.id(key, "refund key");
      Checks.id(invoiceId, "invoice id");
      Checks.pubkey(tenant, "tenant");
      Checks.text(reason, "refund reason");
      Checks.notNull(via, "refund via");
      Checks.notNull(status, "refund status");
      Checks.notNull(reference, "refund reference");
      Checks.instant(at, "refunded at");
      if (amount <= 0) {
        throw new InvalidInputException("a refund amount must be positive, got " + amount);
      }
    }

    /** The same refund request: what an idempotent retry with the same key must repeat. */
    public boolean sameRequest(Refund other) {
      return key.equals(other.key)
          && invoiceId.equals(other.invoiceId)
          && amount == other.amount
          && reason.equals(other.reason)
          && via == other.via;
    }

    /**
     * Whether this refund takes from what the payment has to give back: every refund but a failed
     * one (pending ones included, since their money may be moving). What {@code balance}, the bound
     * on new refunds and a storage's last-line check all sum.
     */
    public boolean takesFromPayment() {
      return status != Status.FAILED;
    }

    /** Why the rail refused this refund, once {@link Status#FAILED}; empty otherwise. */
    public Optional<String> failure() {
      return status == Status.FAILED ? reference : Optional.empty();
    }

    /** The sum of {@code refunds} that {@link #takesFromPayment take from the payment}, exactly. */
    public static long takenFromPayment(Iterable<Refund> refunds) {
      long sum = 0;
      for (Refund r : refunds) {
        if (r.takesFromPayment()) {
          sum = Math.addExact(sum, r.amount);
        }
      }
      return sum;
    }

    public Refund withStatus(Status status, Optional<String> reference) {
      return new Refund(key, invoiceId, tenant, amount, reason, via, status, reference, at);
    }
  }
}
