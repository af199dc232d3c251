package dev.caravel.billing.examples;

import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.LightningWallet;
import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.LightningWallet.PayOutcome;
import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The demo's payment rails, named as such wherever they speak: a demo Lightning network (the
 * service's wallet and the tenants' wallets, opened from {@code demo+walletconnect://} URIs), a
 * demo card processor, a demo exchange rate and a messenger that prints the DMs. They move no
 * money; they behave like the real rails where it matters to the engine (invoices expire, an empty
 * wallet fails, a card charge honours its idempotency key).
 */
final class DemoRails {
  /** The demo's exchange rate: a cent buys 10,000 msats (bitcoin at $100,000). */
  static final long MSATS_PER_CENT = 10_000;

  static final String URI_PREFIX = "demo+walletconnect://";

  private final Narrator narrator;
  private final Clock clock;
  private final Function<String, String> nameOf;

  final ServiceWallet serviceWallet = new ServiceWallet();
  final Connector connector = new Connector();
  final Card card = new Card();
  final Rates rates = new Rates();
  final Dms messenger = new Dms();

  private final Map<String, TenantWallet> tenantWallets = new LinkedHashMap<>();

  /**
   * @param nameOf a tenant's display name from its pubkey
   */
  DemoRails(Narrator narrator, Clock clock, Function<String, String> nameOf) {
    this.narrator = narrator;
    this.clock = clock;
    this.nameOf = nameOf;
  }

  /** Opens a demo wallet for {@code owner} holding {@code msats}; returns its connection URI. */
  String openWallet(String owner, long msats) {
    tenantWallets.put(owner, new TenantWallet(owner, msats));
    return URI_PREFIX + owner;
  }

  void topUp(String owner, long msats) {
    tenantWallets.get(owner).topUp(msats);
  }

  long balance(String owner) {
    return tenantWallets.get(owner).balance();
  }

  /** The service's own wallet: makes the invoices tenants pay, and says when they settled. */
  final class ServiceWallet implements LightningWallet {
    private final Map<String, LightningInvoice> made = new HashMap<>();
    private final Map<String, Instant> settled = new HashMap<>();
    private int counter;

    @Override
    public synchronized LightningInvoice makeInvoice(
        long msats, String description, Duration expiry) {
      String bolt11 = "lnbcdemo" + (++counter);
      LightningInvoice invoice =
          new LightningInvoice(bolt11, sha256Hex(bolt11), msats, clock.instant().plus(expiry));
      made.put(bolt11, invoice);
      narrator.say(
          "demo wallet (service): new Lightning invoice "
              + bolt11
              + " for "
              + Money.msats(msats)
              + ", expires in "
              + expiry.toMinutes()
              + " min");
      return invoice;
    }

    @Override
    public PayOutcome payInvoice(String bolt11) {
      return new PayOutcome.Failed("RESTRICTED", "the service wallet only receives");
    }

    @Override
    public synchronized boolean isSettled(String bolt11) {
      return settled.containsKey(bolt11);
    }

    /** A payment arriving from a tenant's wallet. */
    synchronized String receive(String bolt11, long balance) {
      LightningInvoice invoice = made.get(bolt11);
      if (invoice == null) {
        throw new InvalidInputException("no such invoice");
      }
      if (settled.containsKey(bolt11)) {
        return "ALREADY_PAID";
      }
      if (!clock.instant().isBefore(invoice.expiresAt())) {
        return "EXPIRED";
      }
      if (balance < invoice.msats()) {
        return "INSUFFICIENT_BALANCE";
      }
      settled.put(bolt11, clock.instant());
      return null;
    }

    synchronized long msats(String bolt11) {
      LightningInvoice invoice = made.get(bolt11);
      return invoice == null ? 0 : invoice.msats();
    }
  }

  /** A tenant's demo wallet: it pays while its balance lasts. */
  final class TenantWallet implements LightningWallet {
    private final String owner;
    private long balance;

    TenantWallet(String owner, long balance) {
      this.owner = owner;
      this.balance = balance;
    }

    @Override
    public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
      throw new UnsupportedOperationException("the demo tenant wallets only pay");
    }

    @Override
    public synchronized PayOutcome payInvoice(String bolt11) {
      long msats = serviceWallet.msats(bolt11);
      String refusal = serviceWallet.receive(bolt11, balance);
      if (refusal != null) {
        String message =
            refusal.equals("INSUFFICIENT_BALANCE")
                ? "demo wallet balance " + Money.msats(balance) + " is below " + Money.msats(msats)
                : "demo wallet: " + refusal.toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        narrator.say("demo wallet (" + owner + "): cannot pay " + bolt11 + ": " + refusal);
        return new PayOutcome.Failed(refusal, message);
      }
      balance -= msats;
      narrator.say(
          "demo wallet ("
              + owner
              + "): paid "
              + bolt11
              + ", "
              + Money.msats(msats)
              + "; balance now "
              + Money.msats(balance));
      return new PayOutcome.Paid(sha256Hex("preimage:" + bolt11));
    }

    @Override
    public boolean isSettled(String bolt11) {
      return serviceWallet.isSettled(bolt11);
    }

    synchronized void topUp(long msats) {
      balance = Math.addExact(balance, msats);
    }

    synchronized long balance() {
      return balance;
    }
  }

  /** Opens tenants' demo wallets from their {@code demo+walletconnect://name} URIs. */
  final class Connector implements WalletConnector {
    @Override
    public LightningWallet connect(String uri) {
      validate(uri);
      TenantWallet wallet = tenantWallets.get(uri.substring(URI_PREFIX.length()));
      if (wallet == null) {
        throw new InvalidInputException("no such demo wallet");
      }
      return wallet;
    }

    @Override
    public void validate(String uri) {
      if (uri == null || !uri.startsWith(URI_PREFIX)) {
        throw new InvalidInputException("a demo wallet URI starts with " + URI_PREFIX);
      }
    }
  }

  /** A demo card processor: every customer has a saved demo Visa; declines are scripted. */
  final class Card implements PaymentGateway {
    private final Map<String, ChargeOutcome> byIdempotencyKey = new HashMap<>();
    private int declinesToCome;
    private int counter;

    /** The next charge is declined, as a bank would for insufficient funds. */
    void declineNext() {
      declinesToCome++;
    }

    @Override
    public Optional<String> savedPaymentMethod(String customerId) {
      return Optional.of("pm_demo_visa_4242");
    }

    @Override
    public synchronized ChargeOutcome charge(ChargeRequest request) {
      ChargeOutcome earlier = byIdempotencyKey.get(request.idempotencyKey());
      if (earlier != null) {
        return earlier; // the same key never charges twice, as with Stripe
      }
      ChargeOutcome outcome;
      String who = "demo card (" + request.customerId() + ", visa ending 4242)";
      if (declinesToCome > 0) {
        declinesToCome--;
        outcome =
            new ChargeOutcome.Declined(
                "insufficient_funds", "Your card has insufficient funds. (demo decline)");
        narrator.say(
            who
                + ": charge of "
                + Money.format(request.amount(), request.currency())
                + " for "
                + request.invoiceId()
                + " DECLINED (insufficient_funds)");
      } else {
        outcome = new ChargeOutcome.Paid("pi_demo_" + (++counter));
        narrator.say(
            who
                + ": charged "
                + Money.format(request.amount(), request.currency())
                + " for "
                + request.invoiceId()
                + ", pi_demo_"
                + counter);
      }
      byIdempotencyKey.put(request.idempotencyKey(), outcome);
      return outcome;
    }
  }

  /** The demo's exchange rate, fixed. */
  static final class Rates implements ExchangeRates {
    @Override
    public long toMsats(long minorUnits, String currency) {
      if (!currency.equals("usd")) {
        throw new dev.caravel.billing.RailException(
            dev.caravel.billing.RailException.Rail.NWC,
            dev.caravel.billing.RailException.EXCHANGE_RATE,
            "the demo rate knows only usd");
      }
      return Math.multiplyExact(minorUnits, MSATS_PER_CENT);
    }
  }

  /** Prints each direct message instead of sending it over Nostr. */
  final class Dms implements Messenger {
    private int sent;

    @Override
    public void send(String recipientPubkey, String text) {
      sent++;
      narrator.say("demo DM to " + nameOf.apply(recipientPubkey) + " (printed, not sent):");
      for (String line : text.split("\n", -1)) {
        narrator.more("  | " + line);
      }
    }

    int sent() {
      return sent;
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
