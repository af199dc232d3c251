package dev.caravel.billing.examples.host;

import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.LightningWallet;
import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.RailException;
import dev.caravel.billing.RailException.Rail;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's demo rails, named as such wherever they speak. They move no money. The starter picks
 * them up as beans in place of the real ones (see {@link DemoRailsConfiguration}).
 */
final class DemoRails {
  private static final Logger LOG = LoggerFactory.getLogger(DemoRails.class);

  /** The demo's exchange rate: a cent buys 10,000 msats (bitcoin at $100,000). */
  static final long MSATS_PER_CENT = 10_000;

  private static final String BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

  private DemoRails() {}

  /**
   * The service's demo wallet: makes BOLT11-looking requests ({@code lnbc<amount>n1p...}, bech32
   * characters, but no valid signature: no real wallet can pay them). It receives nothing, so a
   * request never settles.
   */
  static final class ServiceWallet implements LightningWallet {
    private final Clock clock;
    private final AtomicInteger counter = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();

    ServiceWallet(Clock clock) {
      this.clock = clock;
    }

    @Override
    public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
      calls.incrementAndGet();
      int n = counter.incrementAndGet();
      String hash = sha256Hex("demo-bolt11:" + n + ":" + msats);
      // amount in nano-bitcoin: 1 n = 100 msats
      StringBuilder bolt11 = new StringBuilder("lnbc").append(msats / 100).append("n1pdemo");
      for (int i = 0; i < 48; i++) {
        bolt11.append(BECH32.charAt(Character.digit(hash.charAt(i), 16) * 2 % 32));
      }
      LightningInvoice invoice =
          new LightningInvoice(
              bolt11.toString(),
              hash,
              msats,
              clock.instant().truncatedTo(ChronoUnit.SECONDS).plus(expiry));
      LOG.info("demo service wallet: new Lightning request {} for {} msats", bolt11, msats);
      return invoice;
    }

    @Override
    public PayOutcome payInvoice(String bolt11) {
      return new PayOutcome.Failed("RESTRICTED", "the demo service wallet only receives");
    }

    @Override
    public boolean isSettled(String bolt11) {
      calls.incrementAndGet();
      return false;
    }

    /** How often the wallet was asked anything: what a real wallet's rate limit counts. */
    int calls() {
      return calls.get();
    }
  }

  /**
   * Tenants' wallets: the demo tenant has none (it pays by card), so there is nothing to connect
   * to. The engine takes a connector with the service wallet, so Lightning is one rail.
   */
  static final class Connector implements WalletConnector {
    static final String PREFIX = "demo+walletconnect://";

    @Override
    public LightningWallet connect(String uri) {
      validate(uri);
      throw new InvalidInputException("the demo host opens no tenant wallets");
    }

    @Override
    public void validate(String uri) {
      if (uri == null || !uri.startsWith(PREFIX)) {
        throw new InvalidInputException("a demo wallet URI starts with " + PREFIX);
      }
    }
  }

  /**
   * A demo card processor: every customer has a saved demo Visa, and every charge succeeds. A
   * charge honours its idempotency key, as Stripe does.
   */
  static final class Card implements PaymentGateway {
    private final Map<String, ChargeOutcome> byIdempotencyKey = new HashMap<>();
    private int counter;

    @Override
    public Optional<String> savedPaymentMethod(String customerId) {
      return Optional.of("pm_demo_visa_4242");
    }

    @Override
    public synchronized ChargeOutcome charge(ChargeRequest request) {
      ChargeOutcome earlier = byIdempotencyKey.get(request.idempotencyKey());
      if (earlier != null) {
        return earlier;
      }
      ChargeOutcome outcome = new ChargeOutcome.Paid("pi_demo_" + (++counter));
      LOG.info(
          "demo card ({}, visa ending 4242): charged {} {} for {}, pi_demo_{}",
          request.customerId(),
          request.amount(),
          request.currency(),
          request.invoiceId(),
          counter);
      byIdempotencyKey.put(request.idempotencyKey(), outcome);
      return outcome;
    }

    synchronized int charges() {
      return counter;
    }
  }

  /** The demo's exchange rate, fixed. */
  static final class Rates implements ExchangeRates {
    @Override
    public long toMsats(long minorUnits, String currency) {
      if (!currency.equals("usd")) {
        throw new RailException(
            Rail.NWC, RailException.EXCHANGE_RATE, "the demo rate knows only usd");
      }
      return Math.multiplyExact(minorUnits, MSATS_PER_CENT);
    }
  }

  /** Logs each direct message instead of sending it over Nostr. */
  static final class Dms implements Messenger {
    @Override
    public void send(String recipientPubkey, String text) {
      LOG.info("demo DM to {} (logged, not sent):\n{}", recipientPubkey, text);
    }
  }

  static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
