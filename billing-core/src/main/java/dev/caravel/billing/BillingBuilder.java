package dev.caravel.billing;

import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.spi.Repository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.LongFunction;

/**
 * Builds a {@link Billing}. The repository, the catalogue and the app URL are required, and a link
 * secret once a messenger is. Each setter checks its argument when called ({@link
 * NullPointerException} for a null, {@link IllegalArgumentException} for a value out of range);
 * {@link #build} checks how the settings fit together ({@link IllegalStateException}). These are
 * programming mistakes, so they are the JDK's exceptions, not the library's.
 *
 * <pre>{@code
 * Billing billing = Billing.builder()
 *     .repository(new InMemoryRepository())
 *     .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
 *     .messenger((pubkey, text) -> System.out.println(text))
 *     .appUrl("https://relays.example")
 *     .linkSecret(System.getenv("BILLING_LINK_SECRET")) // openssl rand -base64 32
 *     .build();
 * billing.record(Activity.create("evt-1", tenant, "relay-1", "basic", Instant.parse("2025-01-31T10:00:00Z")));
 * billing.generateInvoice(tenant).ifPresent(invoice -> billing.collect(invoice.id()));
 * }</pre>
 */
public final class BillingBuilder {

  private Repository repository;
  private PlanCatalogue catalogue;
  private Clock clock = Clock.systemUTC();
  private PaymentGateway paymentGateway;
  private LightningWallet serviceWallet;
  private WalletConnector walletConnector;
  private Messenger messenger;
  private ExchangeRates exchangeRates;
  private SecretCipher cipher;
  private String appUrl;
  private List<Duration> retrySchedule =
      List.of(Duration.ofDays(1), Duration.ofDays(3), Duration.ofDays(7));
  private Duration unknownRetryDelay = Duration.ofMinutes(10);
  private Duration faultRetryDelay = Duration.ofHours(1);
  private Duration leaseTtl = Duration.ofMinutes(5);
  private Duration pollInterval = Duration.ofHours(1);
  private int pageSize = 500;
  private boolean grandfather;
  private String instanceId = UUID.randomUUID().toString();
  private LongFunction<String> invoiceNumbers = BillingBuilder::defaultInvoiceNumber;
  private int pastDueAfterFailedRounds = 1;
  private Duration suspendAfter = Duration.ofDays(14);
  private Payment.Refund.Via nonCardRefunds = Payment.Refund.Via.BY_HAND;
  private BillingListener listener = BillingListener.NONE;
  private int collectionConcurrency = 16;
  private final Map<Rail, Integer> laneCaps = new EnumMap<>(Rail.class);
  private final Map<Rail, Integer> rateLimits = new EnumMap<>(Rail.class);
  private RateLimiter.Pacer pacer = RateLimiter.Pacer.SYSTEM;

  BillingBuilder() {}

  /** Where the ledger is kept. Required. @throws NullPointerException if null */
  public BillingBuilder repository(Repository repository) {
    this.repository = Objects.requireNonNull(repository, "repository");
    return this;
  }

  /** The plans and their currency. Required. @throws NullPointerException if null */
  public BillingBuilder catalogue(PlanCatalogue catalogue) {
    this.catalogue = Objects.requireNonNull(catalogue, "catalogue");
    return this;
  }

  /**
   * Every "now" comes from this clock, truncated to whole seconds. Default: the system UTC clock.
   */
  public BillingBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** The saved-card rail (Stripe). Optional. @throws NullPointerException if null */
  public BillingBuilder paymentGateway(PaymentGateway gateway) {
    this.paymentGateway = Objects.requireNonNull(gateway, "paymentGateway");
    return this;
  }

  /**
   * The service's own wallet: it makes the invoices tenants pay and says when they settle.
   * Lightning needs it with {@link #walletConnector}, {@link #exchangeRates} and {@link #cipher}.
   */
  public BillingBuilder serviceWallet(LightningWallet wallet) {
    this.serviceWallet = Objects.requireNonNull(wallet, "serviceWallet");
    return this;
  }

  /** Opens tenants' wallets from their NWC URIs. @throws NullPointerException if null */
  public BillingBuilder walletConnector(WalletConnector connector) {
    this.walletConnector = Objects.requireNonNull(connector, "walletConnector");
    return this;
  }

  /** Sends the DM asking a tenant to pay by hand. Optional. @throws NullPointerException if null */
  public BillingBuilder messenger(Messenger messenger) {
    this.messenger = Objects.requireNonNull(messenger, "messenger");
    return this;
  }

  /** Fiat to msats for Lightning invoices. @throws NullPointerException if null */
  public BillingBuilder exchangeRates(ExchangeRates rates) {
    this.exchangeRates = Objects.requireNonNull(rates, "exchangeRates");
    return this;
  }

