package dev.caravel.billing;

import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.Tenant;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One payment round of one invoice (S9), run under the invoice's lease: Lightning through the
 * tenant's NWC wallet, then the saved card, then a DM. The lease and the round number are what make
 * it safe: two instances never run one invoice at once, and a round whose outcome is unknown is
 * resumed with the same card idempotency key.
 *
 * <p>The order of the rails, and what ends a round (paid, a second payment, the DM), live here;
 * each rail's own calls live in {@link LightningRail} and {@link CardRail}.
 */
final class PaymentCascade {
  private static final System.Logger LOG = System.getLogger(PaymentCascade.class.getName());

  private final EngineSettings settings;
  private final Repository repository;
  private final LightningRail lightning;
  private final CardRail card;
  private final MoneyArrival arrivals;

  PaymentCascade(EngineSettings settings) {
    this.settings = settings;
    this.repository = settings.repository();
    // The rails call back only for paid(), never while being built.
    this.lightning = new LightningRail(settings, this);
    this.card = new CardRail(settings, this);
    this.arrivals =
        new MoneyArrival(settings, new InvoiceStates(settings), this, new Standings(settings));
  }

  PaymentResult collect(String invoiceId) {
    return collect(invoiceId, null);
  }

  /**
   * The invoice and its tenant as read just before the lease, by whoever chose the round's lane
   * ({@link Collector}): the round need not read them again. The lease still decides whether the
   * round runs, and an invoice's amount and tenant never change.
   */
  record Known(Invoice invoice, Tenant tenant) {}

  /** A round, with the invoice and tenant already read ({@code known}; null: read them here). */
  PaymentResult collect(String invoiceId, Known known) {
    Instant now = settings.now();
    Optional<PaymentLease> acquired =
        repository.acquireLease(invoiceId, settings.instanceId(), now, settings.leaseTtl());
    if (acquired.isEmpty()) {
      return new PaymentResult.Skipped(invoiceId, whyNot(invoiceId, now));
    }
    PaymentLease lease = acquired.get();
    try {
      return runRound(lease, now, known);
    } catch (RuntimeException e) {
      // A bug or a storage failure mid-round: leave the round open, so whatever a rail may
      // have done is resumed with the same keys rather than repeated with new ones.
      repository.releaseLease(lease, now.plus(settings.unknownRetryDelay()));
      throw e;
    }
  }

  /** Why no round could start at {@code now}: read after the refusal, so only for the answer. */
  PaymentResult.Skipped.Reason whyNot(String invoiceId, Instant now) {
    Optional<Invoice> invoice = repository.findInvoice(invoiceId);
    if (invoice.isEmpty()) {
      return PaymentResult.Skipped.Reason.NO_SUCH_INVOICE;
    }
    if (invoice.get().isPaid()) {
      return PaymentResult.Skipped.Reason.ALREADY_PAID;
    }
    CollectionState state = repository.collectionState(invoiceId).orElseThrow();
    if (state.leasedAt(now)) {
      return PaymentResult.Skipped.Reason.IN_PROGRESS;
    }
    if (state.hold().isPresent()) {
      return state.hold().get().reason() == CollectionHold.Reason.PAYMENT_PENDING
          ? PaymentResult.Skipped.Reason.PAYMENT_PENDING
          : PaymentResult.Skipped.Reason.OUTCOME_UNKNOWN;
    }
    if (state.roundOpen()) {
      return PaymentResult.Skipped.Reason.OUTCOME_UNKNOWN;
    }
    return PaymentResult.Skipped.Reason.NOT_DUE;
  }

  private PaymentResult runRound(PaymentLease lease, Instant now, Known known) {
    Invoice invoice =
        known != null ? known.invoice() : repository.findInvoice(lease.invoiceId()).orElseThrow();
    Tenant tenant =
        known != null ? known.tenant() : repository.findTenant(invoice.tenant()).orElseThrow();

    // Catch a payment made out of band before asking anyone to pay again (S10). Without a service
    // wallet there is no Lightning request to look at.
    Optional<Bolt11Request> existing =
        settings.serviceWallet() == null ? Optional.empty() : repository.findBolt11(invoice.id());
    if (existing.isPresent() && lightning.settledOnServiceWallet(existing.get())) {
      return paid(lease, invoice, PaymentMethod.OOB, existing.get().bolt11(), now);
    }

    DirectMessages.Failure failure = null;
    if (tenant.sealedNwcUri().isPresent()
        && settings.walletConnector() != null
        && settings.serviceWallet() != null) {
      RailResult nwc = lightning.payWithNwc(invoice, tenant, lease, now);
      if (nwc.result != null) {
        return nwc.result;
      }
      failure = new DirectMessages.Failure("nwc", nwc.error);
      settings.notify(l -> l.paymentFailed(invoice, Rail.NWC, nwc.error));
    }
    if (tenant.stripeCustomerId().isPresent() && settings.paymentGateway() != null) {
      RailResult charged = card.payWithCard(invoice, tenant.stripeCustomerId().get(), lease, now);
      if (charged.result != null) {
        return charged.result;
      }
      if (charged.error != null) {
        failure = new DirectMessages.Failure("stripe", charged.error);
        settings.notify(l -> l.paymentFailed(invoice, Rail.STRIPE, charged.error));
      }
    }
    return askByMessage(invoice, failure, lease, now);
  }

