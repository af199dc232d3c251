package dev.caravel.billing.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Caravel Billing's settings, under {@code caravel.billing}. Every rail is off until its key is
 * set: Stripe by {@code stripe.secret-key}, Lightning by {@code nwc.service-uri}, DMs by {@code
 * nostr.secret-key}.
 */
@ConfigurationProperties(prefix = "caravel.billing")
public class CaravelBillingProperties {
  /** Whether to configure Caravel Billing at all. */
  private boolean enabled = true;

  /**
   * The host's base URL; payment DMs link to {@code {app-url}/account?invoice={id}&token={token}}.
   * Required.
   */
  private String appUrl;

  /**
   * Base64 of at least 32 random bytes ({@code openssl rand -base64 32}), the same on every
   * instance: invoice links carry an HMAC of the invoice id under it, so a page opens only for its
   * link. Required with a messenger; a new secret revokes every link sent.
   */
  private String linkSecret;

  /**
   * Until this instant, links sent before tokens ({@code ?invoice={id}} alone) still open their
   * invoice, and so do guessed ids. Unset (the default): such links are refused.
   */
  private java.time.Instant untokenizedLinksUntil;

  /** The catalogue's one currency (ISO 4217, lower case). */
  private String currency = "usd";

  /** The plans tenants subscribe to: id, name and monthly price in minor units. */
  private List<PlanProperties> plans = new ArrayList<>();

  /**
   * Base64 of 32 random bytes ({@code openssl rand -base64 32}) sealing tenants' NWC URIs at rest,
   * each bound to its tenant. Required with Lightning. To rotate, make a new key this one and move
   * the old one to {@code cipher-old-keys}.
   */
  private String cipherKey;

  /**
   * Earlier cipher keys (base64), which open what they sealed and seal nothing. A tenant's URI
   * moves to {@code cipher-key} when the tenant is saved again; drop a key once no stored value
   * names its id.
   */
  private List<String> cipherOldKeys = new ArrayList<>();

  /**
   * Refuse URIs sealed by 0.1/0.2 ({@code v1:}), which are bound to no tenant: once every tenant
   * has been saved again since 0.3.
   */
  private boolean cipherRefuseLegacyValues = false;

  /** Names this instance in payment leases; random when unset. */
  private String instanceId;

  /**
   * How many invoices this instance collects at once, each under its own lease, on the engine's
   * worker threads (so BillingListener beans may be called from several threads at once).
   */
  private int collectionConcurrency = 16;

  /** Delays after an invoice's first attempt at which unpaid invoices are tried again. */
  private List<Duration> retrySchedule =
      new ArrayList<>(List.of(Duration.ofDays(1), Duration.ofDays(3), Duration.ofDays(7)));

  private final Poll poll = new Poll();
  private final Jdbc jdbc = new Jdbc();
  private final Stripe stripe = new Stripe();
  private final Nwc nwc = new Nwc();
  private final ExchangeRates exchangeRates = new ExchangeRates();
  private final Nostr nostr = new Nostr();
  private final Health health = new Health();
  private final AccountPage accountPage = new AccountPage();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getAppUrl() {
    return appUrl;
  }

  public void setAppUrl(String appUrl) {
    this.appUrl = appUrl;
  }

  public String getCurrency() {
    return currency;
  }

  public void setCurrency(String currency) {
    this.currency = currency;
  }

  public List<PlanProperties> getPlans() {
    return plans;
  }

  public void setPlans(List<PlanProperties> plans) {
    this.plans = plans;
  }

  public String getLinkSecret() {
    return linkSecret;
  }

  public void setLinkSecret(String linkSecret) {
    this.linkSecret = linkSecret;
  }

  public java.time.Instant getUntokenizedLinksUntil() {
    return untokenizedLinksUntil;
  }

  public void setUntokenizedLinksUntil(java.time.Instant untokenizedLinksUntil) {
    this.untokenizedLinksUntil = untokenizedLinksUntil;
  }

  public String getCipherKey() {
    return cipherKey;
  }

  public void setCipherKey(String cipherKey) {
    this.cipherKey = cipherKey;
  }

  public List<String> getCipherOldKeys() {
    return cipherOldKeys;
  }

  public void setCipherOldKeys(List<String> cipherOldKeys) {
    this.cipherOldKeys = cipherOldKeys;
  }

  public boolean isCipherRefuseLegacyValues() {
    return cipherRefuseLegacyValues;
  }

