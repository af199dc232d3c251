package dev.caravel.billing;

import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.LightningWallet.PayOutcome;
import dev.caravel.billing.PaymentGateway.CancelOutcome;
import dev.caravel.billing.PaymentGateway.ChargeLookup;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.PaymentGateway.ChargeState;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentLease;
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
 */
final class PaymentCascade {
  private static final System.Logger LOG = System.getLogger(PaymentCascade.class.getName());
  static final Duration BOLT11_EXPIRY = Duration.ofHours(1);
  static final String BOLT11_DESCRIPTION = "Relay subscription payment";

  /**
   * How long a resumed round may resend a card charge: Stripe keeps idempotency keys for 24 hours.
   */
  static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(23);

  private final Billing.Settings settings;
  private final Repository repository;

  PaymentCascade(Billing.Settings settings) {
    this.settings = settings;
    this.repository = settings.repository();
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
    if (existing.isPresent() && settledOnServiceWallet(existing.get())) {
      return paid(lease, invoice, PaymentMethod.OOB, existing.get().bolt11(), now);
    }

    DirectMessages.Failure failure = null;
    if (tenant.sealedNwcUri().isPresent()
        && settings.walletConnector() != null
        && settings.serviceWallet() != null) {
      RailResult nwc = payWithNwc(invoice, tenant, lease, now);
      if (nwc.result != null) {
        return nwc.result;
      }
      failure = new DirectMessages.Failure("nwc", nwc.error);
      settings.notify(l -> l.paymentFailed(invoice, Rail.NWC, nwc.error));
    }
    if (tenant.stripeCustomerId().isPresent() && settings.paymentGateway() != null) {
      RailResult card = payWithCard(invoice, tenant.stripeCustomerId().get(), lease, now);
      if (card.result != null) {
        return card.result;
      }
      if (card.error != null) {
        failure = new DirectMessages.Failure("stripe", card.error);
        settings.notify(l -> l.paymentFailed(invoice, Rail.STRIPE, card.error));
      }
    }
    return askByMessage(invoice, failure, lease, now);
  }

  /**
   * A rail either ends the round ({@code result}) or fails with {@code error} and the cascade goes
   * on.
   */
  private record RailResult(PaymentResult result, String error) {
    static RailResult failed(String error) {
      return new RailResult(null, error);
    }
  }

  private RailResult payWithNwc(Invoice invoice, Tenant tenant, PaymentLease lease, Instant now) {
    Bolt11Request bolt11;
    try {
      bolt11 = ensureBolt11(invoice, now);
    } catch (RuntimeException e) {
      return RailResult.failed("could not make a Lightning invoice: " + safeMessage(e));
    }
    boolean freshThisRound = !bolt11.createdAt().isBefore(now);
    PayOutcome outcome;
    settings.collection().pace(Rail.NWC);
    try (LightningWallet wallet =
        settings.walletConnector().connect(settings.cipher().open(tenant.sealedNwcUri().get()))) {
      outcome = wallet.payInvoice(bolt11.bolt11());
    } catch (RuntimeException e) {
      outcome = new PayOutcome.Failed("OTHER", safeMessage(e));
    }
    if (outcome instanceof PayOutcome.Paid) {
      repository.markBolt11Settled(invoice.id(), bolt11.bolt11(), now);
      return new RailResult(paid(lease, invoice, PaymentMethod.NWC, bolt11.bolt11(), now), null);
    }
    // The pay request failed or went unanswered, but the invoice may have been paid anyway.
    if (settledOnServiceWallet(bolt11)) {
      return new RailResult(paid(lease, invoice, PaymentMethod.OOB, bolt11.bolt11(), now), null);
    }
    if (outcome instanceof PayOutcome.Unknown unknown && freshThisRound) {
      // The payment may still be in flight: charging the card now could take the money twice.
      // Wait and look again; a later round finds the BOLT11 settled, or (reused, still silent)
      // counts it as failed, so this waits at most once per BOLT11.
      Instant next = now.plus(settings.unknownRetryDelay());
      repository.releaseLease(lease, next);
      return new RailResult(
          new PaymentResult.Unknown(
              invoice.id(), "wallet did not answer: " + unknown.message(), next),
          null);
    }
    String error =
        outcome instanceof PayOutcome.Failed f
            ? f.message()
            : ((PayOutcome.Unknown) outcome).message();
    return RailResult.failed(error);
  }

