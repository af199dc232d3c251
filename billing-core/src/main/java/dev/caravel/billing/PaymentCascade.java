package dev.caravel.billing;

import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.spi.CollectionChange;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.RoundEnded;
import dev.caravel.billing.spi.Tenant;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One payment round of one invoice (S9), run under the invoice's lease: Lightning through the
 * tenant's NWC wallet, then the saved card, then a DM. The lease and the round number are what make
 * it safe: two instances never run one invoice at once, and a round whose outcome is unknown is
 * resumed with the same card idempotency key.
 *
 * <p>What each rail's answer does to the invoice (the next rail, the DM that ends the round, a
 * hold, waiting, needing attention) is {@link InvoiceLifecycle}'s to decide; {@link
 * RoundInProgress} carries it out. Each rail's own calls live in {@link LightningRail} and {@link
 * CardRail}. Manual retries and the refusals a caller hears go through the machine too.
 */
final class PaymentCascade {
  private static final System.Logger LOG = System.getLogger(PaymentCascade.class.getName());

  /** What {@link Billing#collect} answers when the engine has no way to reach any tenant. */
  static final String NOTHING_WIRED =
      "no payment rail (Lightning, card) and no messenger are wired: no round was run";

  /**
   * How many times a manual retry is decided before it gives up to an invoice that keeps moving:
   * each loss means a round, a payment or a close landed since the read.
   */
  private static final int RETRY_ATTEMPTS = 3;

  private final EngineSettings settings;
  private final Repository repository;
  private final LightningRail lightning;
  private final CardRail card;
  private final MoneyArrival arrivals;
  private final InvoiceLifecycle lifecycle;

