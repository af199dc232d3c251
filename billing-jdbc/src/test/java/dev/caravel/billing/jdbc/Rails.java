package dev.caravel.billing.jdbc;

import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingListener;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.PaymentGateway.ChargeLookup;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.PaymentGateway.ChargeState;
import dev.caravel.billing.PaymentMethod;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A card rail and a messenger that remember everything sent through them, shared by all engine
 * instances so the audit can count: money taken per invoice, DMs per invoice, when each round was
 * first sent. Idempotency keys are honoured like Stripe: a key's first request decides, and later
 * ones with that key get the same answer. What a tenant's card does depends on its customer id, so
 * one engine alone and eight at once see the same outcomes:
 *
 * <ul>
 *   <li>{@code ok_}: paid;
 *   <li>{@code no_}: declined;
 *   <li>{@code slow_}: {@code processing}, then a {@code payment_intent.succeeded} webhook that
 *       reaches two instances;
 *   <li>{@code unk_}: charged, but the answer is lost (Unknown) the first time a key is sent;
 *   <li>{@code lost_}: the request times out before reaching the gateway (Unknown, nothing taken)
 *       the first time a key is sent.
 * </ul>
 */
final class Rails implements PaymentGateway, Messenger, BillingListener {
  private final Clock clock;
  private final Map<String, ChargeOutcome> byKey = new ConcurrentHashMap<>();
  private final Set<String> answeredOnce = ConcurrentHashMap.newKeySet();
  final Map<String, AtomicInteger> moneyTaken = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> directMessages = new ConcurrentHashMap<>();

  /** invoice id → when each of its DMs was sent, in order. */
  final Map<String, List<Instant>> directMessageTimes = new ConcurrentHashMap<>();

  /** idempotency key → when a request with it was first seen. */
  final Map<String, Instant> firstSent = new ConcurrentHashMap<>();

  /** Processing charges whose success webhook is still to be delivered: invoice id → intent. */
  private final Map<String, String> webhooksDue = new ConcurrentHashMap<>();

  Rails(Clock clock) {
    this.clock = clock;
  }

  static String customerFor(int tenantIndex) {
    return switch (tenantIndex % 10) {
      case 0 -> null; // no card: every round ends in a DM
      case 1 -> "no_" + tenantIndex;
      case 2 -> "slow_" + tenantIndex;
      case 3 -> "unk_" + tenantIndex;
      case 4 -> "lost_" + tenantIndex;
      case 6 -> "bad_" + tenantIndex;
      default -> "ok_" + tenantIndex;
    };
  }

  static boolean pays(String customer) {
    return customer != null && !customer.startsWith("no_");
  }

  @Override
  public Optional<String> savedPaymentMethod(String customerId) {
    return Optional.of("pm_" + customerId);
  }

  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    String key = request.idempotencyKey();
    firstSent.putIfAbsent(key, clock.instant());
    String customer = request.customerId();
    if (customer.startsWith("lost_") && answeredOnce.add(key)) {
      return new ChargeOutcome.Unknown("connect timed out");
    }
    // Our fault, for the invoice's first round (its key, however often it is sent: a round a
    // storage fault cut short is resumed with the same key and must meet the same answer): the
    // round ends needing attention, and once the operator fixed the setup and reopened it, the
    // next round (a new key) goes through.
    if (customer.startsWith("bad_") && key.endsWith("-round-1")) {
      return new ChargeOutcome.Failed(
          "INVALID_REQUEST", "No such parameter: automatic_payment_methods");
    }
    ChargeOutcome outcome =
        byKey.computeIfAbsent(
            key,
            k -> {
              if (customer.startsWith("no_")) {
                return new ChargeOutcome.Declined("card_declined", "Your card was declined.");
              }
              moneyTaken
                  .computeIfAbsent(request.invoiceId(), id -> new AtomicInteger())
                  .incrementAndGet();
              if (customer.startsWith("slow_")) {
                webhooksDue.put(request.invoiceId(), "pi_" + k);
                return new ChargeOutcome.Pending("pi_" + k);
              }
              return new ChargeOutcome.Paid("pi_" + k);
            });
    if (customer.startsWith("unk_") && answeredOnce.add(key)) {
      return new ChargeOutcome.Unknown("read timed out");
    }
    return outcome;
  }

  /** The round's charge as the gateway has it: what its key answered, or definitely none. */
  @Override
  public ChargeLookup findCharge(
      String customerId, String invoiceId, int round, Optional<String> reference) {
    ChargeOutcome outcome = byKey.get("caravel-" + invoiceId + "-round-" + round);
    if (outcome == null) {
      return new ChargeLookup.Absent();
    }
    String ref = "pi_caravel-" + invoiceId + "-round-" + round;
    if (outcome instanceof ChargeOutcome.Paid) {
      return new ChargeLookup.Found(ref, ChargeState.SUCCEEDED, 0, "usd", outcome);
    }
    if (outcome instanceof ChargeOutcome.Pending) {
      return webhooksDue.containsKey(invoiceId)
          ? new ChargeLookup.Found(ref, ChargeState.PROCESSING, 0, "usd", outcome)
          : new ChargeLookup.Found(
              ref, ChargeState.SUCCEEDED, 0, "usd", new ChargeOutcome.Paid(ref));
    }
    ChargeOutcome seen = outcome;
    ChargeState state = ChargeState.FAILED;
    return new ChargeLookup.Found(ref, state, 0, "usd", seen);
  }

  /**
   * Delivers every due success webhook, as Stripe does, to more than one instance: each chosen
   * engine settles the same intent, and one payment must result.
   */
  void deliverWebhooks(List<Billing> engines, Random random) {
    for (Map.Entry<String, String> due : new ArrayList<>(webhooksDue.entrySet())) {
      for (int copy = 0; copy < Math.min(2, engines.size()); copy++) {
        engines
            .get(random.nextInt(engines.size()))
            .settle(due.getKey(), PaymentMethod.STRIPE, due.getValue());
      }
      webhooksDue.remove(due.getKey());
    }
  }

  @Override
  public void send(String recipientPubkey, String text) {
    // counted in directMessageSent, which names the invoice
  }

  @Override
  public void directMessageSent(Invoice invoice, String text) {
    directMessages.computeIfAbsent(invoice.id(), id -> new AtomicInteger()).incrementAndGet();
    directMessageTimes
        .computeIfAbsent(invoice.id(), id -> new CopyOnWriteArrayList<>())
        .add(clock.instant());
  }
}
