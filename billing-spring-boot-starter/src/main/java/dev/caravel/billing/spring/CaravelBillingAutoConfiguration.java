package dev.caravel.billing.spring;

import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingBuilder;
import dev.caravel.billing.BillingListener;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.LightningWallet;
import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.SecretCipher;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.NostrMessenger;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nwc.HttpExchangeRates;
import dev.caravel.billing.nwc.NwcUri;
import dev.caravel.billing.nwc.NwcWallet;
import dev.caravel.billing.nwc.NwcWalletConnector;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.stripe.StripeGateway;
import dev.caravel.billing.stripe.StripeWebhookVerifier;
import dev.caravel.billing.stripe.StripeWebhooks;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.util.StringUtils;

/**
 * Caravel Billing from {@code caravel.billing.*}: the ledger on the application's DataSource
 * ({@code BillingSchemaConfiguration}), the rails whose keys are set, the engine, and its poll as
 * part of the application's lifecycle. Every bean is {@link ConditionalOnMissingBean}: declare your
 * own to replace any piece.
 */
@AutoConfiguration(after = {DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class})
@ConditionalOnClass(Billing.class)
@ConditionalOnProperty(
    prefix = "caravel.billing",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
@EnableConfigurationProperties(CaravelBillingProperties.class)
@Import(BillingSchemaConfiguration.class)
public class CaravelBillingAutoConfiguration {
  /** The service wallet's bean name (a host's tenant wallets are not beans). */
  public static final String SERVICE_WALLET = "caravelServiceWallet";

  private static final System.Logger LOG =
      System.getLogger(CaravelBillingAutoConfiguration.class.getName());

  @Bean
  @ConditionalOnMissingBean(name = "caravelBillingClock")
  Clock caravelBillingClock() {
    return Clock.systemUTC();
  }

  @Bean
  @ConditionalOnMissingBean
  PlanCatalogue caravelBillingCatalogue(CaravelBillingProperties properties) {
    List<CaravelBillingProperties.PlanProperties> plans = properties.getPlans();
    if (plans.isEmpty()) {
      throw new IllegalStateException(
          "caravel.billing.plans is empty: give at least one plan (id, name, price), "
              + "or declare a PlanCatalogue bean");
    }
    return PlanCatalogue.of(
        properties.getCurrency(),
        plans.stream()
            .map(p -> new Plan(p.getId(), p.getName(), p.getPrice(), p.getIntervalMonths()))
            .toList());
  }

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(prefix = "caravel.billing", name = "cipher-key")
  SecretCipher caravelBillingCipher(CaravelBillingProperties properties) {
    SecretCipher.Keyring ring =
        SecretCipher.keyring().currentKey(properties.getCipherKey().strip());
    properties.getCipherOldKeys().forEach(old -> ring.oldKey(old.strip()));
    if (properties.isCipherRefuseLegacyValues()) {
      ring.refuseLegacyValues();
    }
    SecretCipher cipher = ring.build();
    // Key ids are not secret: they tell an operator which key seals, and which stored values
    // still name an old one.
    LOG.log(System.Logger.Level.INFO, "Caravel Billing: tenants'' secrets sealed by {0}", cipher);
    return cipher;
  }

  // ---- the Nostr relay pool, shared by the DMs and every NWC session ----

  @Bean
  @ConditionalOnMissingBean
  @Conditional(RelayPoolNeeded.class)
  RelayClient caravelRelayPool(CaravelBillingProperties properties) {
    RelayClient.Builder pool = RelayClient.builder().relays(properties.getNostr().getRelays());
    // The service wallet's relays are the host's own configuration, not a tenant's: they are
    // trusted (a dev setup may run one on ws://localhost), where tenants' relays are held to the
    // address rules.
    String serviceUri = properties.getNwc().getServiceUri();
    if (serviceUri != null && !serviceUri.isBlank()) {
      NwcUri.parse(serviceUri.strip()).relays().forEach(r -> pool.trustedRelay(r.toString()));
    }
    return pool.build();
  }

  /** DMs or Lightning: either needs the relay pool. */
  static class RelayPoolNeeded extends AnyNestedCondition {
    RelayPoolNeeded() {
      super(ConfigurationPhase.REGISTER_BEAN);
    }

    @ConditionalOnProperty(prefix = "caravel.billing.nostr", name = "secret-key")
    static class Dms {}

    @ConditionalOnProperty(prefix = "caravel.billing.nwc", name = "service-uri")
    static class Lightning {}
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "caravel.billing.nostr", name = "secret-key")
  static class Nostr {
    @Bean
    @ConditionalOnMissingBean
    Messenger caravelMessenger(CaravelBillingProperties properties, RelayClient relayPool) {
      if (properties.getNostr().getRelays().isEmpty()) {
        throw new IllegalStateException(
            "caravel.billing.nostr.relays is required with caravel.billing.nostr.secret-key");
      }
      NostrKeys keys = NostrKeys.parse(properties.getNostr().getSecretKey().strip());
      relayPool.connect();
      return NostrMessenger.builder(keys, relayPool).fallbackToConfiguredRelays(true).build();
    }
  }

  // ---- Lightning ----

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "caravel.billing.nwc", name = "service-uri")
  static class Lightning {
    @Bean(name = SERVICE_WALLET)
    @ConditionalOnMissingBean(name = SERVICE_WALLET)
    LightningWallet caravelServiceWallet(
        CaravelBillingProperties properties, RelayClient relayPool) {
      NwcUri uri = NwcUri.parse(properties.getNwc().getServiceUri().strip());
      return NwcWallet.builder(uri).relayPool(relayPool).build();
    }

    @Bean
    @ConditionalOnMissingBean
    WalletConnector caravelWalletConnector(RelayClient relayPool) {
      return NwcWalletConnector.builder().relayPool(relayPool).build();
    }

    @Bean
    @ConditionalOnMissingBean
    ExchangeRates caravelExchangeRates(CaravelBillingProperties properties) {
      return switch (properties.getExchangeRates().getSource()) {
        case COINBASE -> HttpExchangeRates.builder().coinbase().build();
        case COINGECKO -> HttpExchangeRates.builder().coinGecko().build();
        case KRAKEN -> HttpExchangeRates.builder().kraken().build();
      };
    }
  }

  // ---- cards ----

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "caravel.billing.stripe", name = "secret-key")
  static class Cards {
    @Bean
    @ConditionalOnMissingBean
    PaymentGateway caravelPaymentGateway(CaravelBillingProperties properties) {
      return StripeGateway.builder().apiKey(properties.getStripe().getSecretKey().strip()).build();
    }
  }

  // ---- what can reach a tenant ----

  /**
   * The rails the engine gets from this context. When there are none, the engine itself logs the
   * one WARN as it is built (a quiet ledger that asks nobody to pay is the costliest mistake to
   * find late); this adds, at INFO, the properties that wire one here, so a Spring host reads one
   * warning and its fix in its own terms rather than two warnings.
   */
  @Bean
  @ConditionalOnMissingBean
  BillingRails caravelBillingRails(
      ObjectProvider<PaymentGateway> gateway,
      @Qualifier(SERVICE_WALLET) ObjectProvider<LightningWallet> serviceWallet,
      ObjectProvider<Messenger> messenger) {
    BillingRails rails =
        new BillingRails(
            serviceWallet.getIfAvailable() != null,
            gateway.getIfAvailable() != null,
            messenger.getIfAvailable() != null);
    if (rails.none()) {
      LOG.log(System.Logger.Level.INFO, "Caravel Billing: " + BillingRails.NONE_WIRED);
    }
    return rails;
  }

  // ---- the engine ----

  @Bean
  @ConditionalOnMissingBean
  Billing caravelBilling(
      CaravelBillingProperties properties,
      ObjectProvider<Repository> repository,
      PlanCatalogue catalogue,
      @Qualifier("caravelBillingClock") Clock clock,
      ObjectProvider<PaymentGateway> gateway,
      @Qualifier(SERVICE_WALLET) ObjectProvider<LightningWallet> serviceWallet,
      ObjectProvider<WalletConnector> connector,
      ObjectProvider<ExchangeRates> rates,
      ObjectProvider<Messenger> messenger,
      ObjectProvider<SecretCipher> cipher,
      ObjectProvider<BillingListener> listeners,
      ObjectProvider<BillingMetricsHolder> metrics) {
    Repository ledger = repository.getIfAvailable(CaravelBillingAutoConfiguration::noRepository);
    if (!StringUtils.hasText(properties.getAppUrl())) {
      throw new IllegalStateException(
          "caravel.billing.app-url is required: payment DMs link to {app-url}/account?invoice={id}&token=...");
    }
    BillingMetricsHolder timing = metrics.getIfAvailable(BillingMetricsHolder::none);
    BillingBuilder builder =
        Billing.builder()
            .repository(ledger)
            .catalogue(catalogue)
            .clock(clock)
            .appUrl(properties.getAppUrl().strip())
            .retrySchedule(properties.getRetrySchedule())
            .pollInterval(properties.getPoll().getInterval())
            .collectionConcurrency(properties.getCollectionConcurrency())
            .listener(new CompositeBillingListener(listeners.orderedStream().toList()));
    if (StringUtils.hasText(properties.getInstanceId())) {
      builder.instanceId(properties.getInstanceId().strip());
    }
    gateway.ifAvailable(g -> builder.paymentGateway(timing.gateway(g)));
    serviceWallet.ifAvailable(builder::serviceWallet);
    connector.ifAvailable(c -> builder.walletConnector(timing.connector(c)));
    rates.ifAvailable(builder::exchangeRates);
    messenger.ifAvailable(m -> builder.messenger(timing.messenger(m)));
    if (StringUtils.hasText(properties.getLinkSecret())) {
      builder.linkSecret(properties.getLinkSecret());
    } else if (messenger.getIfAvailable() != null) {
      throw new IllegalStateException(
          "caravel.billing.link-secret is required with a messenger: the DM's invoice link carries"
              + " a token made with it (openssl rand -base64 32)");
    }
    if (properties.getUntokenizedLinksUntil() != null) {
      builder.acceptUntokenizedLinksUntil(properties.getUntokenizedLinksUntil());
    }
    cipher.ifAvailable(builder::cipher);
    return builder.build();
  }

  @Bean
  @ConditionalOnMissingBean
  BillingStatus caravelBillingStatus(
      CaravelBillingProperties properties,
      ObjectProvider<Repository> repository,
      @Qualifier("caravelBillingClock") Clock clock) {
    return new BillingStatus(
        repository.getIfAvailable(CaravelBillingAutoConfiguration::noRepository),
        clock,
        properties.getHealth().getOverdueAfter(),
        properties.getHealth().getBacklogLimit());
  }

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(
      prefix = "caravel.billing.poll",
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  BillingPoll caravelBillingPoll(
      CaravelBillingProperties properties,
      Billing billing,
      BillingStatus status,
      @Qualifier("caravelBillingClock") Clock clock,
      ObjectProvider<BillingMetricsHolder> metrics) {
    BillingMetricsHolder timing = metrics.getIfAvailable(BillingMetricsHolder::none);
    return new BillingPoll(
        billing, properties.getPoll().getInterval(), status, timing::cycle, clock);
  }

  // ---- the Stripe webhook endpoint ----

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "caravel.billing.stripe", name = "webhook-secret")
  static class Webhooks {
    @Bean
    @ConditionalOnMissingBean
    StripeWebhooks caravelStripeWebhooks(
        CaravelBillingProperties properties,
        Billing billing,
        @Qualifier("caravelBillingClock") Clock clock,
        ObjectProvider<PaymentGateway> gateway) {
      StripeWebhooks.Builder webhooks = StripeWebhooks.builder().billing(billing);
      // A card saved from the tenant's page lands by checkout.session.completed.
      if (gateway.getIfAvailable() instanceof StripeGateway stripe) {
        webhooks.cards(stripe.cards());
      }
      return webhooks
          .verifier(
              StripeWebhookVerifier.of(
                  properties.getStripe().getWebhookSecret().strip(),
                  properties.getStripe().getWebhookTolerance(),
                  clock))
          .build();
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "org.springframework.web.bind.annotation.RestController")
    static class Endpoint {
      @Bean
      @ConditionalOnMissingBean
      StripeWebhookController caravelStripeWebhookController(StripeWebhooks webhooks) {
        return new StripeWebhookController(webhooks);
      }

      /**
       * The body cap on the webhook's path, ahead of every other filter: nothing reads more of a
       * request than the cap, whichever controller serves the path.
       */
      @Bean
      FilterRegistrationBean<WebhookBodyLimitFilter> caravelStripeWebhookBodyLimit(
          CaravelBillingProperties properties) {
        CaravelBillingProperties.Stripe stripe = properties.getStripe();
        long maxBytes = stripe.getWebhookMaxBody().toBytes();
        if (maxBytes < 1 || maxBytes > WebhookBodyLimitFilter.LARGEST_CAP) {
          throw new IllegalStateException(
              "caravel.billing.stripe.webhook-max-body must be 1B to "
                  + WebhookBodyLimitFilter.LARGEST_CAP
                  + "B, not "
                  + stripe.getWebhookMaxBody());
        }
        FilterRegistrationBean<WebhookBodyLimitFilter> registration =
            new FilterRegistrationBean<>(new WebhookBodyLimitFilter(maxBytes));
        String path = stripe.getWebhookPath();
        // Spring MVC reads "hooks/stripe" as "/hooks/stripe"; a servlet URL pattern needs the '/'.
        registration.addUrlPatterns(path.startsWith("/") ? path : "/" + path);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
      }
    }
  }

  /**
   * The metrics when billing-micrometer and a MeterRegistry are present; otherwise nothing is
   * wrapped. Keeps Micrometer's classes out of the signatures above, so the starter runs without
   * it.
   */
  public interface BillingMetricsHolder {
    PaymentGateway gateway(PaymentGateway g);

    WalletConnector connector(WalletConnector c);

    Messenger messenger(Messenger m);

    /** Wraps the poll's cycle, {@code billing::countCycle}. */
    Supplier<CycleReport.Counts> cycle(Supplier<CycleReport.Counts> c);

    static BillingMetricsHolder none() {
      return new BillingMetricsHolder() {
        @Override
        public PaymentGateway gateway(PaymentGateway g) {
          return g;
        }

        @Override
        public WalletConnector connector(WalletConnector c) {
          return c;
        }

        @Override
        public Messenger messenger(Messenger m) {
          return m;
        }

        @Override
        public Supplier<CycleReport.Counts> cycle(Supplier<CycleReport.Counts> c) {
          return c;
        }
      };
    }
  }

  private static Repository noRepository() {
    throw new IllegalStateException(
        "Caravel Billing needs a DataSource (spring.datasource.*) or a Repository bean");
  }
}