  /**
   * Seals tenants' NWC URIs at rest, each bound to its tenant; required to store one. To rotate
   * keys, give a ring ({@link SecretCipher#keyring()}). @throws NullPointerException if null
   */
  public BillingBuilder cipher(SecretCipher cipher) {
    this.cipher = Objects.requireNonNull(cipher, "cipher");
    return this;
  }

  /**
   * The host's base URL; the DM links to {@code {appUrl}/account?invoice={id}&token={token}}
   * ({@link #linkSecret}). Required.
   *
   * @throws IllegalArgumentException if blank or not an absolute http(s) URL
   */
  public BillingBuilder appUrl(String appUrl) {
    Objects.requireNonNull(appUrl, "appUrl");
    String trimmed = appUrl.strip();
    if (!(trimmed.startsWith("https://") || trimmed.startsWith("http://"))
        || trimmed.endsWith("://")) {
      throw new IllegalArgumentException(
          "appUrl must be an absolute http(s) URL, got \"" + appUrl + "\"");
    }
    this.appUrl = trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    return this;
  }

  /**
   * Delays after the first attempt at which unpaid invoices are tried again (S11). Default 1, 3, 7
   * days; empty: a single round.
   *
   * @throws NullPointerException if the list or a delay is null
   * @throws IllegalArgumentException if a delay is not positive or the delays do not increase
   */
  public BillingBuilder retrySchedule(List<Duration> delays) {
    List<Duration> copy = List.copyOf(delays);
    for (int i = 0; i < copy.size(); i++) {
      positive(copy.get(i), "retry delay");
      if (i > 0 && copy.get(i).compareTo(copy.get(i - 1)) <= 0) {
        throw new IllegalArgumentException("retry delays must increase, got " + copy);
      }
    }
    this.retrySchedule = copy;
    return this;
  }

  /**
   * How soon a round whose outcome was unknown is resumed. Default 10 minutes. @throws
   * IllegalArgumentException if not positive
   */
  public BillingBuilder unknownRetryDelay(Duration delay) {
    this.unknownRetryDelay = positive(delay, "unknownRetryDelay");
    return this;
  }

  /**
   * No longer used (issue 21): a card charge refused as our fault now ends the round needing
   * attention. Still checked, so that a builder that sets it keeps building. @throws
   * IllegalArgumentException if not positive @deprecated our fault ends the round needing attention
   */
  @Deprecated(since = "0.1.0")
  public BillingBuilder faultRetryDelay(Duration delay) {
    this.faultRetryDelay = positive(delay, "faultRetryDelay");
    return this;
  }

  /**
   * How long a payment round may hold an invoice before another instance may take over. Default 5
   * minutes; it must outlast the slowest rail call.
   *
   * @throws IllegalArgumentException if not positive
   */
  public BillingBuilder leaseTtl(Duration ttl) {
    this.leaseTtl = positive(ttl, "leaseTtl");
    return this;
  }

  /**
   * How often {@link Billing#start started} polling runs a cycle. Default 1 hour. @throws
   * IllegalArgumentException if not positive
   */
  public BillingBuilder pollInterval(Duration interval) {
    this.pollInterval = positive(interval, "pollInterval");
    return this;
  }