  PaymentCascade(EngineSettings settings) {
    this.settings = settings;
    this.repository = settings.repository();
    // The rails call back only for paid(), never while being built.
    this.lightning = new LightningRail(settings, this);
    this.card = new CardRail(settings, this);
    this.arrivals =
        new MoneyArrival(settings, new InvoiceStates(settings), this, new Standings(settings));
    this.lifecycle =
        new InvoiceLifecycle(
            new InvoiceLifecycle.RetryTiming(
                settings.retrySchedule(), settings.unknownRetryDelay()));
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
    if (!settings.reachesTenants()) {
      return nothingWired(invoiceId, now);
    }
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
      giveUp(lease, now, e);
      throw e;
    }
  }

  /**
   * Issue 26: with no rail and no messenger wired, a round could neither charge nor ask anyone, so
   * none is run: the invoice stays due, no round is counted against the tenant's standing (S13),
   * and the first round runs once a rail or a messenger is wired.
   */
  private PaymentResult nothingWired(String invoiceId, Instant now) {
    Optional<PaymentResult.Skipped.Reason> refused = refusedStart(invoiceId, now);
    if (refused.isPresent()) {
      return new PaymentResult.Skipped(invoiceId, refused.get());
    }
    return new PaymentResult.NotPaid(
        invoiceId,
        Optional.of(NOTHING_WIRED),
        false,
        repository.collectionState(invoiceId).flatMap(CollectionState::nextAttemptAt));
  }

  /** Why no round could start at {@code now}: read after the refusal, so only for the answer. */
  PaymentResult.Skipped.Reason whyNot(String invoiceId, Instant now) {
    // Due after all: another instance took the round and let it go meanwhile.
    return refusedStart(invoiceId, now).orElse(PaymentResult.Skipped.Reason.IN_PROGRESS);
  }

  /** What the machine says of a round starting now, from the stored state: a refusal, if any. */
  private Optional<PaymentResult.Skipped.Reason> refusedStart(String invoiceId, Instant now) {
    Optional<LifecycleState> state = stateOf(invoiceId, now);
    if (state.isEmpty()) {
      return Optional.of(PaymentResult.Skipped.Reason.NO_SUCH_INVOICE);
    }
    return refusal(lifecycle.next(state.get(), new LifecycleEvent.StartRound(now, Set.of())))
        .map(PaymentCascade::skipped);
  }

  /**
   * {@link Billing#retryNow}'s first half, through the machine: makes the invoice due now (an
   * attention flag ends: nothing was moving), or says why not. The storage records it only if the
   * invoice is still as read ({@link Repository#changeCollection}); when it moved meanwhile (a
   * round, a payment, a close), the retry is decided again on what is stored.
   */
  Optional<PaymentResult.Skipped.Reason> makeDueNow(String invoiceId, Instant now) {
    for (int attempt = 1; attempt <= RETRY_ATTEMPTS; attempt++) {
      Optional<Invoice> invoice = repository.findInvoice(invoiceId);
      if (invoice.isEmpty()) {
        return Optional.of(PaymentResult.Skipped.Reason.NO_SUCH_INVOICE);
      }
      CollectionState stored = repository.collectionState(invoiceId).orElseThrow();
      InvoiceLifecycle.Transition t =
          lifecycle.next(
              LifecycleState.derive(invoice.get(), stored, Set.of(), now),
              new LifecycleEvent.RetryNow(now));
      Optional<LifecycleEffect.Refusal> refused = refusal(t);
      if (refused.isPresent()) {
        return refused.map(PaymentCascade::skipped);
      }
      if (repository.changeCollection(invoiceId, stored, dueAgain(t, now))) {
        return Optional.empty();
      }
    }
    // Overtaken on every read: another instance is collecting it right now.
    return Optional.of(PaymentResult.Skipped.Reason.IN_PROGRESS);
  }

  /** What a retry the machine allowed writes: the next round due, any flag ended. */
  private static CollectionChange dueAgain(InvoiceLifecycle.Transition t, Instant now) {
    if (t.effects().size() != 1) {
      throw new IllegalStateException("a retry cannot carry out " + t.effects());
    }
    LifecycleEffect effect = t.effects().get(0);
    if (effect instanceof LifecycleEffect.ScheduleRound scheduled) {
      return new CollectionChange.Reschedule(Optional.of(scheduled.at()), now);
    }
    if (effect instanceof LifecycleEffect.ReleaseHold released) {
      return new CollectionChange.Reschedule(released.nextRoundAt(), now);
    }
    throw new IllegalStateException("a retry cannot carry out " + effect);
  }

  /** The invoice's state as stored (no late payments needed: only unpaid states are asked). */
  private Optional<LifecycleState> stateOf(String invoiceId, Instant now) {
    Optional<Invoice> invoice = repository.findInvoice(invoiceId);
    if (invoice.isEmpty()) {
      return Optional.empty();
    }
    CollectionState stored = repository.collectionState(invoiceId).orElseThrow();
    return Optional.of(LifecycleState.derive(invoice.get(), stored, Set.of(), now));
  }

  private static Optional<LifecycleEffect.Refusal> refusal(InvoiceLifecycle.Transition t) {
    return t.effects().stream()
        .filter(LifecycleEffect.Refuse.class::isInstance)
        .map(e -> ((LifecycleEffect.Refuse) e).reason())
        .findFirst();
  }

  /** The machine's refusal as the caller hears it. */
  static PaymentResult.Skipped.Reason skipped(LifecycleEffect.Refusal refusal) {
    return switch (refusal) {
      case IN_PROGRESS, MONEY_MAY_BE_MOVING -> PaymentResult.Skipped.Reason.IN_PROGRESS;
      case PAYMENT_PENDING -> PaymentResult.Skipped.Reason.PAYMENT_PENDING;
      case OUTCOME_UNKNOWN -> PaymentResult.Skipped.Reason.OUTCOME_UNKNOWN;
      case NEEDS_ATTENTION -> PaymentResult.Skipped.Reason.NEEDS_ATTENTION;
      case ALREADY_PAID -> PaymentResult.Skipped.Reason.ALREADY_PAID;
        // Closed invoices, and refusals no round start meets, are simply not due.
      case NOT_DUE,
              CLOSED,
              ALREADY_CLOSED,
              CLOSED_OTHERWISE,
              NOT_HELD,
              NOT_HELD_FOR_THIS_CHARGE,
              NOT_PAID,
              NO_ROUND ->
          PaymentResult.Skipped.Reason.NOT_DUE;
    };
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

    // The state the lease found, as the machine knows it: the lease took it under the row lock.
    LifecycleState leased =
        lease.resumed()
            ? new LifecycleState.Resuming(lease.round(), lease.firstAttemptAt(), now)
            : new LifecycleState.Open(
                lease.round() - 1, Optional.of(lease.firstAttemptAt()), Optional.of(now));
    RoundInProgress round = new RoundInProgress(settings, this, lease, invoice, now);
    InvoiceLifecycle.Transition t =
        lifecycle.next(leased, new LifecycleEvent.StartRound(now, railsOf(tenant)));
    while (true) {
      Optional<Rail> rail = round.carryOut(t);
      if (rail.isEmpty()) {
        return round.result();
      }
      RailResult answer =
          rail.get() == Rail.NWC
              ? lightning.payWithNwc(invoice, tenant, lease, now)
              : card.payWithCard(invoice, tenant.stripeCustomerId().orElseThrow(), lease, now);
      if (answer.result() != null) {
        return answer.result();
      }
      round.heard(answer.outcome());
      t = lifecycle.next(t.state(), answer.outcome());
    }
  }

  /** The rails a round can try for {@code tenant}: set up by the tenant and wired here. */
  private Set<Rail> railsOf(Tenant tenant) {
    Set<Rail> rails = EnumSet.noneOf(Rail.class);
    if (tenant.sealedNwcUri().isPresent()
        && settings.walletConnector() != null
        && settings.serviceWallet() != null) {
      rails.add(Rail.NWC);
    }
    if (tenant.stripeCustomerId().isPresent() && settings.paymentGateway() != null) {
      rails.add(Rail.STRIPE);
    }
    return rails;
  }

  /** The holder stops without an answer: the machine leaves the round open, to resume. */
  private void giveUp(PaymentLease lease, Instant now, RuntimeException why) {
    LifecycleState running =
        new LifecycleState.InRound(
            lease.round(), lease.firstAttemptAt(), lease.resumed(), List.of(), Optional.empty());
    InvoiceLifecycle.Transition t =
        lifecycle.next(running, new LifecycleEvent.GiveUpRound(safeMessage(why), now));
    for (LifecycleEffect effect : t.effects()) {
      if (effect instanceof LifecycleEffect.LeaveRoundOpen open) {
        repository.endRound(lease, new RoundEnd.LeftOpen(open.at()));
      }
    }
  }

  /**
   * A rail's turn: either it ended the round itself ({@code result}: paid, or left open to wait on
   * a wallet), or it answered {@code outcome}, which the machine turns into what comes next.
   */
  record RailResult(PaymentResult result, LifecycleEvent.RoundOutcome outcome) {
    static RailResult done(PaymentResult result) {
      return new RailResult(java.util.Objects.requireNonNull(result, "result"), null);
    }

    static RailResult answered(LifecycleEvent.RoundOutcome outcome) {
      return new RailResult(null, java.util.Objects.requireNonNull(outcome, "outcome"));
    }
  }

  /**
   * DMs the tenant the link to pay by hand with {@code notice}'s fixed sentence, nothing else
   * (DESIGN "Security"); true if it was delivered.
   */
  boolean askToPay(Invoice invoice, CustomerNotice notice) {
    boolean messaged = false;
    if (settings.messenger() != null) {
      // Only a wired messenger needs the link, and only it makes the link secret required.
      String text =
          notice.pointsToAccount()
              ? DirectMessages.askToPay(
                  settings.links().link(invoice.id()),
                  notice,
                  settings.links().accountLink(invoice.tenant()))
              : DirectMessages.askToPay(settings.links().link(invoice.id()), notice);
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
  Optional<Instant> nextRound(int round, Instant firstAttemptAt) {
    List<Duration> schedule = settings.retrySchedule();
    return round <= schedule.size()
        ? Optional.of(firstAttemptAt.plus(schedule.get(round - 1)))
        : Optional.empty();
  }

  PaymentResult paid(
      PaymentLease lease, Invoice invoice, PaymentMethod method, String reference, Instant now) {
    Payment payment = new Payment(method, reference, now);
    PaymentRecord recorded = endPaid(lease, invoice, payment);
    if (recorded != PaymentRecord.PAID) {
      Payment first =
          repository.findInvoice(invoice.id()).flatMap(Invoice::payment).orElse(payment);
      secondPayment(invoice, payment, recorded);
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
   * Writes the round's payment and ends the round, as one step ({@link RoundEnd.Paid}), and answers
   * which payment write the storage made.
   */
  private PaymentRecord endPaid(PaymentLease lease, Invoice invoice, Payment payment) {
    RoundEnd paid = new RoundEnd.Paid(payment, MoneyArrival.eventsFor(invoice, payment));
    RoundEnded ended = repository.endRound(lease, paid);
    if (ended instanceof RoundEnded.PaymentRecorded written) {
      return written.recorded();
    }
    throw new IllegalStateException("the storage answered a paid round's end with " + ended);
  }

  /**
   * A round's payment that found its invoice paid (or closed) already at the write. The same charge
   * seen twice (one PaymentIntent replayed to two instances, one BOLT11 noticed twice) is one
   * payment: same reference, nothing written, nothing to report. Only a different reference means
   * the tenant paid twice and is owed a refund: the round's own write inserted it as a second
   * payment with the {@code REFUND_NEEDED} event the engine gave, and said whether this call did
   * ({@code recorded}), so the host is told once.
   */
  void secondPayment(Invoice invoice, Payment late, PaymentRecord recorded) {
    arrivals.afterRoundPayment(invoice, late, recorded);
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
    if (repository.markPaid(invoice.id(), payment, MoneyArrival.eventsFor(invoice, payment))
        == PaymentRecord.PAID) {
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
