package dev.caravel.billing;

import dev.caravel.billing.InvoiceLifecycle.Transition;
import dev.caravel.billing.InvoiceStates.Found;
import dev.caravel.billing.LifecycleEffect.CheckRailsFirst;
import dev.caravel.billing.LifecycleEffect.RecordClosure;
import dev.caravel.billing.LifecycleEffect.RecordPayment;
import dev.caravel.billing.LifecycleEffect.Refusal;
import dev.caravel.billing.LifecycleEffect.Refuse;
import dev.caravel.billing.LifecycleEvent.Close;
import dev.caravel.billing.LifecycleEvent.RailCheck;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.CollectionChange;
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Repository;
import java.time.Instant;
import java.util.Optional;

/**
 * Voids and write-offs (S14): closing an unpaid invoice, as {@link InvoiceLifecycle} decides. The
 * rail is asked before, never after ({@link RailCheckup}): a card charge that succeeded is the
 * invoice's payment, and the close is refused as paid; money that may still move refuses it; else
 * it is closed. The machine is the only judge: the storage records its closure only if the
 * invoice's collection state is still the one the machine decided on ({@link
 * Repository#changeCollection}), so a close decided on a stale read (a round leased the invoice, a
 * payment or another close landed) is never recorded; the close is then decided again from what is
 * stored.
 */
final class Closing {
  /**
   * How many times a close is decided before it gives up to an invoice that keeps moving: each loss
   * means a lease, a round's end, a payment or another close landed since the read.
   */
  private static final int ATTEMPTS = 3;

  private final EngineSettings settings;
  private final Repository repository;
  private final Standings standings;
  private final InvoiceStates states;
  private final MoneyArrival arrivals;
  private final RailCheckup checkup;

  Closing(EngineSettings settings, PaymentCascade cascade, Standings standings) {
    this.settings = settings;
    this.repository = settings.repository();
    this.standings = standings;
    this.states = new InvoiceStates(settings);
    this.arrivals = new MoneyArrival(settings, states, cascade, standings);
    this.checkup = new RailCheckup(settings, cascade);
  }

  /** {@link Billing#voidInvoice}. */
  CloseResult voidInvoice(String invoiceId, String reason) {
    return close(invoiceId, LifecycleEvent.Closing.VOID, reason);
  }

  /** {@link Billing#writeOff}. */
  CloseResult writeOff(String invoiceId, String reason) {
    return close(invoiceId, LifecycleEvent.Closing.WRITE_OFF, reason);
  }

  private CloseResult close(String invoiceId, LifecycleEvent.Closing kind, String reason) {
    Checks.id(invoiceId, "invoice id");
    String why = Checks.text(reason, "reason").strip();
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Optional<CloseResult> answered = tryClose(invoiceId, kind, why);
      if (answered.isPresent()) {
        return answered.get();
      }
    }
    // Every decision was overtaken by a change: something keeps collecting it right now.
    return new CloseResult.Refused(invoiceId, CloseResult.Reason.MONEY_MAY_BE_MOVING);
  }

  /**
   * One read, the machine's decision on it, and the conditional write of a closure. Empty when the
   * invoice moved between the read and the write (the write lost): decide again.
   */
  private Optional<CloseResult> tryClose(
      String invoiceId, LifecycleEvent.Closing kind, String why) {
    Instant now = settings.now();
    Optional<Found> read = states.find(invoiceId, now);
    if (read.isEmpty()) {
      return Optional.of(new CloseResult.Refused(invoiceId, CloseResult.Reason.NO_SUCH_INVOICE));
    }
    Found found = read.get();
    Transition asked =
        states.next(found.state(), new Close(kind, why, now, new RailCheck.NotAsked()));
    Transition t =
        asked.effects().contains(new CheckRailsFirst())
            ? states.next(found.state(), new Close(kind, why, now, checkup.ask(found)))
            : asked;
    // Money the rail found is the payment first (or, if the invoice ended meanwhile, reported).
    boolean paying = t.effects().stream().anyMatch(RecordPayment.class::isInstance);
    if (arrivals.carryOut(found.invoice(), t.effects()) != PaymentRecord.PAID && paying) {
      return Optional.empty(); // paid or closed meanwhile: answer from what is stored
    }
    Optional<Refusal> refused = refusal(t);
    if (refused.isPresent()) {
      return Optional.of(answer(found.invoice(), refused.get()));
    }
    RecordClosure decided =
        t.effects().stream()
            .filter(RecordClosure.class::isInstance)
            .map(RecordClosure.class::cast)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("a close that " + t + " neither made"));
    Invoice.Closure closure =
        new Invoice.Closure(decided.kind().status(), decided.reason(), decided.at());
    BillingEvent event = BillingEvent.closed(found.invoice().closedBy(closure));
    if (!states.record(found, new CollectionChange.Close(closure, event))) {
      return Optional.empty();
    }
    Invoice closed = repository.findInvoice(invoiceId).orElseThrow();
    settings.notify(l -> l.invoiceClosed(closed));
    standings.refreshStanding(closed.tenant());
    return Optional.of(new CloseResult.Closed(closed));
  }

  private static Optional<Refusal> refusal(Transition t) {
    return t.effects().stream()
        .filter(Refuse.class::isInstance)
        .map(e -> ((Refuse) e).reason())
        .findFirst();
  }

  private static CloseResult answer(Invoice invoice, Refusal refusal) {
    return switch (refusal) {
      case ALREADY_PAID -> new CloseResult.Refused(invoice.id(), CloseResult.Reason.PAID);
      case ALREADY_CLOSED -> new CloseResult.AlreadyClosed(invoice);
      case CLOSED_OTHERWISE ->
          new CloseResult.Refused(invoice.id(), CloseResult.Reason.CLOSED_OTHERWISE);
      case MONEY_MAY_BE_MOVING ->
          new CloseResult.Refused(invoice.id(), CloseResult.Reason.MONEY_MAY_BE_MOVING);
      default -> throw new IllegalStateException("a close refused with " + refusal);
    };
  }
}
