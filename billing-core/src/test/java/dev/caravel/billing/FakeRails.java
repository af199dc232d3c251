package dev.caravel.billing;

import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.LightningWallet.PayOutcome;
import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.PaymentGateway.CancelOutcome;
import dev.caravel.billing.PaymentGateway.ChargeLookup;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.PaymentGateway.ChargeState;
import dev.caravel.billing.PaymentGateway.RefundOutcome;
import dev.caravel.billing.RailException.Rail;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-process rails for engine tests: a service wallet, tenant wallets, a card gateway, a messenger.
 */
final class FakeRails {
  private FakeRails() {}

  /** The service's wallet: makes invoices, knows which settled. */
  static final class ServiceWallet implements LightningWallet {
    final Set<String> settled = Collections.synchronizedSet(new HashSet<>());
    final List<String> made = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger counter = new AtomicInteger();

    /** How many times {@link #isSettled} was asked. */
    final AtomicInteger lookups = new AtomicInteger();

    volatile boolean failLookups;

    /** Like many real wallets: invoices in whole sats (rounded up) and caps the expiry. */
    volatile boolean wholeSats;

    volatile Duration expiryCap;
    private final java.time.Clock clock;

    ServiceWallet() {
      this(java.time.Clock.systemUTC());
    }

    ServiceWallet(java.time.Clock clock) {
      this.clock = clock;
    }

    @Override
    public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
      long invoiced = wholeSats ? (msats + 999) / 1000 * 1000 : msats;
      Duration lives = expiryCap != null && expiryCap.compareTo(expiry) < 0 ? expiryCap : expiry;
      String bolt11 = "lnbc" + invoiced + "n1fake" + counter.incrementAndGet();
      made.add(bolt11);
      return new LightningInvoice(bolt11, "hash-" + bolt11, invoiced, clock.instant().plus(lives));
    }

    @Override
    public PayOutcome payInvoice(String bolt11) {
      throw new UnsupportedOperationException("the service wallet does not pay in these tests");
    }

