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
import dev.caravel.billing.spi.PaymentRecord;
import dev.caravel.billing.spi.Repository;
import java.time.Instant;
import java.util.Optional;

/**
 * Voids and write-offs (S14): closing an unpaid invoice, as {@link InvoiceLifecycle} decides. The
 * rail is asked before, never after ({@link RailCheckup}): a card charge that succeeded is the
 * invoice's payment, and the close is refused as paid; money that may still move refuses it; else
 * it is closed. The storage's guard stays the last line of defence: it never closes an invoice that
 * is leased, held or has its round open, so such a close is refused as money that may be moving.
 */
final class Closing {
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
    Instant now = settings.now();
    Optional<Found> read = states.find(invoiceId, now);
    if (read.isEmpty()) {
      return new CloseResult.Refused(invoiceId, CloseResult.Reason.NO_SUCH_INVOICE);
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
      return answerAsStored(invoiceId, kind, why, now);
    }
    Optional<Refusal> refused = refusal(t);
    if (refused.isPresent()) {
      return answer(found.invoice(), refused.get());
    }
    RecordClosure closure =
        t.effects().stream()
            .filter(RecordClosure.class::isInstance)
            .map(RecordClosure.class::cast)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("a close that " + t + " neither made"));
    if (repository.closeInvoice(
        invoiceId, new Invoice.Closure(closure.kind().status(), closure.reason(), closure.at()))) {
      Invoice closed = repository.findInvoice(invoiceId).orElseThrow();
      settings.notify(l -> l.invoiceClosed(closed));
      standings.refreshStanding(closed.tenant());
      return new CloseResult.Closed(closed);
    }
    return answerAsStored(invoiceId, kind, why, now);
  }

  /**
   * The storage did not do what the machine said: it moved since it was read (a round leased the
   * invoice, a payment or another close landed), or it records a hold or an open round, which it
   * never closes. The answer is the machine's for the state stored now; one that would still close
   * is refused: something may be moving money, and the storage knows it.
   */
  private CloseResult answerAsStored(
      String invoiceId, LifecycleEvent.Closing kind, String why, Instant now) {
    Optional<Found> again = states.find(invoiceId, now);
    if (again.isEmpty()) {
      return new CloseResult.Refused(invoiceId, CloseResult.Reason.NO_SUCH_INVOICE);
    }
    Transition t =
        states.next(again.get().state(), new Close(kind, why, now, new RailCheck.NotAsked()));
    return refusal(t)
        .map(r -> answer(again.get().invoice(), r))
        .orElse(new CloseResult.Refused(invoiceId, CloseResult.Reason.MONEY_MAY_BE_MOVING));
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