  public void setCipherRefuseLegacyValues(boolean cipherRefuseLegacyValues) {
    this.cipherRefuseLegacyValues = cipherRefuseLegacyValues;
  }

  public String getInstanceId() {
    return instanceId;
  }

  public void setInstanceId(String instanceId) {
    this.instanceId = instanceId;
  }

  public int getCollectionConcurrency() {
    return collectionConcurrency;
  }

  public void setCollectionConcurrency(int collectionConcurrency) {
    this.collectionConcurrency = collectionConcurrency;
  }

  public List<Duration> getRetrySchedule() {
    return retrySchedule;
  }

  public void setRetrySchedule(List<Duration> retrySchedule) {
    this.retrySchedule = retrySchedule;
  }

  public Poll getPoll() {
    return poll;
  }

  public Jdbc getJdbc() {
    return jdbc;
  }

  public Stripe getStripe() {
    return stripe;
  }

  public Nwc getNwc() {
    return nwc;
  }

  public ExchangeRates getExchangeRates() {
    return exchangeRates;
  }

  public Nostr getNostr() {
    return nostr;
  }

  public AccountPage getAccountPage() {
    return accountPage;
  }

  /**
   * The tenant's own page at {@code {app-url}/account?tenant={pubkey}&token={token}} (issue 24),
   * served when the application is a servlet web application and {@code link-secret} is set.
   */
  public static class AccountPage {
    /** Whether to serve the page. */
    private boolean enabled = true;

    /**
     * The name the page shows as the seller (a host with its own InvoiceRenderer bean sets it
     * there).
     */
    private String sellerName = "Relay hosting";

    /**
     * Relays (wss://) where a tenant's wallet answers a connection request made by scanning a code
     * (NWC-08 walletauth); empty: {@code caravel.billing.nostr.relays}. With none, and without the
     * relay pool Lightning or DMs bring, the page offers only pasting a connection.
     */
    private List<String> walletRelays = new ArrayList<>();

    /** How long a connection request waits for the tenant's wallet. */
    private Duration walletAuthTimeout = Duration.ofMinutes(10);

    /**
     * The origin of Stripe's hosted card page. The page's Content-Security-Policy lets its "Save a
     * card" form land there (browsers apply {@code form-action} to the redirect too).
     */
    private String checkoutOrigin = "https://checkout.stripe.com";

    public String getCheckoutOrigin() {
      return checkoutOrigin;
    }

    public void setCheckoutOrigin(String checkoutOrigin) {
      this.checkoutOrigin = checkoutOrigin;
    }

    public List<String> getWalletRelays() {
      return walletRelays;
    }

    public void setWalletRelays(List<String> walletRelays) {
      this.walletRelays = walletRelays;
    }

    public Duration getWalletAuthTimeout() {
      return walletAuthTimeout;
    }

    public void setWalletAuthTimeout(Duration walletAuthTimeout) {
      this.walletAuthTimeout = walletAuthTimeout;
    }

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getSellerName() {
      return sellerName;
    }

    public void setSellerName(String sellerName) {
      this.sellerName = sellerName;
    }
  }

  public Health getHealth() {
    return health;
  }

  /** One plan of the catalogue. */
  public static class PlanProperties {
    /** The plan's id, as activities name it. */
    private String id;

    /** The plan's display name, as invoices show it. */
    private String name;

    /** The price of one term in the currency's minor units (cents). */
    private long price;

    /** How many months a term lasts (S19): 1, 3, 6 or 12. */
    private int intervalMonths = 1;

    public int getIntervalMonths() {
      return intervalMonths;
    }

    public void setIntervalMonths(int intervalMonths) {
      this.intervalMonths = intervalMonths;
    }

    public String getId() {
      return id;
    }

    public void setId(String id) {
      this.id = id;
    }

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public long getPrice() {
      return price;
    }

    public void setPrice(long price) {
      this.price = price;
    }
  }

  /** The poll (S12), started and stopped with the application. */
  public static class Poll {
    /** Whether to run billing cycles on a schedule while the application runs. */
    private boolean enabled = true;

    /** Time between the end of one cycle and the start of the next. */
    private Duration interval = Duration.ofHours(1);

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Duration getInterval() {
      return interval;
    }

    public void setInterval(Duration interval) {
      this.interval = interval;
    }
  }

  /** The ledger's schema on the application's DataSource. */
  public static class Jdbc {
    /**
     * How billing's schema is created or upgraded, from {@code
     * classpath:db/caravel-billing/{vendor}} into the history table {@code
     * caravel_billing_schema_history}: {@code auto} (a Flyway of billing's own when Flyway is on
     * the class path, beside and apart from the host's; else the built-in migrator), {@code
     * built-in}, or {@code none} (the host migrates).
     */
    private Migration migration = Migration.AUTO;

