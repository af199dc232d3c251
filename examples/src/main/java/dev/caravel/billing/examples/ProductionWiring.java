package dev.caravel.billing.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingBuilder;
import dev.caravel.billing.BillingListener;
import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.SecretCipher;
import dev.caravel.billing.jdbc.JdbcRepository;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.NostrMessenger;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nwc.HttpExchangeRates;
import dev.caravel.billing.nwc.NwcUri;
import dev.caravel.billing.nwc.NwcWallet;
import dev.caravel.billing.nwc.NwcWalletConnector;
import dev.caravel.billing.stripe.StripeGateway;
import java.lang.System.Logger.Level;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Caravel Billing wired for real, the way a host application does it: the ledger in PostgreSQL
 * through a HikariCP pool (schema migrated at start), the saved-card rail on Stripe, Lightning
 * through Nostr Wallet Connect (the service's own wallet, a connector that opens tenants' wallets,
 * and an HTTP exchange rate), payment-request DMs over Nostr, and the hourly poll started.
 * Everything comes from environment variables, so the same build runs in every environment and no
 * secret sits in code or config files.
 *
 * <h2>Environment variables</h2>
 *
 * <table>
 *   <caption>Configuration</caption>
 *   <tr><th>variable</th><th>required</th><th>meaning</th></tr>
 *   <tr><td>{@code BILLING_DATABASE_URL}</td><td>yes</td>
 *       <td>JDBC URL of the ledger, e.g. {@code jdbc:postgresql://db.internal:5432/billing}</td></tr>
 *   <tr><td>{@code BILLING_DATABASE_USER}, {@code BILLING_DATABASE_PASSWORD}</td><td>no</td>
 *       <td>its credentials (or put them in the URL)</td></tr>
 *   <tr><td>{@code BILLING_DATABASE_POOL_SIZE}</td><td>no</td><td>pool size per instance, default 10</td></tr>
 *   <tr><td>{@code BILLING_APP_URL}</td><td>yes</td>
 *       <td>the host's base URL; DMs link to {@code {url}/account?invoice={id}&token={token}}</td></tr>
 *   <tr><td>{@code BILLING_LINK_SECRET}</td><td>yes</td>
 *       <td>base64 of 32+ random bytes; invoice links' tokens are HMACs under it</td></tr>
 *   <tr><td>{@code BILLING_PLANS_FILE}</td><td>yes</td>
 *       <td>the plan catalogue, a JSON array as for {@code billing replay --plans}</td></tr>
 *   <tr><td>{@code BILLING_POLL_INTERVAL}</td><td>no</td><td>ISO-8601 duration, default {@code PT1H}</td></tr>
 *   <tr><td>{@code BILLING_INSTANCE_ID}</td><td>no</td>
 *       <td>names this instance in payment leases, default random</td></tr>
 *   <tr><td>{@code BILLING_CIPHER_KEY}</td><td>with Lightning</td>
 *       <td>base64 of 32 random bytes ({@code openssl rand -base64 32}): seals tenants' NWC URIs at rest,
 *       each bound to its tenant. To rotate, move the old key to {@code BILLING_CIPHER_OLD_KEYS}</td></tr>
 *   <tr><td>{@code BILLING_CIPHER_OLD_KEYS}</td><td>no</td>
 *       <td>earlier keys, comma-separated: they open what they sealed and seal nothing; a tenant's
 *       URI moves to the current key when the tenant is saved again</td></tr>
 *   <tr><td>{@code BILLING_SERVICE_NWC_URI}</td><td>no</td>
 *       <td>the service wallet's {@code nostr+walletconnect://} URI (needs make_invoice and
 *       lookup_invoice); turns the Lightning rail on</td></tr>
 *   <tr><td>{@code BILLING_EXCHANGE_RATES}</td><td>no</td>
 *       <td>{@code coinbase} (default), {@code coingecko} or {@code kraken}</td></tr>
 *   <tr><td>{@code STRIPE_SECRET_KEY}</td><td>no</td>
 *       <td>{@code sk_...} or {@code rk_...}; turns the saved-card rail on</td></tr>
 *   <tr><td>{@code NOSTR_SECRET_KEY}</td><td>no</td>
 *       <td>the service's Nostr key ({@code nsec1...} or hex); turns the DMs on</td></tr>
 *   <tr><td>{@code NOSTR_RELAYS}</td><td>with DMs</td>
 *       <td>comma-separated {@code wss://} relays to publish DMs through</td></tr>
 * </table>
 *
 * <p>A missing or malformed variable fails at start with a {@link ConfigurationException} naming
 * the variable; values of secret variables are never echoed. Rails left unconfigured are simply not
 * used: an invoice then goes straight to the next rail, and with none at all it waits unpaid (the
 * host can still {@link Billing#settle settle} it).
 *
 * <h2>In a host application</h2>
 *
 * <pre>{@code
 * ProductionWiring wiring = ProductionWiring.fromEnvironment();   // at startup
 * wiring.start();                                                 // the poll: every hour
 * Billing billing = wiring.billing();
 *
 * // whenever a tenant does something billable (the id is the host's event id: idempotent)
 * billing.record(Activity.create(eventId, tenantPubkey, relayId, "basic", Instant.now()));
 * // when a tenant saves how it pays
 * billing.saveTenant(tenantPubkey, nwcUriOrNull, stripeCustomerIdOrNull);
 *
 * wiring.close();                                                 // at shutdown
 * }</pre>
 *
 * <p>Or run it on its own: {@code java -cp examples/target/billing.jar
 * dev.caravel.billing.examples.ProductionWiring} polls until stopped. Run as many instances as you
 * like against one database: it is the only coordinator.
 */
public final class ProductionWiring implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ProductionWiring.class.getName());

  private final Billing billing;

  /** Everything to close, newest first. */
  private final Deque<AutoCloseable> resources;

  private ProductionWiring(Billing billing, Deque<AutoCloseable> resources) {
    this.billing = billing;
    this.resources = resources;
  }

  /** Wires the library from {@link System#getenv()}. */
  public static ProductionWiring fromEnvironment() {
    return from(System.getenv());
  }

  /**
   * Wires the library from {@code env} (tests pass their own map).
   *
   * @throws ConfigurationException a variable is missing or malformed; nothing is left open
   */
  public static ProductionWiring from(Map<String, String> env) {
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    try {
      BillingBuilder builder =
          Billing.builder()
              .appUrl(required(env, "BILLING_APP_URL"))
              .linkSecret(required(env, "BILLING_LINK_SECRET"))
              .catalogue(plans(required(env, "BILLING_PLANS_FILE")))
              .pollInterval(duration(env, "BILLING_POLL_INTERVAL", Duration.ofHours(1)))
              .listener(new LoggingListener());
      optional(env, "BILLING_INSTANCE_ID").ifPresent(builder::instanceId);

      // The ledger: PostgreSQL through a HikariCP pool, migrated before first use (safe when
      // several instances start at once).
      String url = required(env, "BILLING_DATABASE_URL");
      try {
        DriverManager.getDriver(url);
      } catch (SQLException e) {
        // Not echoed: a JDBC URL may carry a password.
        throw new ConfigurationException(
            "BILLING_DATABASE_URL: no JDBC driver takes it; expected jdbc:postgresql://...");
      }
      HikariConfig pool = new HikariConfig();
      pool.setPoolName("caravel-billing");
      pool.setJdbcUrl(url);
      optional(env, "BILLING_DATABASE_USER").ifPresent(pool::setUsername);
      optional(env, "BILLING_DATABASE_PASSWORD").ifPresent(pool::setPassword);
      pool.setMaximumPoolSize(integer(env, "BILLING_DATABASE_POOL_SIZE", 10));
      HikariDataSource dataSource;
      try {
        dataSource = new HikariDataSource(pool);
      } catch (RuntimeException e) {
        throw new ConfigurationException(
            "BILLING_DATABASE_URL: cannot connect: " + Main.describe(e), e);
      }
      resources.push(dataSource);
      JdbcRepository.migrate(dataSource);
      builder.repository(new JdbcRepository(dataSource));

      // Seals tenants' NWC URIs at rest: a keyring, the current key sealing, the old ones opening.
      SecretCipher cipher = null;
      String key = env.get("BILLING_CIPHER_KEY");
      if (key != null && !key.isBlank()) {
        SecretCipher.Keyring ring;
        try {
          ring = SecretCipher.keyring().currentKey(key);
        } catch (InvalidInputException e) {
          throw new ConfigurationException(
              "BILLING_CIPHER_KEY must be the base64 of 32 random bytes "
                  + "(openssl rand -base64 32)",
              e);
        }
        String oldKeys = env.getOrDefault("BILLING_CIPHER_OLD_KEYS", "");
        for (String old : oldKeys.split(",")) {
          if (!old.isBlank()) {
            try {
              ring.oldKey(old.strip());
            } catch (InvalidInputException e) {
              throw new ConfigurationException(
                  "BILLING_CIPHER_OLD_KEYS must be base64 keys of 32 bytes, comma-separated", e);
            }
          }
        }
        cipher = ring.build();
        builder.cipher(cipher);
      }

      // One relay pool for every Nostr conversation: the DMs and each NWC session share its
      // connections (one per relay URL), its idle closing and its refusal of private addresses.
      List<String> relays =
          env.get("NOSTR_RELAYS") == null
              ? List.of()
              : Arrays.stream(env.get("NOSTR_RELAYS").split(","))
                  .map(String::strip)
                  .filter(s -> !s.isEmpty())
                  .toList();
      RelayClient relayPool;
      try {
        RelayClient.Builder relayPoolBuilder = RelayClient.builder().relays(relays);
        // The service wallet's relays are the operator's own, not a tenant's: trusted.
        String service = env.get("BILLING_SERVICE_NWC_URI");
        if (service != null && !service.isBlank()) {
          try {
            NwcUri.parse(service)
                .relays()
                .forEach(r -> relayPoolBuilder.trustedRelay(r.toString()));
          } catch (InvalidInputException e) {
            // Told below, with the service URI's own message.
          }
        }
        relayPool = relayPoolBuilder.build();
      } catch (InvalidInputException | IllegalArgumentException e) {
        throw new ConfigurationException(
            "NOSTR_RELAYS must be comma-separated ws:// or wss:// URLs: " + e.getMessage(), e);
      }
      resources.push(relayPool);

      // Lightning: the service wallet makes and checks invoices; the connector opens each
      // tenant's wallet from its (sealed) NWC URI; the rate turns cents into msats.
      String serviceUri = env.get("BILLING_SERVICE_NWC_URI");
      if (serviceUri != null && !serviceUri.isBlank()) {
        if (cipher == null) {
          throw new ConfigurationException(
              "BILLING_SERVICE_NWC_URI needs BILLING_CIPHER_KEY, to seal tenants' NWC URIs");
        }
        NwcUri uri;
        try {
          uri = NwcUri.parse(serviceUri);
        } catch (InvalidInputException e) {
          // NwcUri's message never echoes the URI, which carries a secret.
          throw new ConfigurationException(
              "BILLING_SERVICE_NWC_URI is not a valid NWC URI: " + e.getMessage(), e);
        }
        NwcWallet serviceWallet = NwcWallet.builder(uri).relayPool(relayPool).build();
        resources.push(serviceWallet);
        NwcWalletConnector connector = NwcWalletConnector.builder().relayPool(relayPool).build();
        resources.push(connector);
        builder
            .serviceWallet(serviceWallet)
            .walletConnector(connector)
            .exchangeRates(exchangeRates(env));
      }

      // The saved-card rail.
      String stripeKey = env.get("STRIPE_SECRET_KEY");
      if (stripeKey != null && !stripeKey.isBlank()) {
        try {
          builder.paymentGateway(StripeGateway.builder().apiKey(stripeKey.strip()).build());
        } catch (InvalidInputException e) {
          throw new ConfigurationException("STRIPE_SECRET_KEY: " + e.getMessage(), e);
        }
      }

      // DMs asking tenants to pay by hand: NIP-17 to each tenant's inbox relays (kind 10050),
      // else through the configured relays.
      String nostrKey = env.get("NOSTR_SECRET_KEY");
      if (nostrKey != null && !nostrKey.isBlank()) {
        NostrKeys keys;
        try {
          keys = NostrKeys.parse(nostrKey.strip());
        } catch (InvalidInputException e) {
          throw new ConfigurationException(
              "NOSTR_SECRET_KEY must be an nsec1... or 64 hex characters", e);
        }
        if (relays.isEmpty()) {
          throw new ConfigurationException("NOSTR_RELAYS is required");
        }
        relayPool.connect();
        builder.messenger(
            NostrMessenger.builder(keys, relayPool).fallbackToConfiguredRelays(true).build());
      }

      Billing billing = builder.build();
      resources.push(billing); // closed first: stops the poll before the rails and the pool go
      return new ProductionWiring(billing, resources);
    } catch (RuntimeException e) {
      closeAll(resources);
      if (e instanceof ConfigurationException) {
        throw e;
      }
      throw new ConfigurationException("wiring failed: " + Main.describe(e), e);
    }
  }

  /** The engine: record activity, save tenants, generate and collect invoices. */
  public Billing billing() {
    return billing;
  }

  /** Starts the poll (S12): a cycle now, then one every {@code BILLING_POLL_INTERVAL}. */
  public void start() {
    billing.start();
  }

  /** Stops the poll (letting a cycle finish), then closes the rails and the pool. */
  @Override
  public void close() {
    closeAll(resources);
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      AutoCloseable resource = resources.pop();
      try {
        resource.close();
      } catch (Exception e) {
        LOG.log(
            Level.WARNING,
            "closing {0} failed: {1}",
            resource.getClass().getSimpleName(),
            Main.describe(e));
      }
    }
  }

  /** Polls until the process is stopped (SIGTERM, Ctrl-C). */
  public static void main(String[] args) throws InterruptedException {
    ProductionWiring wiring;
    try {
      wiring = fromEnvironment();
    } catch (ConfigurationException e) {
      System.err.println("billing: " + e.getMessage());
      System.exit(Main.BAD_INPUT);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  wiring.close();
                  stopped.countDown();
                },
                "caravel-billing-shutdown"));
    wiring.start();
    System.err.println("billing: polling; stop with Ctrl-C or SIGTERM");
    stopped.await();
  }

  // ---- reading the environment ----

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new ConfigurationException(name + " is required");
    }
    return value.strip();
  }

  private static Optional<String> optional(Map<String, String> env, String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  private static int integer(Map<String, String> env, String name, int defaultValue) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(value.strip());
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigurationException(
          name + " must be a positive whole number, got \"" + value + "\"");
    }
  }

  private static Duration duration(Map<String, String> env, String name, Duration defaultValue) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    try {
      Duration d = Duration.parse(value.strip());
      if (d.isNegative() || d.isZero()) {
        throw new ConfigurationException(name + " must be positive, got " + value);
      }
      return d;
    } catch (DateTimeParseException e) {
      throw new ConfigurationException(
          name + " must be an ISO-8601 duration like PT1H or PT15M, got \"" + value + "\"");
    }
  }

  private static PlanCatalogue plans(String file) {
    try {
      return ReplayInput.readPlans(Path.of(file), file);
    } catch (BadInputException e) {
      throw new ConfigurationException("BILLING_PLANS_FILE: " + e.getMessage(), e);
    } catch (InvalidPathException e) {
      throw new ConfigurationException("BILLING_PLANS_FILE is not a valid path", e);
    }
  }

  private static ExchangeRates exchangeRates(Map<String, String> env) {
    String source =
        optional(env, "BILLING_EXCHANGE_RATES").orElse("coinbase").toLowerCase(Locale.ROOT);
    return switch (source) {
      case "coinbase" -> HttpExchangeRates.builder().coinbase().build();
      case "coingecko" -> HttpExchangeRates.builder().coinGecko().build();
      case "kraken" -> HttpExchangeRates.builder().kraken().build();
      default ->
          throw new ConfigurationException(
              "BILLING_EXCHANGE_RATES must be coinbase, coingecko or kraken, got \""
                  + source
                  + "\"");
    };
  }

  /** A missing or malformed setting; the message names the variable, never a secret's value. */
  public static final class ConfigurationException extends RuntimeException {
    ConfigurationException(String message) {
      super(message);
    }

    ConfigurationException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** What a host would send to its metrics, audit log or support inbox; here, the log. */
  private static final class LoggingListener implements BillingListener {
    @Override
    public void invoiceCreated(Invoice invoice) {
      LOG.log(
          Level.INFO,
          "invoice {0} for {1}: {2}",
          invoice.id(),
          invoice.tenant(),
          Money.format(invoice.total(), invoice.currency()));
    }

    @Override
    public void paymentSucceeded(Invoice invoice, Payment payment) {
      LOG.log(
          Level.INFO,
          "invoice {0} paid by {1} ({2})",
          invoice.id(),
          payment.method().wireName(),
          payment.reference());
    }

    @Override
    public void paymentFailed(Invoice invoice, Rail rail, String error) {
      LOG.log(Level.WARNING, "invoice {0}: {1} failed: {2}", invoice.id(), rail.wireName(), error);
    }

    @Override
    public void paymentPending(Invoice invoice, String reference) {
      LOG.log(
          Level.INFO,
          "invoice {0}: card payment {1} pending; settle it from Stripe's webhook",
          invoice.id(),
          reference);
    }

    @Override
    public void directMessageFailed(Invoice invoice, String error) {
      LOG.log(
          Level.WARNING,
          "invoice {0}: the payment DM could not be delivered: {1}",
          invoice.id(),
          error);
    }
  }
}
