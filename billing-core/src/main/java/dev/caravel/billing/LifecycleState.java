package dev.caravel.billing;

import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.StorageException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where one invoice stands in its life ({@link InvoiceLifecycle}). Unpaid states carry what the
 * retry schedule (S11) needs: the round number and when the first round began. The three end states
 * carry the references of the late payments already reported as needing a refund, so that a late
 * payment delivered twice is reported once.
 */
sealed interface LifecycleState {

  /** Paid, voided, written off or carried: no round ever starts again (S14, S18, S25). */
  default boolean isEnded() {
    return this instanceof Paid
        || this instanceof Voided
        || this instanceof WrittenOff
        || this instanceof Carried;
  }

  /**
   * Unpaid, no round running, nothing waiting on a rail. {@code rounds} rounds are over ({@code
   * firstAttemptAt} empty until the first began). {@code dueAt}: when the next round may start;
   * empty once the retry schedule is used up (dunning over: only a person or a payment moves it).
   */
  record Open(int rounds, Optional<Instant> firstAttemptAt, Optional<Instant> dueAt)
      implements LifecycleState {
    public Open {
      if (rounds < 0) {
        throw new IllegalArgumentException("rounds cannot be negative, got " + rounds);
      }
      Objects.requireNonNull(firstAttemptAt, "firstAttemptAt");
      Objects.requireNonNull(dueAt, "dueAt");
      if (rounds > 0 && firstAttemptAt.isEmpty()) {
        throw new IllegalArgumentException("a round ran, so the first attempt has an instant");
      }
    }

    /** A new invoice: no round yet, the first due at {@code createdAt}. */
    static Open fresh(Instant createdAt) {
      return new Open(0, Optional.empty(), Optional.of(createdAt));
    }
  }

  /**
   * Round {@code round} runs under the invoice's lease. {@code ahead}: the rails this round still
   * has to try, the one running first (S9 order); {@code lastFailure}: what the tenant will be told
   * if every rail fails. Both are known to the round's holder only: a state {@link #derive derived}
   * from storage, for anyone else, has neither.
   */
  record InRound(
      int round,
      Instant firstAttemptAt,
      boolean resumed,
      List<Rail> ahead,
      Optional<CustomerNotice> lastFailure)
      implements LifecycleState {
    public InRound {
      if (round < 1) {
        throw new IllegalArgumentException("rounds start at 1, got " + round);
      }
      Objects.requireNonNull(firstAttemptAt, "firstAttemptAt");
      ahead = List.copyOf(ahead);
      Objects.requireNonNull(lastFailure, "lastFailure");
    }
  }