  private RailResult payWithCard(
      Invoice invoice, String customer, PaymentLease lease, Instant now) {
    PaymentGateway gateway = settings.paymentGateway();
    // A round just started has sent nothing yet; only a resumed one may have a charge out.
    Optional<CardCharge> sent =
        lease.resumed() ? repository.findCardCharge(invoice.id(), lease.round()) : Optional.empty();
    CardCharge charge;
    if (sent.isPresent()) {
      // This round's charge was sent before and its answer never recorded: look before resending.
      charge = sent.get();
      ChargeLookup found = lookUp(customer, invoice.id(), lease.round(), Optional.empty());
      if (found instanceof ChargeLookup.Found f
          && !(f.outcome() instanceof ChargeOutcome.Unknown)) {
        LOG.log(
            Level.INFO,
            "invoice {0} round {1}: the gateway has {2} in state {3}",
            invoice.id(),
            lease.round(),
            f.reference(),
            f.state());
        return afterCharge(invoice, lease, now, f.outcome());
      }
      boolean pastWindow = !now.isBefore(charge.sentAt().plus(IDEMPOTENCY_WINDOW));
      if (pastWindow && !(found instanceof ChargeLookup.Absent)) {
        // The gateway forgets idempotency keys after a day and cannot tell us what happened:
        // sending again could charge twice. A person must look (S18).
        String why =
            found instanceof ChargeLookup.Unavailable u
                ? u.reason()
                : ((ChargeLookup.Found) found).outcome().toString();
        String error =
            "the card charge sent at "
                + charge.sentAt()
                + " has had no definite outcome for a day and the "
                + "gateway could not say what became of it ("
                + why
                + "); collection of this invoice is held until someone checks";
        LOG.log(Level.ERROR, "invoice {0}: {1}", invoice.id(), error);
        repository.holdRound(
            lease, new CollectionHold(CollectionHold.Reason.OUTCOME_UNKNOWN, error), now);
        settings.notify(l -> l.needsAttention(invoice, Rail.STRIPE, error));
        return new RailResult(
            new PaymentResult.NotPaid(invoice.id(), Optional.of(error), false, Optional.empty()),
            null);
      }
      // Absent: the charge never executed, so the same request under the same key charges at most
      // once. Unavailable inside the window: the gateway still holds the key and replays its
      // answer.
    } else {
      Optional<String> method;
      settings.collection().pace(Rail.STRIPE);
      try {
        method = gateway.savedPaymentMethod(customer);
      } catch (RuntimeException e) {
        return RailResult.failed("could not read the saved card: " + safeMessage(e));
      }
      if (method.isEmpty()) {
        return new RailResult(null, null);
      }
      charge =
          repository.noteCardCharge(new CardCharge(invoice.id(), lease.round(), method.get(), now));
    }
    ChargeOutcome outcome;
    settings.collection().pace(Rail.STRIPE);
    try {
      outcome =
          gateway.charge(
              new ChargeRequest(
                  customer,
                  charge.paymentMethodId(),
                  invoice.total(),
                  invoice.currency(),
                  invoice.id(),
                  idempotencyKey(invoice.id(), lease.round())));
    } catch (RuntimeException e) {
      // A gateway that throws after sending leaves the charge's fate unknown: resume, same key.
      outcome = new ChargeOutcome.Unknown(safeMessage(e));
    }
    return afterCharge(invoice, lease, now, outcome);
  }

