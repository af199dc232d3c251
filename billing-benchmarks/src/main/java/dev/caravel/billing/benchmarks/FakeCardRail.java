package dev.caravel.billing.benchmarks;

import dev.caravel.billing.PaymentGateway;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A card rail that answers after a fixed latency (a real gateway's round trip), keeps Stripe's
 * idempotency promise (a key's first request decides) and remembers which invoices it has charged,
 * so that a double charge, one invoice charged under two keys, is counted. Shared by every
 * instance.
 *
 * <p>It lives in the benchmark's JVM, whose heap large-day measures, so what it remembers is kept
 * small: a key's answer follows from the key alone ({@code pi_<key>}), so the rail keeps only which
 * keys and which invoices it has seen, as 64-bit hashes in {@link LongSet}s, 16 bytes or so per
 * invoice where strings in maps took about 350 (a third of a gigabyte for a million invoices, which
 * the engine's 512 MiB would have been charged for). Two distinct ids share a hash with odds of
 * about n²/2⁶⁵, under 10⁻⁷ for a million: a shared invoice hash would show as a double charge,
 * never hide one.
 */
final class FakeCardRail implements PaymentGateway {
  private final long latencyMillis;
  private final LongSet keys = new LongSet();
  private final LongSet invoices = new LongSet();
  private long doubleCharges;

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
    String key = request.idempotencyKey();
    synchronized (this) {
      // a key seen before is answered as it was, taking nothing more
      if (keys.add(LongSet.hash(key)) && !invoices.add(LongSet.hash(request.invoiceId()))) {
        doubleCharges++;
      }
    }
    return new ChargeOutcome.Paid("pi_" + key);
  }

  /** Invoices charged. */
  synchronized int invoicesCharged() {
    return invoices.size();
  }

  /** Charges taken for an invoice already charged under another key. */
  synchronized long doubleCharges() {
    return doubleCharges;
  }
}