  /**
   * A rail either ends the round ({@code result}) or fails with {@code error} and the cascade goes
   * on.
   */
  record RailResult(PaymentResult result, String error) {
    static RailResult failed(String error) {
      return new RailResult(null, error);
    }
  }

  private PaymentResult askByMessage(
      Invoice invoice, DirectMessages.Failure failure, PaymentLease lease, Instant now) {
    boolean messaged = askToPay(invoice, failure);
    Optional<Instant> next = nextRound(lease);
    repository.finishRound(lease, next);
    return new PaymentResult.NotPaid(
        invoice.id(),
        Optional.ofNullable(failure).map(DirectMessages.Failure::error),
        messaged,
        next);
  }

  /** DMs the tenant the link to pay by hand, with the last error; true if it was delivered. */
  boolean askToPay(Invoice invoice, DirectMessages.Failure failure) {
    String text = DirectMessages.manualPayment(settings.appUrl(), invoice.id(), failure);
    boolean messaged = false;
    if (settings.messenger() != null) {
      settings.collection().pace(Rail.DM);
      try {
        settings.messenger().send(invoice.tenant(), text);
        messaged = true;
        settings.notify(l -> l.directMessageSent(invoice, text));
      } catch (RuntimeException e) {
        LOG.log(
            Level.WARNING,
            "could not DM tenant {0} about invoice {1}: {2}",
            invoice.tenant(),
            invoice.id(),
            safeMessage(e));
        settings.notify(l -> l.directMessageFailed(invoice, safeMessage(e)));
      }
    }
    return messaged;
  }

  /**
   * S11: round r (1-based) is followed by the first attempt plus the r-th delay, while there is
   * one.
   */
  private Optional<Instant> nextRound(PaymentLease lease) {
    return nextRound(lease.round(), lease.firstAttemptAt());
  }

  Optional<Instant> nextRound(int round, Instant firstAttemptAt) {
    List<Duration> schedule = settings.retrySchedule();
    return round <= schedule.size()
        ? Optional.of(firstAttemptAt.plus(schedule.get(round - 1)))
        : Optional.empty();
  }

  PaymentResult paid(
      PaymentLease lease, Invoice invoice, PaymentMethod method, String reference, Instant now) {
    Payment payment = new Payment(method, reference, now);
    PaymentRecord recorded = repository.markPaidFinishingRound(lease, payment);
    if (recorded != PaymentRecord.PAID) {
      Payment first =
          repository.findInvoice(invoice.id()).flatMap(Invoice::payment).orElse(payment);
      secondPayment(invoice.id(), payment, recorded);
      return new PaymentResult.Paid(invoice.id(), first);
    }
    if (method == PaymentMethod.OOB || method == PaymentMethod.NWC) {
      repository.markBolt11Settled(invoice.id(), reference, now);
    }
    settings.notify(l -> l.paymentSucceeded(invoice, payment));
    // A card charge of an earlier round may still wait for the customer: close it. Paid by the card
    // of round 1, there is no other charge.
    if (method != PaymentMethod.STRIPE || lease.round() > 1) {
      card.cancelOpenCharges(
          invoice, reference, method == PaymentMethod.STRIPE ? lease.round() : 0);
    }
    return new PaymentResult.Paid(invoice.id(), payment);
  }

  /**
   * A round's payment that found its invoice paid (or closed) already. The same charge seen twice
   * (one PaymentIntent replayed to two instances, one BOLT11 noticed twice) is one payment: same
   * reference, nothing to report. Only a different reference means the tenant paid twice and is
   * owed a refund: the repository recorded it with a {@code REFUND_NEEDED} event in the round's own
   * write, and said whether this call did ({@code recorded}), so the host is told once.
   */
  void secondPayment(String invoiceId, Payment late, PaymentRecord recorded) {
    arrivals.afterRoundPayment(invoiceId, late, recorded);
  }

  /**
   * Cancels the invoice's card charges still waiting for the customer once it is paid some other
   * way (see {@link CardRail#cancelOpenCharges}).
   */
  void cancelOpenCharges(Invoice invoice, String paidBy, int skipRound) {
    card.cancelOpenCharges(invoice, paidBy, skipRound);
  }

  /** The invoice's Lightning request (see {@link LightningRail#ensureBolt11}). */
  Bolt11Request ensureBolt11(Invoice invoice, Instant now) {
    return lightning.ensureBolt11(invoice, now);
  }

  /** Whether {@code bolt11} settled on the service wallet (see {@link LightningRail}). */
  boolean settledOnServiceWallet(Bolt11Request bolt11) {
    return lightning.settledOnServiceWallet(bolt11);
  }

  PaymentResult paidOutOfBand(Invoice invoice, Bolt11Request bolt11) {
    Instant now = settings.now();
    Payment payment = new Payment(PaymentMethod.OOB, bolt11.bolt11(), now);
    if (repository.markPaid(invoice.id(), payment) == PaymentRecord.PAID) {
      settings.notify(l -> l.paymentSucceeded(invoice, payment));
      card.cancelOpenCharges(invoice, payment.reference(), 0);
      return new PaymentResult.Paid(invoice.id(), payment);
    }
    return new PaymentResult.Skipped(invoice.id(), PaymentResult.Skipped.Reason.ALREADY_PAID);
  }

  /**
   * An exception's message for logs and DMs: its class when it has none. Secrets never reach here.
   */
  static String safeMessage(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
