package dev.caravel.billing.benchmarks;

import dev.caravel.billing.PaymentGateway;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A card rail that answers after a fixed latency (a real gateway's round trip), keeps Stripe's
 * idempotency promise (a key's first request decides) and counts the money it takes per invoice, so
 * that a double charge, one invoice charged under two keys, shows. Shared by every instance.
 */
final class FakeCardRail implements PaymentGateway {
  private final long latencyMillis;
  private final Map<String, ChargeOutcome> byKey = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> taken = new ConcurrentHashMap<>();

  FakeCardRail(long latencyMillis) {
    this.latencyMillis = latencyMillis;
  }

  @Override
  public Optional<String> savedPaymentMethod(String customerId) {
    return Optional.of("pm_" + customerId);
  }

  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    if (latencyMillis > 0) {
      try {
        TimeUnit.MILLISECONDS.sleep(latencyMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new ChargeOutcome.Unknown("interrupted");
      }
    }
    return byKey.computeIfAbsent(
        request.idempotencyKey(),
        key -> {
          taken.computeIfAbsent(request.invoiceId(), id -> new AtomicInteger()).incrementAndGet();
          return new ChargeOutcome.Paid("pi_" + key);
        });
  }

  /** Invoices charged. */
  int invoicesCharged() {
    return taken.size();
  }

  /** Invoices charged more than once. */
  long doubleCharges() {
    return taken.values().stream().filter(n -> n.get() > 1).count();
  }
}