  /**
   * Tenants (and due invoices) handled per batch. Default 500. @throws IllegalArgumentException if
   * below 1
   */
  public BillingBuilder pageSize(int pageSize) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("pageSize must be at least 1, got " + pageSize);
    }
    this.pageSize = pageSize;
    return this;
  }

  /**
   * Whether {@link Billing#changePrice(String, long, Instant)} grandfathers the relays already on
   * the plan (they keep the price they had until their plan changes). Default false: a price change
   * applies to every relay on the plan from its effective instant. The choice is stored with each
   * change, so instances set differently still agree on the ledger.
   */
  public BillingBuilder grandfatherByDefault(boolean grandfather) {
    this.grandfather = grandfather;
    return this;
  }

  /**
   * Names this instance in payment leases (default: random).
   *
   * @throws IllegalArgumentException if blank
   */
  public BillingBuilder instanceId(String instanceId) {
    Objects.requireNonNull(instanceId, "instanceId");
    if (instanceId.isBlank()) {
      throw new IllegalArgumentException("instanceId must not be blank");
    }
    this.instanceId = instanceId;
    return this;
  }

  /**
   * How an invoice number becomes the invoice's id (default {@code INV-000123}: {@code INV-} and at
   * least six digits). The numbers are drawn by the repository in the claim's transaction: 1, 2, 3,
   * ... with no gap and no repeat across every instance. All instances must use the same format;
   * invoices made before numbering (0.2 and earlier) keep their ids.
   */
  public BillingBuilder invoiceNumbers(LongFunction<String> format) {
    this.invoiceNumbers = Objects.requireNonNull(format, "invoiceNumbers");
    return this;
  }

  static String defaultInvoiceNumber(long number) {
    return String.format(java.util.Locale.ROOT, "INV-%06d", number);
  }

  /**
   * How many failed payment rounds of an open invoice make its tenant {@link Standing#PAST_DUE}
   * (default 1: the first).
   *
   * @throws IllegalArgumentException if below 1
   */
  public BillingBuilder pastDueAfterFailedRounds(int rounds) {
    if (rounds < 1) {
      throw new IllegalArgumentException(
          "pastDueAfterFailedRounds must be at least 1, got " + rounds);
    }
    this.pastDueAfterFailedRounds = rounds;
    return this;
  }

  /**
   * How long after an open invoice's first payment attempt its tenant is {@link Standing#SUSPENDED}
   * (default 14 days).
   *
   * @throws IllegalArgumentException if not positive
   */
  public BillingBuilder suspendAfter(Duration delay) {
    this.suspendAfter = positive(delay, "suspendAfter");
    return this;
  }

  /**
   * How {@link Billing#refund(String, long, String, String)} refunds a payment not made by card
   * (Lightning, manual): {@code BY_HAND} (default: owed, the host pays it) or {@code CREDIT} (a
   * credit on the next invoice).
   *
   * @throws IllegalArgumentException if {@code CARD}
   */
  public BillingBuilder nonCardRefunds(Payment.Refund.Via via) {
    Objects.requireNonNull(via, "nonCardRefunds");
    if (via == Payment.Refund.Via.CARD) {
      throw new IllegalArgumentException("a payment not made by card can't be refunded by card");
    }
    this.nonCardRefunds = via;
    return this;
  }

  /**
   * Observes what the engine does (default: nothing). Collection runs several rounds at once
   * ({@link #collectionConcurrency}), so the listener may be called from the engine's worker
   * threads, several at a time: it must be thread-safe, and quick, since a round waits for it.
   */
  public BillingBuilder listener(BillingListener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
    return this;
  }

  /**
   * How many invoices are collected at once (S17), each round under its own lease on a worker
   * thread of the engine. Default 16; 1 runs every round in the calling thread, one after another.
   * Rounds mostly wait on rails (a card charge, a Lightning payment), so more than the CPU count
   * pays; with a repository on a connection pool, size the pool for these rounds too.
   *
   * @throws IllegalArgumentException if below 1
   */
  public BillingBuilder collectionConcurrency(int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException(
          "collectionConcurrency must be at least 1, got " + concurrency);
    }
    this.collectionConcurrency = concurrency;
    return this;
  }

  /**
   * Back-pressure: at most {@code max} of the invoices collected at once may be ones whose round
   * starts on {@code rail} (NWC for a tenant with a wallet, else STRIPE for one with a card, else
   * DM), so a slow rail holds only its share of the {@link #collectionConcurrency} slots and the
   * others go on; the rest wait, unleased (a lane exceeds its cap only when no other invoice
   * waits). Default: three quarters of the concurrency (at least 1), which caps any value above it.
   *
   * @throws NullPointerException if the rail is null
   * @throws IllegalArgumentException if {@code max} is below 1
   */
  public BillingBuilder railConcurrency(Rail rail, int max) {
    Objects.requireNonNull(rail, "rail");
    if (max < 1) {
      throw new IllegalArgumentException(
          "railConcurrency for " + rail + " must be at least 1, got " + max);
    }
    laneCaps.put(rail, max);
    return this;
  }

  /**
   * At most {@code permitsPerSecond} calls a second to {@code rail} from this engine, across all
   * the invoices it collects at once (Stripe's limit is per account): every gateway call for
   * STRIPE, every wallet call for NWC, every message for DM, spaced evenly. Default: no limit.
   * Instances sharing an account should split its limit between them.
   *
   * @throws NullPointerException if the rail is null
   * @throws IllegalArgumentException if {@code permitsPerSecond} is below 1
   */
  public BillingBuilder rateLimit(Rail rail, int permitsPerSecond) {
    Objects.requireNonNull(rail, "rail");
    if (permitsPerSecond < 1) {
      throw new IllegalArgumentException(
          "rateLimit for " + rail + " must be at least 1 per second, got " + permitsPerSecond);
    }
    rateLimits.put(rail, permitsPerSecond);
    return this;
  }

  // ---- how far ahead an activity may be dated (issue 21, defect 5) ----
  private Duration futureSkew = ActivityAdmission.DEFAULT_FUTURE_SKEW;

  /**
   * How far after now an activity may be dated (default 5 minutes); {@link Billing#record} refuses
   * one dated later ({@code IN_THE_FUTURE}; why: {@link ActivityAdmission#checkedSkew}).
   *
   * @throws IllegalArgumentException if negative or longer than one day
   */
  public BillingBuilder futureSkew(Duration skew) {
    this.futureSkew = ActivityAdmission.checkedSkew(skew);
    return this;
  }

  // ---- invoice links are capabilities (issue 22, part 2) ----
  private byte[] linkSecret;
  private Instant untokenizedLinksUntil;

  /**
   * The host's secret for invoice links, from configuration, the same on every instance, at least
   * 32 bytes ({@code openssl rand -base64 32}). A link's token is an HMAC of the invoice id under
   * it ({@link Billing#invoiceLink}), so ids can't be guessed into pages. Required with a
   * messenger; a new secret revokes every link sent.
   */
  public BillingBuilder linkSecret(byte[] secret) {
    this.linkSecret = InvoiceLinks.checkedSecret(Objects.requireNonNull(secret, "linkSecret"));
    return this;
  }

  /** {@link #linkSecret(byte[])} in base64. @throws IllegalArgumentException if not base64 */
  public BillingBuilder linkSecret(String base64) {
    return linkSecret(Base64.getDecoder().decode(base64.strip()));
  }

  /** Until {@code end}, links sent before tokens (no token) open invoices. Default: never. */
  public BillingBuilder acceptUntokenizedLinksUntil(Instant end) {
    this.untokenizedLinksUntil = Objects.requireNonNull(end, "untokenizedLinksUntil");
    return this;
  }

  /** The time source of rate limits; tests drive it. */
  BillingBuilder pacer(RateLimiter.Pacer pacer) {
    this.pacer = Objects.requireNonNull(pacer, "pacer");
    return this;
  }

  private final Map<String, Long> cardMinimums = new java.util.HashMap<>();

  /** S25: the card minimum in {@code currency}, over {@link PaymentGateway#minimumCharge}. */
  public BillingBuilder cardMinimum(String currency, long amount) {
    CardMinimums.put(cardMinimums, currency, amount);
    return this;
  }

  /**
   * The engine.
   *
   * @throws IllegalStateException if the repository, the catalogue or the app URL is missing, a
   *     messenger is wired without a link secret, or Lightning is set up only in part (it needs
   *     serviceWallet, walletConnector, exchangeRates and cipher together)
   */
  public Billing build() {
    require(repository != null, "a repository is required");
    require(catalogue != null, "a catalogue is required");
    require(appUrl != null, "an appUrl is required");
    require(
        messenger == null || linkSecret != null,
        "a messenger needs a linkSecret: the DM's invoice link carries a token made with it");
    boolean anyLightning =
        serviceWallet != null || walletConnector != null || exchangeRates != null;
    boolean allLightning =
        serviceWallet != null && walletConnector != null && exchangeRates != null;
    require(
        !anyLightning || allLightning,
        "Lightning needs all three of serviceWallet, walletConnector and exchangeRates, or none of them");
    require(
        walletConnector == null || cipher != null,
        "Lightning needs a cipher to open tenants' sealed NWC URIs");
    CollectionSettings collection =
        CollectionSettings.of(collectionConcurrency, laneCaps, rateLimits, leaseTtl, pacer);
    if (serviceWallet == null && paymentGateway == null && messenger == null) {
      EngineSettings.warnNothingWired();
    }
    PlanCatalogue stored = CatalogueHistory.seed(repository, catalogue);
    if (paymentGateway != null) {
      // A currency or price the gateway can never charge is a setup error: fail at start, not per
      // invoice. The stored history counts, prices changed since the seed included.
      paymentGateway.checkCurrency(stored);
    }
    return new Billing(
        new EngineSettings(
            repository,
            catalogue,
            clock,
            paymentGateway,
            serviceWallet,
            walletConnector,
            messenger,
            exchangeRates,
            cipher,
            new InvoiceLinks(appUrl, linkSecret, untokenizedLinksUntil, clock::instant),
            retrySchedule,
            unknownRetryDelay,
            faultRetryDelay,
            leaseTtl,
            pollInterval,
            pageSize,
            grandfather,
            instanceId,
            invoiceNumbers,
            new StandingPolicy(pastDueAfterFailedRounds, suspendAfter),
            nonCardRefunds,
            listener,
            collection,
            futureSkew,
            new CardMinimums(cardMinimums, paymentGateway)));
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }

  private static Duration positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }
}