  /**
   * Round {@code round} ended without an answer (a rail's outcome unknown, or its holder gave up or
   * died): it is resumed at {@code at}, under the same round number and so the same card
   * idempotency key, never repeated under a new one.
   */
  record Resuming(int round, Instant firstAttemptAt, Instant at) implements LifecycleState {
    public Resuming {
      if (round < 1) {
        throw new IllegalArgumentException("rounds start at 1, got " + round);
      }
      Objects.requireNonNull(firstAttemptAt, "firstAttemptAt");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * Money may be moving, so no round starts and nothing closes the invoice until the rail answers
   * (a webhook) or a person, having asked the rail, reopens or closes it. {@code detail}: the
   * pending charge's reference, or what was sent and not learned.
   */
  record Held(HoldReason reason, String detail, int round, Instant firstAttemptAt)
      implements LifecycleState {
    public Held {
      if (round < 1) {
        throw new IllegalArgumentException("a hold follows a round, got round " + round);
      }
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(firstAttemptAt, "firstAttemptAt");
    }
  }

  /** Why an invoice is {@link Held}. */
  enum HoldReason {
    /** A card charge was accepted and is not final (Stripe's {@code processing}). */
    CHARGE_PENDING,
    /**
     * A charge's outcome stayed unknown past the gateway's idempotency window: sending it again
     * could charge twice, and the gateway could not say what became of it.
     */
    OUTCOME_UNKNOWN;

    /** The hold a storage records for it. */
    CollectionHold.Reason stored() {
      return this == CHARGE_PENDING
          ? CollectionHold.Reason.PAYMENT_PENDING
          : CollectionHold.Reason.OUTCOME_UNKNOWN;
    }
  }

  /**
   * The round ended and nothing is moving, but no automatic round would help: a person must look
   * (S18). The operator was told {@code detail}; the tenant heard a fixed sentence. The invoice can
   * be retried, reopened, voided or written off, and is still paid by any money that arrives.
   */
  record NeedsAttention(AttentionReason reason, String detail, int round, Instant firstAttemptAt)
      implements LifecycleState {
    public NeedsAttention {
      if (round < 1) {
        throw new IllegalArgumentException("attention follows a round, got round " + round);
      }
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(firstAttemptAt, "firstAttemptAt");
    }
  }

  /**
   * Why an invoice {@link NeedsAttention needs attention}; stored as the {@link
   * dev.caravel.billing.spi.CollectionHold.Reason} of the same name.
   */
  enum AttentionReason {
    /**
     * The rail refused <b>our</b> request, key or account (Stripe's {@code resource_missing}, an
     * API key refused): nothing was charged.
     */
    CONFIGURATION_FAULT,
    /**
     * The charge was refused before anything was sent (below the card minimum, a currency the
     * gateway cannot charge): nothing about it is unknown.
     */
    REFUSED_BEFORE_SEND;

    /** The hold a storage records for it. */
    CollectionHold.Reason stored() {
      return this == CONFIGURATION_FAULT
          ? CollectionHold.Reason.CONFIGURATION_FAULT
          : CollectionHold.Reason.REFUSED_BEFORE_SEND;
    }
  }

  /** Paid by the payment whose rail reference is {@code reference}: the one payment. */
  record Paid(String reference, Set<String> refundsReported) implements LifecycleState {
    public Paid {
      Objects.requireNonNull(reference, "reference");
      refundsReported = Set.copyOf(refundsReported);
    }
  }

  /**
   * Voided: it should not have been issued. Never collected; money that reaches it anyway is
   * reported, once, as needing a refund.
   */
  record Voided(Set<String> refundsReported) implements LifecycleState {
    public Voided {
      refundsReported = Set.copyOf(refundsReported);
    }
  }

  /**
   * Written off: owed but given up on. Never collected; money that reaches it anyway is reported,
   * once, as needing a refund (the host may keep it: the tenant did owe it).
   */
  record WrittenOff(Set<String> refundsReported) implements LifecycleState {
    public WrittenOff {
      refundsReported = Set.copyOf(refundsReported);
    }
  }

  /**
   * Carried (S25): closed when claimed, below the card minimum of a card-only tenant, its net owed
   * on the next invoice. Never collected; money that reaches it anyway (none should: no BOLT11 is
   * made for it, no card charged) is reported, once, as needing a refund.
   */
  record Carried(Set<String> refundsReported) implements LifecycleState {
    public Carried {
      refundsReported = Set.copyOf(refundsReported);
    }
  }

  /**
   * The state of {@code invoice} as the storage holds it at {@code now}: its payment or closure,
   * else its collection state (a live lease, a hold, a round left open, the next round). {@code
   * refundsReported}: the references of the late payments already recorded for it. A round read
   * this way has no rails ahead: only its holder knows them.
   *
   * @throws StorageException the stored collection state contradicts itself (a lease or a hold
   *     without a first round)
   */
  static LifecycleState derive(
      Invoice invoice, CollectionState collection, Set<String> refundsReported, Instant now) {
    Objects.requireNonNull(invoice, "invoice");
    Objects.requireNonNull(collection, "collection");
    Objects.requireNonNull(refundsReported, "refundsReported");
    Objects.requireNonNull(now, "now");
    if (invoice.payment().isPresent()) {
      return new Paid(invoice.payment().get().reference(), refundsReported);
    }
    if (invoice.closure().isPresent()) {
      return switch (invoice.closure().get().status()) {
        case VOID -> new Voided(refundsReported);
        case CARRIED -> new Carried(refundsReported);
        default -> new WrittenOff(refundsReported);
      };
    }
    int rounds = collection.rounds();
    if (collection.leasedAt(now)) {
      return new InRound(rounds, first(invoice, collection), true, List.of(), Optional.empty());
    }
    if (collection.hold().isPresent()) {
      var hold = collection.hold().get();
      // Exhaustive on purpose: a new stored hold reason does not compile until it is mapped here.
      return switch (hold.reason()) {
        case PAYMENT_PENDING ->
            new Held(HoldReason.CHARGE_PENDING, hold.detail(), rounds, first(invoice, collection));
        case OUTCOME_UNKNOWN ->
            new Held(HoldReason.OUTCOME_UNKNOWN, hold.detail(), rounds, first(invoice, collection));
        case CONFIGURATION_FAULT ->
            new NeedsAttention(
                AttentionReason.CONFIGURATION_FAULT,
                hold.detail(),
                rounds,
                first(invoice, collection));
        case REFUSED_BEFORE_SEND ->
            new NeedsAttention(
                AttentionReason.REFUSED_BEFORE_SEND,
                hold.detail(),
                rounds,
                first(invoice, collection));
      };
    }
    if (collection.roundOpen()) {
      Instant at =
          collection
              .nextAttemptAt()
              .orElseThrow(
                  () ->
                      new StorageException(
                          "invoice " + invoice.id() + " has a round open and no time to resume"));
      return new Resuming(rounds, first(invoice, collection), at);
    }
    return new Open(rounds, collection.firstAttemptAt(), collection.nextAttemptAt());
  }

  private static Instant first(Invoice invoice, CollectionState collection) {
    if (collection.rounds() < 1 || collection.firstAttemptAt().isEmpty()) {
      throw new StorageException(
          "invoice " + invoice.id() + " is in or after a round, but no round is recorded");
    }
    return collection.firstAttemptAt().get();
  }
}
