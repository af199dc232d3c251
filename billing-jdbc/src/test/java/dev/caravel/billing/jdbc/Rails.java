package dev.caravel.billing.jdbc;

import dev.caravel.billing.BillingListener;
import dev.caravel.billing.ChargeOutcome;
import dev.caravel.billing.ChargeRequest;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.PaymentGateway;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A card rail and a messenger that remember everything sent through them, shared by all engine
 * instances so the audit can count: money taken per invoice, DMs per invoice. Customers whose
 * id starts with {@code ok} pay; others are declined. Idempotency keys are honoured like Stripe.
 */
final class Rails implements PaymentGateway, Messenger, BillingListener {
  private final Map<String, ChargeOutcome> byKey = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> moneyTaken = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> directMessages = new ConcurrentHashMap<>();

  static String customerFor(int tenantIndex) {
    return switch (tenantIndex % 10) {
      case 0 -> null; // no card: every round ends in a DM
      case 1 -> "no_" + tenantIndex; // declined
      default -> "ok_" + tenantIndex;
    };
  }

  @Override
  public Optional<String> savedPaymentMethod(String customerId) {
    return Optional.of("pm_" + customerId);
  }

  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    return byKey.computeIfAbsent(request.idempotencyKey(), key -> {
      if (request.customerId().startsWith("ok")) {
        moneyTaken.computeIfAbsent(request.invoiceId(), id -> new AtomicInteger()).incrementAndGet();
        return new ChargeOutcome.Paid("pi_" + key);
      }
      return new ChargeOutcome.Declined("card_declined", "Your card was declined.");
    });
  }

  @Override
  public void send(String recipientPubkey, String text) {
    // counted in directMessageSent, which names the invoice
  }

  @Override
  public void directMessageSent(Invoice invoice, String text) {
    directMessages.computeIfAbsent(invoice.id(), id -> new AtomicInteger()).incrementAndGet();
  }
}