  /**
   * What a round does with a charge's outcome, whether the charge just answered or was looked up.
   */
  private RailResult afterCharge(
      Invoice invoice, PaymentLease lease, Instant now, ChargeOutcome outcome) {
    if (outcome instanceof ChargeOutcome.Paid p) {
      return new RailResult(paid(lease, invoice, PaymentMethod.STRIPE, p.reference(), now), null);
    }
    if (outcome instanceof ChargeOutcome.Pending p) {
      // Money is moving: only the rail's answer (a webhook) may end this hold, never a new round.
      repository.holdRound(
          lease, new CollectionHold(CollectionHold.Reason.PAYMENT_PENDING, p.reference()), now);
      settings.notify(l -> l.paymentPending(invoice, p.reference()));
      return new RailResult(new PaymentResult.Pending(invoice.id(), p.reference()), null);
    }
    if (outcome instanceof ChargeOutcome.Declined d) {
      return RailResult.failed(d.message());
    }
    if (outcome instanceof ChargeOutcome.NeedsCustomer n) {
      return RailResult.failed(n.message());
    }
    if (outcome instanceof ChargeOutcome.Failed f) {
      // Our request, key or account: not the tenant's card. No DM, no dunning step; the operator
      // is told and the open round is resumed later with the same key.
      String error = "the card gateway refused our request (" + f.kind() + "): " + f.message();
      LOG.log(Level.ERROR, "invoice {0}: {1}", invoice.id(), error);
      Instant next = now.plus(settings.faultRetryDelay());
      repository.releaseLease(lease, next);
      settings.notify(l -> l.needsAttention(invoice, Rail.STRIPE, error));
      return new RailResult(
          new PaymentResult.Deferred(invoice.id(), Rail.STRIPE, error, next), null);
    }
    ChargeOutcome.Unknown u = (ChargeOutcome.Unknown) outcome;
    Instant next = now.plus(settings.unknownRetryDelay());
    repository.releaseLease(lease, next);
    return new RailResult(new PaymentResult.Unknown(invoice.id(), u.message(), next), null);
  }

  /** The gateway's answer for a round's charge; a gateway that throws could not say. */
  private ChargeLookup lookUp(
      String customer, String invoiceId, int round, Optional<String> reference) {
    settings.collection().pace(Rail.STRIPE);
    try {
      return settings.paymentGateway().findCharge(customer, invoiceId, round, reference);
    } catch (RuntimeException e) {
      return new ChargeLookup.Unavailable(safeMessage(e));
    }
  }

