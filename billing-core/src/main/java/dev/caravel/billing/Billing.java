package dev.caravel.billing;

import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.internal.Checks;
import dev.caravel.billing.spi.Repository;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The billing engine. Record what tenants do with {@link #record}; the engine keeps the ledger
 * (S1–S8), makes invoices ({@link #generateInvoice}), collects them (S9–S11) and, once {@link
 * #start started}, polls every tenant on a schedule (S12). Several instances may run against one
 * {@link Repository} at once. Thread-safe.
 *
 * <p>This class is the engine's documented surface and holds no rule itself: each concern lives in
 * a package-private part of its own ({@link CatalogueHistory}, {@link Bookkeeping}, {@link
 * PaymentCollection} with {@link PaymentCascade}, {@link RailCallbacks}, {@link Standings}, {@link
 * Adjustments}, {@link Closing}, {@link Refunds}, {@link Poll}), and every method here hands over
 * to one of them.
 *
 * <pre>{@code
 * Billing billing = Billing.builder()
 *     .repository(new InMemoryRepository())
 *     .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
 *     .messenger((pubkey, text) -> System.out.println(text))
 *     .appUrl("https://relays.example")
 *     .build();
 * billing.record(Activity.create("evt-1", tenant, "relay-1", "basic", Instant.parse("2025-01-31T10:00:00Z")));
 * billing.generateInvoice(tenant).ifPresent(invoice -> billing.collect(invoice.id()));
 * }</pre>
 */
public final class Billing implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Billing.class.getName());

  private final Repository repository;
  private final CatalogueHistory catalogueHistory;
  private final Bookkeeping bookkeeping;
  private final Standings standings;
  private final PaymentCollection collection;
  private final RailCallbacks railCallbacks;
  private final Adjustments adjustments;
  private final Closing closing;
  private final Refunds refunds;
  private final EventFeed eventFeed;
  private final Poll poll;

  private Billing(Settings settings) {
    this.repository = settings.repository();
    PaymentCascade cascade = new PaymentCascade(settings);
    this.catalogueHistory = new CatalogueHistory(settings);
    this.bookkeeping = new Bookkeeping(settings, catalogueHistory);
    this.standings = new Standings(settings);
    this.collection = new PaymentCollection(settings, cascade, standings);
    this.railCallbacks = new RailCallbacks(settings, cascade, standings);
    this.adjustments = new Adjustments(settings);
    this.closing = new Closing(settings, cascade, standings);
    this.refunds = new Refunds(settings);
    this.eventFeed = new EventFeed(settings);
    this.poll = new Poll(settings, bookkeeping, collection, standings);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The catalogue as stored with the ledger (S15): the one every instance prices by, with every
   * plan's price history. The builder's catalogue only seeded it.
   */
  public PlanCatalogue catalogue() {
    return catalogueHistory.storedCatalogue();
  }

  // ---- the catalogue's history (S15) ----
  /**
   * Changes a plan's price from {@code effective} on, for every instance sharing the repository.
   * Relays already on the plan keep their price if the builder's {@link
   * Builder#grandfatherByDefault} says so; see {@link #changePrice(String, long, Instant,
   * boolean)}.
   */
  public boolean changePrice(String planId, long amount, Instant effective) {
    return catalogueHistory.changePrice(planId, amount, effective);
  }

  /**
   * Changes a plan's price from {@code effective} on: prorated items for activity at or after it,
   * and renewals of periods starting at or after it, are priced {@code amount}. With {@code
   * grandfathered}, only relays joining the plan from {@code effective} on pay the new price; a
   * relay already on it keeps the price it had until its plan changes. Idempotent: the same change
   * again returns false and changes nothing.
   *
   * <p>Only the future can be repriced, so that the items stay a function of the activity log, the
   * catalogue history and the instants billing ran (S8): {@code effective} must be strictly after
   * now, and strictly after every activity recorded and every period start renewed, of any tenant.
   *
   * @throws PlanCatalogue.ChangeRejectedException the change was refused ({@link
   *     PlanCatalogue.ChangeRejectedException#reason() reason()} says why); nothing was stored
   * @throws InvalidInputException a negative amount or an instant with a fraction of a second
   */
  public boolean changePrice(String planId, long amount, Instant effective, boolean grandfathered) {
    return catalogueHistory.changePrice(planId, amount, effective, grandfathered);
  }

  /**
   * Retires a plan from {@code effective} on: no activity at or after it may choose the plan
   * ({@link ActivityRejectedException.Reason#PLAN_RETIRED}), while the relays already on it keep
   * being billed at the price they have. Same rules and idempotence as {@link #changePrice}.
   */
  public boolean retirePlan(String planId, Instant effective) {
    return catalogueHistory.retirePlan(planId, effective);
  }

  // ---- reading the ledger ----
  /** The invoice, paid or not. */
  public Optional<Invoice> invoice(String invoiceId) {
    return repository.findInvoice(Checks.id(invoiceId, "invoice id"));
  }

  /** The tenant's invoices, oldest first. */
  public List<Invoice> invoices(String tenant) {
    return repository.invoices(Checks.pubkey(tenant, "tenant"));
  }

  /** What an invoice is made of, oldest first. Empty for an unknown invoice. */
  public List<InvoiceItem> invoiceItems(String invoiceId) {
    return repository.invoiceItems(Checks.id(invoiceId, "invoice id"));
  }

  /**
   * The sum of the tenant's items on no invoice yet, in minor units: what the next invoice starts
   * from. Negative when credits carry over (S7). Items are written by reconciliation and renewal;
   * call {@link #reconcile} first for a figure that includes activity just recorded.
   */
  public long unbilledBalance(String tenant) {
    return bookkeeping.unbilledBalance(tenant);
  }

  // ---- tenants ----
  /**
   * Saves how a tenant pays: an NWC URI (sealed with the {@link SecretCipher} before it is stored;
   * null for none) and a Stripe customer id (null for none).
   */
  public void saveTenant(String pubkey, String nwcUri, String stripeCustomerId) {
    bookkeeping.saveTenant(pubkey, nwcUri, stripeCustomerId);
  }

  // ---- activity and the ledger ----
  /**
   * Records one activity and reconciles its tenant at once. Idempotent on the activity's id:
   * recording the same activity again returns false and changes nothing.
   *
   * @throws ActivityRejectedException when the activity is refused (unknown plan or relay, a second
   *     create, out of order, inside a period already billed, a retired plan); nothing was recorded
   */
  public boolean record(Activity activity) {
    return bookkeeping.record(activity);
  }

  /** Turns the tenant's unbilled activity into items (S5). Safe to call any time, from anywhere. */
  public void reconcile(String tenant) {
    bookkeeping.reconcile(tenant);
  }

  /**
   * Reconciles every tenant, a page at a time: what the host calls when it may have missed events.
   */
  public void reconcileAll() {
    bookkeeping.reconcileAll();
  }

  /**
   * S7: reconciles, renews every period due (catching up missed ones), then claims all of the
   * tenant's unclaimed items onto one invoice if they sum above zero. Empty when nothing is owed.
   * No payment is attempted; see {@link #collect}.
   */
  public Optional<Invoice> generateInvoice(String tenant) {
    return bookkeeping.generateInvoice(tenant);
  }

  // ---- payment ----
  /**
   * Runs the invoice's payment round if one is due (S9): Lightning via the tenant's NWC wallet,
   * then the saved card, then a DM with a payment link. Never pays an invoice twice, and never
   * starts a round early: an invoice that is not due ({@code NOT_DUE}), held for a pending charge
   * ({@code PAYMENT_PENDING}), being collected elsewhere, or paid is {@link PaymentResult.Skipped
   * skipped} with the reason. To retry early by hand, see {@link #retryNow}.
   */
  public PaymentResult collect(String invoiceId) {
    return collection.collect(invoiceId);
  }

  /**
   * A manual retry ("the tenant fixed their card, try now"): makes the invoice due at once and runs
   * a round. Refused, as a {@link PaymentResult.Skipped} with its reason, while a charge is pending
   * ({@code PAYMENT_PENDING}) or a rail's outcome is unknown ({@code OUTCOME_UNKNOWN}): a new round
   * then could take the money twice. Also skipped when paid or being collected.
   */
  public PaymentResult retryNow(String invoiceId) {
    return collection.retryNow(invoiceId);
  }

  /**
   * Collects every invoice whose next round is due (S11), up to a page at a time, several at once
   * ({@link Builder#collectionConcurrency}); returns when all of them are done, their results in
   * the order the repository listed them.
   */
  public List<PaymentResult> collectDue() {
    return collection.collectDue();
  }

  /**
   * The invoice's BOLT11 request to present to the tenant (S10): made once, reused while settled or
   * unexpired, replaced once expired unpaid. If it has settled meanwhile (paid out of band), the
   * invoice is marked paid before it is returned.
   */
  public Bolt11Request bolt11(String invoiceId) {
    return collection.bolt11(invoiceId);
  }

  // ---- what the rails tell the host ----
  /**
   * Records a payment the host learned of itself (a Stripe webhook for a pending charge, a payment
   * page, support). True if this call marked the invoice paid; false if it already was, or is
   * closed. A payment with another reference than the invoice's own is a second payment: the
   * listener's {@link BillingListener#refundNeeded} and a {@code REFUND_NEEDED} event tell the host
   * to give it back. The same reference again is the same payment, and nothing is reported.
   */
  public boolean settle(String invoiceId, PaymentMethod method, String reference) {
    return railCallbacks.settle(invoiceId, method, reference);
  }

  /**
   * The rail's late "no" for a pending charge (Stripe's {@code payment_intent.payment_failed} or
   * {@code payment_intent.canceled}): ends the {@code PAYMENT_PENDING} hold for charge {@code
   * reference}, and the round ends as a decline would have: one DM with {@code message} (a short
   * customer-facing text) and the payment link, and the next round per the retry schedule (now, if
   * its time has passed; none once the schedule is used up). True if this call ended the hold;
   * false (nothing done) if the invoice is paid, unknown to the hold, or held for another charge,
   * so a webhook delivered twice, or to two instances, acts once.
   */
  public boolean chargeFailed(String invoiceId, String reference, String message) {
    return railCallbacks.chargeFailed(invoiceId, reference, message);
  }

  /**
   * Ends a {@code OUTCOME_UNKNOWN} hold (needs attention, S18) once a person has checked the
   * gateway and found that the held round's charge did not go through: the next round is due at
   * once, under a new key. Looks at the gateway first and refuses (false) if it now says the money
   * moved (the invoice is then settled) or may still move; false too if not so held.
   */
  public boolean reopen(String invoiceId) {
    return railCallbacks.reopen(invoiceId);
  }

  /**
   * The rail refunded (part of) a payment of this invoice (Stripe's {@code charge.refunded}): tells
   * the listener ({@link BillingListener#paymentRefunded}). {@code amountRefunded} is the total
   * refunded so far, in ledger minor units. A refund made on the rail itself (the gateway's
   * dashboard), beyond the card refunds the ledger holds for the invoice, is recorded as a done
   * card refund keyed {@code rail:<reference>:<amountRefunded>}, so a webhook delivered twice
   * records it once.
   */
  public void chargeRefunded(String invoiceId, String reference, long amountRefunded) {
    railCallbacks.chargeRefunded(invoiceId, reference, amountRefunded);
  }

  /**
   * The cardholder disputed charge {@code reference} (Stripe's {@code charge.dispute.created}):
   * logged and told to the listener ({@link BillingListener#paymentDisputed}), with the invoice if
   * known. The ledger is unchanged: the invoice stays paid until the dispute is decided.
   */
  public void chargeDisputed(
      Optional<String> invoiceId, String reference, String disputeId, long amount, String reason) {
    railCallbacks.chargeDisputed(invoiceId, reference, disputeId, amount, reason);
  }

  // ---- standing (S13) ----
  /**
   * The tenant's standing now: a pure function of its invoices, their payments and rounds, and the
   * clock. The stored standing, and with it the event, follows at the next payment round or poll.
   * GOOD for an unknown tenant.
   */
  public Standing standing(String tenant) {
    return standings.standing(tenant);
  }

  // ---- adjustments (S14) ----
  /**
   * Credits the tenant {@code amount} (positive, minor units) with a reason (support: "a month
   * free"), as a negative item on its next invoice with {@code reason} as its description. Like
   * every credit, it is claimed only with items that sum above zero: a credit bigger than what is
   * owed carries over (S7). Idempotent on {@code key}: true if recorded now, false if this very
   * credit was recorded already.
   *
   * @throws ConflictingKeyException the key was used for another adjustment
   * @throws InvalidInputException an unknown tenant, an amount not above zero, a blank reason or
   *     key
   */
  public boolean credit(String tenant, long amount, String reason, String key) {
    return adjustments.credit(tenant, amount, reason, key);
  }

  /**
   * Charges the tenant {@code amount} (positive, minor units) once, as an item on its next invoice
   * with {@code reason} as its description. Same rules as {@link #credit}.
   */
  public boolean charge(String tenant, long amount, String reason, String key) {
    return adjustments.charge(tenant, amount, reason, key);
  }

  // ---- voids and write-offs (S14) ----
  /**
   * Voids an unpaid invoice that should not have been issued: it is never collected again (no
   * round, no lease, no BOLT11), keeps {@code reason}, and its items stay on it, so they are never
   * billed again. Refused, never forced, while money may be moving for it ({@link
   * CloseResult.Reason#MONEY_MAY_BE_MOVING}): cancelling a round in flight could lose a charge that
   * went through. Card charges of earlier rounds still waiting for the customer are canceled. A
   * payment that arrives anyway (a BOLT11 paid late) is not taken: it is reported as needing a
   * refund.
   */
  public CloseResult voidInvoice(String invoiceId, String reason) {
    return closing.voidInvoice(invoiceId, reason);
  }

  /**
   * Writes an unpaid invoice off as uncollectible: owed, but given up on. Same rules as {@link
   * #voidInvoice}.
   */
  public CloseResult writeOff(String invoiceId, String reason) {
    return closing.writeOff(invoiceId, reason);
  }

  // ---- refunds (S14) ----
  /**
   * Refunds {@code amount} of a paid invoice: through the gateway for a card payment, otherwise as
   * the builder's {@link Builder#nonCardRefunds} says (by default owed, paid by hand). See {@link
   * #refund(String, long, String, String, Payment.Refund.Via)}.
   */
  public RefundResult refund(String invoiceId, long amount, String reason, String key) {
    return refunds.refund(invoiceId, amount, reason, key);
  }

  /**
   * Refunds {@code amount} (minor units, at most what the payment has left unrefunded) of a paid
   * invoice, idempotently on {@code key}: the same request again returns what the first did, and a
   * card refund left pending is sent again under the same gateway idempotency key, so it is never
   * made twice. {@code via}: {@code CARD} through {@link PaymentGateway#refund} (card payments
   * only); {@code BY_HAND} recorded as owed, the host pays it and calls {@link #refundPaid}; {@code
   * CREDIT} as a credit item on the tenant's next invoice.
   *
   * @throws ConflictingKeyException the key was used for another refund
   */
  public RefundResult refund(
      String invoiceId, long amount, String reason, String key, Payment.Refund.Via via) {
    return refunds.refund(invoiceId, amount, reason, key, via);
  }

  /**
   * The host paid an owed ({@code BY_HAND}) refund: records it done with the host's {@code
   * reference}. True if this call did; false if unknown, not owed, or done already.
   */
  public boolean refundPaid(String key, String reference) {
    return refunds.refundPaid(key, reference);
  }

  /** Every refund recorded against the invoice, in the order recorded. */
  public List<Payment.Refund> refunds(String invoiceId) {
    return refunds.refunds(invoiceId);
  }

  /**
   * What the invoice comes to: billed, paid, refunded (every refund recorded, money or credit,
   * pending ones included) and net.
   *
   * @throws InvalidInputException no such invoice
   */
  public Invoice.Balance balance(String invoiceId) {
    return refunds.balance(invoiceId);
  }

  // ---- the durable event feed (S16) ----
  /**
   * Up to {@code limit} events of the durable feed after {@code afterId} (0: from the start),
   * oldest first. Every change the listener reports is written to the feed in the same transaction
   * as the change: a host that stores the last id it handled, and resumes after it, sees every
   * event at least once, across crashes and instances.
   *
   * @throws IllegalArgumentException afterId below 0, or limit not in 1..10000
   */
  public List<BillingEvent> events(long afterId, int limit) {
    return eventFeed.events(afterId, limit);
  }

  // ---- the poll (S12) ----
  /**
   * One poll cycle, by hand: for every tenant with work due (unbilled activity, items to claim, a
   * period to renew), generate its invoice and, if one results, collect it; then collect every
   * invoice due for a retry; then judge again the standing of the tenants whose standing may have
   * changed by time alone (S13). A poll with nothing due reads no tenant's log (S17). A failure for
   * one tenant is logged and does not stop the others. The report holds every invoice made and
   * every result, so its size grows with the day's invoices; {@link #countCycle} does the same in
   * bounded memory.
   */
  public CycleReport runCycle() {
    return poll.runCycle();
  }

  /**
   * The same cycle as {@link #runCycle}, keeping only counts: its memory is a page of tenants and
   * their invoices, however many tenants there are. What the {@link #start started} poll runs.
   */
  public CycleCounts countCycle() {
    return poll.countCycle();
  }

  /** Starts polling every {@code pollInterval} on a daemon thread (a cycle runs at once). */
  public void start() {
    poll.start();
  }

  /**
   * Stops polling, letting a cycle under way finish (up to 30 seconds), then stops the collection
   * workers, letting the rounds under way finish (up to 30 seconds more; a round still waiting for
   * a rate limit then gives up before its rail call and is resumed later). No thread of the engine
   * is left running. The engine stays usable: collecting afterwards runs in the caller's thread.
   */
  @Override
  public void close() {
    poll.close();
  }

  /** Whether collection worker threads are alive (they end when idle): for tests. */
  boolean collectionWorkersAlive() {
    return collection.workersAlive();
  }

  /** The engine's wiring, read by its parts. */
  record Settings(
      Repository repository,
      PlanCatalogue catalogue,
      Clock clock,
      PaymentGateway paymentGateway,
      LightningWallet serviceWallet,
      WalletConnector walletConnector,
      Messenger messenger,
      ExchangeRates exchangeRates,
      SecretCipher cipher,
      String appUrl,
      List<Duration> retrySchedule,
      Duration unknownRetryDelay,
      Duration faultRetryDelay,
      Duration leaseTtl,
      Duration pollInterval,
      int pageSize,
      boolean grandfather,
      String instanceId,
      LongFunction<String> invoiceNumbers,
      StandingPolicy standingRule,
      Payment.Refund.Via nonCardRefunds,
      BillingListener listener,
      CollectionSettings collection) {

    Instant now() {
      return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    String invoiceId(long number) {
      return invoiceNumbers.apply(number);
    }

    void notify(Consumer<BillingListener> event) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a BillingListener threw; ignored", e);
      }
    }
  }

  /**
   * Builds a {@link Billing}. Only the repository, the catalogue and the app URL are required. Each
   * setter checks its argument when called ({@link NullPointerException} for a null, {@link
   * IllegalArgumentException} for a value out of range); {@link #build} checks how the settings fit
   * together ({@link IllegalStateException}). These are programming mistakes, so they are the JDK's
   * exceptions, not the library's.
   */
  public static final class Builder {
    /** The most rail calls one round makes on one rail (a saved card: look it up, charge it). */
    private static final int CALLS_PER_ROUND = 4;

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
    private LongFunction<String> invoiceNumbers = Builder::defaultInvoiceNumber;
    private int pastDueAfterFailedRounds = 1;
    private Duration suspendAfter = Duration.ofDays(14);
    private Payment.Refund.Via nonCardRefunds = Payment.Refund.Via.BY_HAND;
    private BillingListener listener = BillingListener.NONE;
    private int collectionConcurrency = 16;
    private final Map<Rail, Integer> laneCaps = new EnumMap<>(Rail.class);
    private final Map<Rail, Integer> rateLimits = new EnumMap<>(Rail.class);
    private RateLimiter.Pacer pacer = RateLimiter.Pacer.SYSTEM;

    private Builder() {}

    /** Where the ledger is kept. Required. @throws NullPointerException if null */
    public Builder repository(Repository repository) {
      this.repository = Objects.requireNonNull(repository, "repository");
      return this;
    }

    /** The plans and their currency. Required. @throws NullPointerException if null */
    public Builder catalogue(PlanCatalogue catalogue) {
      this.catalogue = Objects.requireNonNull(catalogue, "catalogue");
      return this;
    }

    /**
     * Every "now" comes from this clock, truncated to whole seconds. Default: the system UTC clock.
     *
     * @throws NullPointerException if null
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The saved-card rail (Stripe). Optional. @throws NullPointerException if null */
    public Builder paymentGateway(PaymentGateway gateway) {
      this.paymentGateway = Objects.requireNonNull(gateway, "paymentGateway");
      return this;
    }

    /**
     * The service's own wallet: it makes the invoices tenants pay and says when they settle.
     * Lightning needs it with {@link #walletConnector}, {@link #exchangeRates} and {@link #cipher}.
     *
     * @throws NullPointerException if null
     */
    public Builder serviceWallet(LightningWallet wallet) {
      this.serviceWallet = Objects.requireNonNull(wallet, "serviceWallet");
      return this;
    }

    /** Opens tenants' wallets from their NWC URIs. @throws NullPointerException if null */
    public Builder walletConnector(WalletConnector connector) {
      this.walletConnector = Objects.requireNonNull(connector, "walletConnector");
      return this;
    }

    /**
     * Sends the DM asking a tenant to pay by hand. Optional. @throws NullPointerException if null
     */
    public Builder messenger(Messenger messenger) {
      this.messenger = Objects.requireNonNull(messenger, "messenger");
      return this;
    }

    /** Fiat to msats for Lightning invoices. @throws NullPointerException if null */
    public Builder exchangeRates(ExchangeRates rates) {
      this.exchangeRates = Objects.requireNonNull(rates, "exchangeRates");
      return this;
    }

    /**
     * Seals tenants' NWC URIs at rest; required to store one. @throws NullPointerException if null
     */
    public Builder cipher(SecretCipher cipher) {
      this.cipher = Objects.requireNonNull(cipher, "cipher");
      return this;
    }

    /**
     * The host's base URL; the DM links to {@code {appUrl}/account?invoice={id}}. Required.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if blank or not an absolute http(s) URL
     */
    public Builder appUrl(String appUrl) {
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
     * Delays after the first attempt at which unpaid invoices are tried again (S11). Default 1, 3,
     * 7 days; empty: a single round.
     *
     * @throws NullPointerException if the list or a delay is null
     * @throws IllegalArgumentException if a delay is not positive or the delays do not increase
     */
    public Builder retrySchedule(List<Duration> delays) {
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
    public Builder unknownRetryDelay(Duration delay) {
      this.unknownRetryDelay = positive(delay, "unknownRetryDelay");
      return this;
    }

    /**
     * How soon a round is resumed after the card gateway refused our own request or key ({@link
     * PaymentGateway.ChargeOutcome.Failed}): someone has to fix the setup. Default 1 hour.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder faultRetryDelay(Duration delay) {
      this.faultRetryDelay = positive(delay, "faultRetryDelay");
      return this;
    }

    /**
     * How long a payment round may hold an invoice before another instance may take over. Default 5
     * minutes; it must outlast the slowest rail call.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder leaseTtl(Duration ttl) {
      this.leaseTtl = positive(ttl, "leaseTtl");
      return this;
    }

    /**
     * How often {@link #start started} polling runs a cycle. Default 1 hour. @throws
     * IllegalArgumentException if not positive
     */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = positive(interval, "pollInterval");
      return this;
    }

    /**
     * Tenants (and due invoices) handled per batch. Default 500. @throws IllegalArgumentException
     * if below 1
     */
    public Builder pageSize(int pageSize) {
      if (pageSize < 1) {
        throw new IllegalArgumentException("pageSize must be at least 1, got " + pageSize);
      }
      this.pageSize = pageSize;
      return this;
    }

    /**
     * Whether {@link Billing#changePrice(String, long, Instant)} grandfathers the relays already on
     * the plan (they keep the price they had until their plan changes). Default false: a price
     * change applies to every relay on the plan from its effective instant. The choice is stored
     * with each change, so instances set differently still agree on the ledger.
     */
    public Builder grandfatherByDefault(boolean grandfather) {
      this.grandfather = grandfather;
      return this;
    }

    /**
     * Names this instance in payment leases (default: random).
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if blank
     */
    public Builder instanceId(String instanceId) {
      Objects.requireNonNull(instanceId, "instanceId");
      if (instanceId.isBlank()) {
        throw new IllegalArgumentException("instanceId must not be blank");
      }
      this.instanceId = instanceId;
      return this;
    }

    /**
     * How an invoice number becomes the invoice's id (default {@code INV-000123}: {@code INV-} and
     * at least six digits). The numbers are drawn by the repository in the claim's transaction: 1,
     * 2, 3, ... with no gap and no repeat across every instance. All instances must use the same
     * format; invoices made before numbering (0.2 and earlier) keep their ids.
     *
     * @throws NullPointerException if null
     */
    public Builder invoiceNumbers(LongFunction<String> format) {
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
    public Builder pastDueAfterFailedRounds(int rounds) {
      if (rounds < 1) {
        throw new IllegalArgumentException(
            "pastDueAfterFailedRounds must be at least 1, got " + rounds);
      }
      this.pastDueAfterFailedRounds = rounds;
      return this;
    }

    /**
     * How long after an open invoice's first payment attempt its tenant is {@link
     * Standing#SUSPENDED} (default 14 days).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder suspendAfter(Duration delay) {
      this.suspendAfter = positive(delay, "suspendAfter");
      return this;
    }

    /**
     * How {@link Billing#refund(String, long, String, String)} refunds a payment not made by card
     * (Lightning, manual): {@code BY_HAND} (default: owed, the host pays it) or {@code CREDIT} (a
     * credit on the next invoice).
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if {@code CARD}
     */
    public Builder nonCardRefunds(Payment.Refund.Via via) {
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
     *
     * @throws NullPointerException if null
     */
    public Builder listener(BillingListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * How many invoices are collected at once (S17), each round under its own lease on a worker
     * thread of the engine. Default 16; 1 runs every round in the calling thread, one after
     * another. Rounds mostly wait on rails (a card charge, a Lightning payment), so more than the
     * CPU count pays; with a repository on a connection pool, size the pool for these rounds too.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder collectionConcurrency(int concurrency) {
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
     * others go on. The rest of that rail's invoices wait, unleased, for a slot of their lane; a
     * lane goes over its cap only when no other invoice of the pass waits for a slot. Default:
     * three quarters of the concurrency (at least 1); a value above the concurrency acts as the
     * concurrency.
     *
     * @throws NullPointerException if the rail is null
     * @throws IllegalArgumentException if {@code max} is below 1
     */
    public Builder railConcurrency(Rail rail, int max) {
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
     * STRIPE, every wallet call for NWC, every message for DM. Calls are spaced evenly; a round
     * waits for its turn under its lease. Default: no limit. Several instances sharing an account
     * should split its limit between them.
     *
     * @throws NullPointerException if the rail is null
     * @throws IllegalArgumentException if {@code permitsPerSecond} is below 1
     */
    public Builder rateLimit(Rail rail, int permitsPerSecond) {
      Objects.requireNonNull(rail, "rail");
      if (permitsPerSecond < 1) {
        throw new IllegalArgumentException(
            "rateLimit for " + rail + " must be at least 1 per second, got " + permitsPerSecond);
      }
      rateLimits.put(rail, permitsPerSecond);
      return this;
    }

    /** The time source of rate limits; tests drive it. */
    Builder pacer(RateLimiter.Pacer pacer) {
      this.pacer = Objects.requireNonNull(pacer, "pacer");
      return this;
    }

    /**
     * The engine.
     *
     * @throws IllegalStateException if the repository, the catalogue or the app URL is missing, or
     *     Lightning is set up only in part (it needs serviceWallet, walletConnector, exchangeRates
     *     and cipher together)
     */
    public Billing build() {
      require(repository != null, "a repository is required");
      require(catalogue != null, "a catalogue is required");
      require(appUrl != null, "an appUrl is required");
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
      CollectionSettings collection = collectionSettings();
      PlanCatalogue stored = seed(repository, catalogue);
      if (paymentGateway != null) {
        // A currency or price the gateway can never charge is a setup error: fail at start, not per
        // invoice. The stored history counts, prices changed since the seed included.
        paymentGateway.checkCurrency(stored);
      }
      return new Billing(
          new Settings(
              repository,
              catalogue,
              clock,
              paymentGateway,
              serviceWallet,
              walletConnector,
              messenger,
              exchangeRates,
              cipher,
              appUrl,
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
              collection));
    }

    /**
     * A round waits for a rate limit under its lease: every round collected at once may queue on
     * one limiter a few calls each, and all of that must fit well inside the lease, or another
     * instance could start the same round meanwhile.
     */
    private CollectionSettings collectionSettings() {
      Map<Rail, Integer> caps = new EnumMap<>(Rail.class);
      Map<Rail, RateLimiter> limits = new EnumMap<>(Rail.class);
      for (Rail rail : Rail.values()) {
        int fallback = Math.max(1, collectionConcurrency - collectionConcurrency / 4);
        caps.put(rail, Math.min(collectionConcurrency, laneCaps.getOrDefault(rail, fallback)));
        Integer rate = rateLimits.get(rail);
        if (rate != null) {
          long worstWaitSeconds =
              ((long) collectionConcurrency * CALLS_PER_ROUND + rate - 1) / rate;
          require(
              leaseTtl.getSeconds() >= 2 * worstWaitSeconds,
              "leaseTtl "
                  + leaseTtl
                  + " is too short for a rate limit of "
                  + rate
                  + "/s on "
                  + rail
                  + " with collectionConcurrency "
                  + collectionConcurrency
                  + ": rounds may wait up to "
                  + worstWaitSeconds
                  + " s for it under their lease; the lease must be at least twice that");
          limits.put(rail, new RateLimiter(rate, pacer));
        }
      }
      return new CollectionSettings(collectionConcurrency, caps, limits);
    }

    /**
     * Seeds the stored catalogue with the configured one (S15) and refuses to start on a seed that
     * disagrees with what is stored: the stored history wins, so instances started with different
     * catalogues never silently price the same ledger two ways. A seed agrees when it has the
     * stored currency and each of its plans' versions begin the stored history of that plan (a
     * stored history may go on with changes made by {@link Billing#changePrice}); plans stored but
     * missing from the seed stay.
     */
    private static PlanCatalogue seed(Repository repository, PlanCatalogue seed) {
      PlanCatalogue stored = repository.seedCatalogue(seed);
      require(
          stored.currency().equals(seed.currency()),
          "the stored catalogue is in "
              + stored.currency()
              + ", the configured one in "
              + seed.currency()
              + "; a catalogue has one currency");
      for (Plan plan : seed.plans()) {
        List<PlanCatalogue.Version> mine = seed.history(plan.id());
        List<PlanCatalogue.Version> theirs = stored.history(plan.id());
        require(
            theirs.size() >= mine.size() && theirs.subList(0, mine.size()).equals(mine),
            "the configured price history of plan \""
                + plan.id()
                + "\" "
                + mine
                + " disagrees with the stored one "
                + theirs
                + "; change prices with Billing.changePrice, not by editing the catalogue");
      }
      return stored;
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
}
