package dev.caravel.billing.spi;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * What the engine decided for an open invoice outside a round, for a storage to record with {@link
 * Repository#changeCollection}: collection goes on (a person's retry or reopen, the rail's late
 * "no" for a pending charge), or the invoice is closed (a void or a write-off). The engine's state
 * machine decides which, and when; a storage only writes it, if nothing moved since the engine
 * read. Values built by the engine: a null is a programming mistake.
 */
public sealed interface CollectionChange {

  /**
   * Collection goes on: any hold ends, and the next round is due at {@code nextAttemptAt} (empty:
   * none, the dunning is over). Rounds, the open round, the first attempt and the lease stay as
   * they are. A hold's end may move the tenant's standing (a round held for the rail becomes a
   * failed one), so, like every such write, it makes the tenant's standing check due by {@code at},
   * the instant the engine decided it, and bumps the tenant's standing revision ({@link
   * Repository#recordStandings}).
   */
  record Reschedule(Optional<Instant> nextAttemptAt, Instant at) implements CollectionChange {
    public Reschedule {
      Checks.notNull(nextAttemptAt, "nextAttemptAt");
      Checks.notNull(at, "at");
    }
  }

  /**
   * The invoice is closed by {@code closure} (S14): never collected again (no next round, no lease,
   * no hold, no round open), its items stay on it so they are never claimed again, and {@code
   * event} (the engine's {@link BillingEvent#closed}) is appended as it is.
   */
  record Close(Invoice.Closure closure, BillingEvent event) implements CollectionChange {
    public Close {
      Checks.notNull(closure, "closure");
      Checks.notNull(event, "event");
      if (closure.status() == Invoice.Status.CARRIED) {
        // S25: carrying is decided when the invoice is claimed (Claim), never later.
        throw new IllegalArgumentException("an invoice is carried only when it is claimed");
      }
      BillingEvent.Type expected =
          closure.status() == Invoice.Status.VOID
              ? BillingEvent.Type.INVOICE_VOIDED
              : BillingEvent.Type.INVOICE_WRITTEN_OFF;
      if (event.type() != expected || !event.at().equals(closure.at())) {
        throw new IllegalArgumentException(
            "a " + closure.status() + " at " + closure.at() + " is not recorded by " + event);
      }
    }
  }
}