  /**
   * Cancels the invoice's card charges still waiting for the customer ({@code requires_action}),
   * once the invoice is paid some other way, so a late authentication cannot take the money a
   * second time. Best effort: what cannot be canceled is reported to the operator.
   */
  void cancelOpenCharges(Invoice invoice, String paidBy, int skipRound) {
    PaymentGateway gateway = settings.paymentGateway();
    if (gateway == null) {
      return;
    }
    try {
      Optional<String> customer =
          repository.findTenant(invoice.tenant()).flatMap(Tenant::stripeCustomerId);
      int rounds = repository.collectionState(invoice.id()).map(CollectionState::rounds).orElse(0);
      for (int r = 1; r <= rounds && customer.isPresent(); r++) {
        if (r == skipRound || repository.findCardCharge(invoice.id(), r).isEmpty()) {
          continue;
        }
        ChargeLookup found = lookUp(customer.get(), invoice.id(), r, Optional.empty());
        if (!(found instanceof ChargeLookup.Found f) || f.reference().equals(paidBy)) {
          continue;
        }
        if (f.state() == ChargeState.REQUIRES_ACTION) {
          settings.collection().pace(Rail.STRIPE);
          CancelOutcome canceled = gateway.cancelCharge(f.reference());
          if (!(canceled instanceof CancelOutcome.Canceled)) {
            String error =
                "invoice is paid, but its open card charge "
                    + f.reference()
                    + " could not be canceled: "
                    + canceled;
            LOG.log(Level.WARNING, "invoice {0}: {1}", invoice.id(), error);
            settings.notify(l -> l.needsAttention(invoice, Rail.STRIPE, error));
          }
        } else if (f.state() == ChargeState.SUCCEEDED || f.state() == ChargeState.PROCESSING) {
          String error =
              "invoice is paid by "
                  + paidBy
                  + ", but card charge "
                  + f.reference()
                  + " is "
                  + f.state()
                  + ": it needs a refund";
          LOG.log(Level.WARNING, "invoice {0}: {1}", invoice.id(), error);
          settings.notify(l -> l.needsAttention(invoice, Rail.STRIPE, error));
        }
      }
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "invoice {0} is paid; could not check its open card charges: {1}",
          invoice.id(),
          safeMessage(e));
    }
  }

  /** The key for a round's card charge: the same for a resumed round, new for the next. */
  static String idempotencyKey(String invoiceId, int round) {
    return "caravel-" + invoiceId + "-round-" + round;
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

  private PaymentResult paid(
      PaymentLease lease, Invoice invoice, PaymentMethod method, String reference, Instant now) {
    Payment payment = new Payment(method, reference, now);
    boolean mine = repository.markPaidFinishingRound(lease, payment);
    if (!mine) {
      Payment first =
          repository.findInvoice(invoice.id()).flatMap(Invoice::payment).orElse(payment);
      secondPayment(invoice.id(), payment);
      return new PaymentResult.Paid(invoice.id(), first);
    }
    if (method == PaymentMethod.OOB || method == PaymentMethod.NWC) {
      repository.markBolt11Settled(invoice.id(), reference, now);
    }
    settings.notify(l -> l.paymentSucceeded(invoice, payment));
    // A card charge of an earlier round may still wait for the customer: close it. Paid by the card
    // of round 1, there is no other charge.
    if (method != PaymentMethod.STRIPE || lease.round() > 1) {
      cancelOpenCharges(invoice, reference, method == PaymentMethod.STRIPE ? lease.round() : 0);
    }
    return new PaymentResult.Paid(invoice.id(), payment);
  }

  /**
   * A payment that found its invoice paid (or closed) already. The same charge seen twice (one
   * PaymentIntent replayed to two instances, one BOLT11 noticed twice) is one payment: same
   * reference, nothing to report. Only a different reference means the tenant paid twice and is
   * owed a refund; the repository recorded it with a {@code REFUND_NEEDED} event in markPaid.
   */
  void secondPayment(String invoiceId, Payment late) {
    Optional<Invoice> invoice = repository.findInvoice(invoiceId);
    if (invoice.isEmpty() || invoice.get().isOpen() || !isSecondPayment(invoice.get(), late)) {
      return;
    }
    Invoice i = invoice.get();
    LOG.log(
        Level.WARNING,
        "invoice {0} was already {1}; this {2} payment ({3}) needs a refund",
        invoiceId,
        i.payment()
            .map(p -> "paid by " + p.method().wireName() + " (" + p.reference() + ")")
            .orElse("closed (" + i.status() + ")"),
        late.method().wireName(),
        late.reference());
    settings.notify(l -> l.refundNeeded(i, late));
  }

  /** Whether {@code late} is another payment than the one {@code invoice} was paid with. */
  static boolean isSecondPayment(Invoice invoice, Payment late) {
    return invoice.payment().map(p -> !p.reference().equals(late.reference())).orElse(true);
  }

  // ---- BOLT11 (S10) ----

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
    settings.collection().pace(Rail.NWC);
    try {
      if (settings.serviceWallet().isSettled(bolt11.bolt11())) {
        repository.markBolt11Settled(bolt11.invoiceId(), bolt11.bolt11(), settings.now());
        return true;
      }
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "could not look up the Lightning invoice of {0}: {1}",
          bolt11.invoiceId(),
          safeMessage(e));
    }
    return false;
  }

  PaymentResult paidOutOfBand(Invoice invoice, Bolt11Request bolt11) {
    Instant now = settings.now();
    Payment payment = new Payment(PaymentMethod.OOB, bolt11.bolt11(), now);
    if (repository.markPaid(invoice.id(), payment)) {
      settings.notify(l -> l.paymentSucceeded(invoice, payment));
      cancelOpenCharges(invoice, payment.reference(), 0);
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
