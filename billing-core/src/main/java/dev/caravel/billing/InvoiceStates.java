package dev.caravel.billing;

import dev.caravel.billing.InvoiceLifecycle.RetryTiming;
import dev.caravel.billing.InvoiceLifecycle.Transition;
import dev.caravel.billing.spi.CollectionChange;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.StorageException;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * The engine's access to {@link InvoiceLifecycle}: an invoice's state read from the storage ({@link
 * LifecycleState#derive}) and the machine's answer to an event in it. The parts that move an
 * invoice (closing, a payment arriving, a reopen, a BOLT11 to show) ask here, then carry out the
 * effects.
 */
final class InvoiceStates {
  private final EngineSettings settings;
  private final Repository repository;
  private final InvoiceLifecycle machine;

  InvoiceStates(EngineSettings settings) {
    this.settings = settings;
    this.repository = settings.repository();
    this.machine =
        new InvoiceLifecycle(
            new RetryTiming(settings.retrySchedule(), settings.unknownRetryDelay()));
  }

  /** An invoice as read, with its place in its life at the instant it was read. */
  record Found(Invoice invoice, CollectionState collection, LifecycleState state) {}

  /**
   * The invoice and its state at {@code now}; empty for an unknown invoice. The late payments
   * already reported are not read back: the storage inserts each (invoice, reference) once and says
   * whether this write did ({@link Repository#markPaid}), which is what keeps the reports to one.
   */
  Optional<Found> find(String invoiceId, Instant now) {
    Optional<Invoice> invoice = repository.findInvoice(invoiceId);
    if (invoice.isEmpty()) {
      return Optional.empty();
    }
    CollectionState collection =
        repository
            .collectionState(invoiceId)
            .orElseThrow(
                () -> new StorageException("invoice " + invoiceId + " has no collection state"));
    return Optional.of(
        new Found(
            invoice.get(),
            collection,
            LifecycleState.derive(invoice.get(), collection, Set.of(), now)));
  }

  /** {@link #find} at the engine's now, for an invoice that must exist. */
  Found require(String invoiceId) {
    return find(invoiceId, settings.now())
        .orElseThrow(() -> new InvalidInputException("no invoice " + invoiceId));
  }

  /**
   * Records what the machine decided for {@code found}'s invoice outside a round, only if its
   * collection state is still the one read ({@link Repository#changeCollection}). False: it moved
   * since the read, nothing was written, and the decision must be made again on a new read.
   */
  boolean record(Found found, CollectionChange change) {
    return repository.changeCollection(found.invoice().id(), found.collection(), change);
  }

  /** The machine's answer: the next state and the effects to carry out, in order. */
  Transition next(LifecycleState state, LifecycleEvent event) {
    return machine.next(state, event);
  }
}