    public Migration getMigration() {
      return migration;
    }

    public void setMigration(Migration migration) {
      this.migration = migration;
    }
  }

  /** How the schema is migrated. */
  public enum Migration {
    /** A Flyway of billing's own when Flyway is on the class path, otherwise the built-in one. */
    AUTO,
    /** Always {@code JdbcRepository.migrate}. */
    BUILT_IN,
    /** Never: the host migrates. */
    NONE
  }

  /** The saved-card rail and its webhook. */
  public static class Stripe {
    /** Stripe's secret or restricted key ({@code sk_...} or {@code rk_...}); turns cards on. */
    private String secretKey;

    /** The webhook endpoint's signing secret ({@code whsec_...}); turns the endpoint on. */
    private String webhookSecret;

    /** Where Stripe posts events. */
    private String webhookPath = "/caravel/stripe/webhook";

    /** How old (or how far ahead) a signature's timestamp may be. */
    private Duration webhookTolerance = Duration.ofMinutes(5);

    /**
     * The largest webhook body accepted (Stripe's events are a few kilobytes). A larger declared
     * Content-Length is refused with 413 before a byte is read; a chunked body is refused with 413
     * as soon as it passes this size.
     */
    private DataSize webhookMaxBody = DataSize.ofMegabytes(1);

    public String getSecretKey() {
      return secretKey;
    }

    public void setSecretKey(String secretKey) {
      this.secretKey = secretKey;
    }

    public String getWebhookSecret() {
      return webhookSecret;
    }

    public void setWebhookSecret(String webhookSecret) {
      this.webhookSecret = webhookSecret;
    }

    public String getWebhookPath() {
      return webhookPath;
    }

    public void setWebhookPath(String webhookPath) {
      this.webhookPath = webhookPath;
    }

    public Duration getWebhookTolerance() {
      return webhookTolerance;
    }

    public void setWebhookTolerance(Duration webhookTolerance) {
      this.webhookTolerance = webhookTolerance;
    }

    public DataSize getWebhookMaxBody() {
      return webhookMaxBody;
    }

    public void setWebhookMaxBody(DataSize webhookMaxBody) {
      this.webhookMaxBody = webhookMaxBody;
    }
  }

  /** Lightning through Nostr Wallet Connect. */
  public static class Nwc {
    /**
     * The service wallet's {@code nostr+walletconnect://} URI (make_invoice and lookup_invoice);
     * turns Lightning on. Needs {@code caravel.billing.cipher-key}.
     */
    private String serviceUri;

    public String getServiceUri() {
      return serviceUri;
    }

    public void setServiceUri(String serviceUri) {
      this.serviceUri = serviceUri;
    }
  }

  /** Where fiat prices in bitcoin come from, with Lightning. */
  public static class ExchangeRates {
    /** The public price source. */
    private Source source = Source.COINBASE;

    public Source getSource() {
      return source;
    }

    public void setSource(Source source) {
      this.source = source;
    }
  }

  /** A public price source. */
  public enum Source {
    COINBASE,
    COINGECKO,
    KRAKEN
  }

  /** Payment DMs over Nostr. */
  public static class Nostr {
    /** The service's Nostr key ({@code nsec1...} or 64 hex); turns the DMs on. */
    private String secretKey;

    /** The {@code wss://} relays the pool trusts and publishes DMs through. */
    private List<String> relays = new ArrayList<>();

    public String getSecretKey() {
      return secretKey;
    }

    public void setSecretKey(String secretKey) {
      this.secretKey = secretKey;
    }

    public List<String> getRelays() {
      return relays;
    }

    public void setRelays(List<String> relays) {
      this.relays = relays;
    }
  }

  /** The health indicator and the backlog gauges. */
  public static class Health {
    /** A due invoice first tried longer ago than this counts as overdue. */
    private Duration overdueAfter = Duration.ofDays(7);

    /** The most due invoices counted (the count stops there). */
    private int backlogLimit = 10_000;

    public Duration getOverdueAfter() {
      return overdueAfter;
    }

    public void setOverdueAfter(Duration overdueAfter) {
      this.overdueAfter = overdueAfter;
    }

    public int getBacklogLimit() {
      return backlogLimit;
    }

    public void setBacklogLimit(int backlogLimit) {
      this.backlogLimit = backlogLimit;
    }
  }
}