    @Override
    public boolean isSettled(String bolt11) {
      lookups.incrementAndGet();
      if (failLookups) {
        throw new RailException(Rail.NWC, "INTERNAL", "lookup failed");
      }
      return settled.contains(bolt11);
    }
  }

  /** What a tenant's wallet does when asked to pay. */
  enum TenantWalletBehaviour {
    PAYS,
    FAILS,
    /** Refuses as a wallet whose budget for this connection is spent (NIP-47 QUOTA_EXCEEDED). */
    BUDGET_SPENT,
    FAILS_BUT_PAID,
    SILENT,
    SILENT_BUT_PAID
  }

  /** Opens tenant wallets; each pays into {@code service} according to its URI's behaviour. */
  static final class Connector implements WalletConnector {
    final ServiceWallet service;
    final Map<String, TenantWalletBehaviour> behaviours = new HashMap<>();
    final List<String> payAttempts = Collections.synchronizedList(new ArrayList<>());

    Connector(ServiceWallet service) {
      this.service = service;
    }

    String uri(String name, TenantWalletBehaviour behaviour) {
      String uri = "nostr+walletconnect://" + name + "?secret=s3cr3t";
      behaviours.put(uri, behaviour);
      return uri;
    }

    @Override
    public LightningWallet connect(String uri) {
      TenantWalletBehaviour behaviour = behaviours.get(uri);
      if (behaviour == null) {
        throw new InvalidInputException("malformed NWC URI");
      }
      return new LightningWallet() {
        @Override
        public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
          throw new UnsupportedOperationException();
        }

        @Override
        public PayOutcome payInvoice(String bolt11) {
          payAttempts.add(bolt11);
          switch (behaviour) {
            case PAYS:
              service.settled.add(bolt11);
              return new PayOutcome.Paid("preimage");
            case FAILS:
              return new PayOutcome.Failed(
                  "INSUFFICIENT_BALANCE", "insufficient balance:\n  need 12,000 sats");
            case BUDGET_SPENT:
              return new PayOutcome.Failed(
                  "QUOTA_EXCEEDED", "budget of 20000 sats per month exceeded (relay wss://x)");
            case FAILS_BUT_PAID:
              service.settled.add(bolt11);
              return new PayOutcome.Failed("INTERNAL", "connection reset");
            case SILENT_BUT_PAID:
              service.settled.add(bolt11);
              return new PayOutcome.Unknown("timed out after 30s");
            default:
              return new PayOutcome.Unknown("timed out after 30s");
          }
        }

        @Override
        public boolean isSettled(String bolt11) {
          throw new UnsupportedOperationException();
        }
      };
    }

    @Override
    public void validate(String uri) {
      if (!behaviours.containsKey(uri)) {
        throw new InvalidInputException("malformed NWC URI");
      }
    }
  }

  /** 1 cent = 1,000 msats, so amounts are easy to read. */
  static final ExchangeRates RATES = (minor, currency) -> minor * 1000;

  /** A card gateway that keeps Stripe's idempotency promise and counts real charges. */
  static class Gateway implements PaymentGateway {
    final Map<String, String> savedMethods = new HashMap<>();
    final Deque<ChargeOutcome> script = new ArrayDeque<>();
    final Map<String, ChargeOutcome> byKey = new HashMap<>();
    final List<ChargeRequest> requests = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger charges = new AtomicInteger();

    /** Outcome the client sees for a key the first time, though the charge went through. */
    ChargeOutcome lieOnce;

    /**
     * Answer Unknown once without the request reaching the gateway (it is then Absent on lookup).
     */
    boolean dropOnce;

    /** Whether findCharge answers; off by default, like a gateway that cannot look. */
    volatile boolean canLook;

    final List<String> lookups = Collections.synchronizedList(new ArrayList<>());
    final List<String> cancels = Collections.synchronizedList(new ArrayList<>());
    final List<PlanCatalogue> checked = Collections.synchronizedList(new ArrayList<>());

    /** S25: what {@link #minimumCharge} answers, in every currency; none by default. */
    volatile java.util.OptionalLong minimum = java.util.OptionalLong.empty();

    @Override
    public java.util.OptionalLong minimumCharge(String currency) {
      return minimum;
    }

    @Override
    public Optional<String> savedPaymentMethod(String customerId) {
      return Optional.ofNullable(savedMethods.get(customerId));
    }

    @Override
    public synchronized ChargeOutcome charge(ChargeRequest request) {
      requests.add(request);
      if (dropOnce) {
        dropOnce = false;
        return new ChargeOutcome.Unknown("connection reset before the request was sent");
      }
      ChargeOutcome replay = byKey.get(request.idempotencyKey());
      if (replay != null) {
        return replay;
      }
      ChargeOutcome outcome =
          script.isEmpty() ? new ChargeOutcome.Paid("pi_" + (charges.get() + 1)) : script.poll();
      if (outcome instanceof ChargeOutcome.Paid) {
        charges.incrementAndGet();
      }
      if (outcome instanceof ChargeOutcome.Failed) {
        return outcome; // refused before it ran: nothing saved under the key, as Stripe does
      }
      byKey.put(request.idempotencyKey(), outcome);
      if (lieOnce != null) {
        ChargeOutcome lie = lieOnce;
        lieOnce = null;
        return lie;
      }
      return outcome;
    }

    @Override
    public synchronized ChargeLookup findCharge(
        String customerId, String invoiceId, int round, Optional<String> reference) {
      String key = CardRail.idempotencyKey(invoiceId, round);
      lookups.add(key);
      if (!canLook) {
        return new ChargeLookup.Unavailable("the gateway is unreachable");
      }
      ChargeOutcome outcome = byKey.get(key);
      if (outcome == null || outcome instanceof ChargeOutcome.Unknown) {
        return outcome == null
            ? new ChargeLookup.Absent()
            : new ChargeLookup.Unavailable("HTTP 500");
      }
      return new ChargeLookup.Found(referenceOf(outcome, key), stateOf(outcome), 0, "usd", outcome);
    }

    @Override
    public synchronized CancelOutcome cancelCharge(String reference) {
      cancels.add(reference);
      for (Map.Entry<String, ChargeOutcome> e : byKey.entrySet()) {
        if (e.getValue() instanceof ChargeOutcome.NeedsCustomer n
            && n.reference().equals(reference)) {
          e.setValue(new ChargeOutcome.Declined("canceled", "The payment was canceled."));
          return new CancelOutcome.Canceled(reference, false);
        }
      }
      return new CancelOutcome.Unavailable("no such open charge " + reference);
    }

    @Override
    public void checkCurrency(PlanCatalogue catalogue) {
      checked.add(catalogue);
      if (catalogue.currency().equalsIgnoreCase("xau")) {
        throw new InvalidInputException("cannot charge in xau");
      }
    }

    /** The rail's answer for a key changes later (a webhook's event): processing, then failed. */
    synchronized void becomes(String key, ChargeOutcome outcome) {
      byKey.put(key, outcome);
    }

    private static String referenceOf(ChargeOutcome outcome, String key) {
      if (outcome instanceof ChargeOutcome.Paid p) {
        return p.reference();
      }
      if (outcome instanceof ChargeOutcome.Pending p) {
        return p.reference();
      }
      if (outcome instanceof ChargeOutcome.NeedsCustomer n) {
        return n.reference();
      }
      return "pi_" + key;
    }

    private static ChargeState stateOf(ChargeOutcome outcome) {
      if (outcome instanceof ChargeOutcome.Paid) {
        return ChargeState.SUCCEEDED;
      }
      if (outcome instanceof ChargeOutcome.Pending) {
        return ChargeState.PROCESSING;
      }
      if (outcome instanceof ChargeOutcome.NeedsCustomer) {
        return ChargeState.REQUIRES_ACTION;
      }
      return outcome instanceof ChargeOutcome.Declined d && d.code().equals("canceled")
          ? ChargeState.CANCELED
          : ChargeState.FAILED;
    }
  }

  /** The fake gateway, refunding too: idempotent on the key, and able to time out once. */
  static class GatewayWithRefunds extends Gateway {
    final Map<String, RefundOutcome> refunds = new HashMap<>();
    long refunded;
    boolean refundTimesOutOnce;

    /** When set, every refund not made yet is refused with this message, and nothing moves. */
    String refuseRefunds;

    int refundCalls;

    @Override
    public synchronized RefundOutcome refund(
        String reference, long amount, String currency, String idempotencyKey) {
      refundCalls++;
      if (refuseRefunds != null && !refunds.containsKey(idempotencyKey)) {
        if (refundTimesOutOnce) {
          refundTimesOutOnce = false;
          return new RefundOutcome.Unknown("read timed out");
        }
        return new RefundOutcome.Refused(refuseRefunds);
      }
      RefundOutcome done = refunds.get(idempotencyKey);
      if (done == null) {
        done = new RefundOutcome.Refunded("re_" + (refunds.size() + 1), amount, "succeeded");
        refunds.put(idempotencyKey, done);
        refunded += amount;
      }
      if (refundTimesOutOnce) {
        refundTimesOutOnce = false;
        return new RefundOutcome.Unknown("read timed out");
      }
      return done;
    }
  }

  static final class Messages implements Messenger {
    record Sent(String to, String text) {}

    final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
    volatile boolean fail;

    @Override
    public void send(String recipientPubkey, String text) {
      if (fail) {
        throw new RailException(
            Rail.DM, RailException.UNDELIVERED, "no relay accepted the message");
      }
      sent.add(new Sent(recipientPubkey, text));
    }
  }
}
