package dev.caravel.billing.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.CycleReport;
import dev.caravel.billing.ExchangeRates;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.SecretCipher;
import dev.caravel.billing.jdbc.JdbcRepository;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.micrometer.BillingMetrics;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.NostrMessenger;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nwc.NwcWallet;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.stripe.StripeGateway;
import dev.caravel.billing.stripe.StripeWebhooks;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

class CaravelBillingAutoConfigurationTest {
  static final String LINK_SECRET = "dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==";

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final String CIPHER_KEY = Base64.getEncoder().encodeToString(new byte[32]);
  private static final String TENANT = "a".repeat(64);

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DataSourceAutoConfiguration.class,
                  FlywayAutoConfiguration.class,
                  CaravelBillingAutoConfiguration.class,
                  CaravelBillingMetricsAutoConfiguration.class,
                  CaravelBillingHealthAutoConfiguration.class))
          .withPropertyValues(
              "spring.datasource.url=jdbc:h2:mem:starter"
                  + DATABASES.incrementAndGet()
                  + ";DB_CLOSE_DELAY=-1",
              "spring.flyway.enabled=false",
              "caravel.billing.app-url=https://relays.example",
              "caravel.billing.link-secret=" + LINK_SECRET,
              "caravel.billing.plans[0].id=basic",
              "caravel.billing.plans[0].name=Basic",
              "caravel.billing.plans[0].price=500",
              "caravel.billing.poll.enabled=false");

  private ApplicationContextRunner fresh() {
    // each context its own in-memory database
    return runner.withPropertyValues(
        "spring.datasource.url=jdbc:h2:mem:starter"
            + DATABASES.incrementAndGet()
            + ";DB_CLOSE_DELAY=-1");
  }

  @Test
  void aPlanMayBillEveryFewMonthsAndAnIntervalItCannotHaveStopsTheStart() {
    fresh()
        .withPropertyValues(
            "caravel.billing.plans[1].id=yearly",
            "caravel.billing.plans[1].name=Yearly",
            "caravel.billing.plans[1].price=5000",
            "caravel.billing.plans[1].interval-months=12")
        .run(
            context -> {
              PlanCatalogue catalogue = context.getBean(PlanCatalogue.class);
              assertThat(catalogue.find("yearly").orElseThrow().intervalMonths()).isEqualTo(12);
              assertThat(catalogue.find("basic").orElseThrow().intervalMonths())
                  .as("monthly unless said")
                  .isEqualTo(1);
            });
    fresh()
        .withPropertyValues("caravel.billing.plans[0].interval-months=5")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("plan basic's interval"));
  }

  @Test
  void theDataSourceBecomesAMigratedJdbcLedgerAndTheEngineBillsOnIt() {
    fresh()
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(Repository.class)).isInstanceOf(JdbcRepository.class);
              // Flyway is on this class path: billing's own Flyway, though the host's is off.
              assertThat(context.getBean(BillingSchema.class).migratedBy())
                  .isEqualTo(BillingSchema.FLYWAY);
              assertThat(context).doesNotHaveBean(Flyway.class);
              assertThat(context.getBean(PlanCatalogue.class).find("basic").orElseThrow().amount())
                  .isEqualTo(500);
              Billing billing = context.getBean(Billing.class);
              billing.record(
                  Activity.create(
                      "evt-1",
                      TENANT,
                      "relay-1",
                      "basic",
                      Instant.now().truncatedTo(ChronoUnit.SECONDS)));
              assertThat(billing.generateInvoice(TENANT).orElseThrow().total()).isEqualTo(500);
              // No rail key set: no rail.
              assertThat(context).doesNotHaveBean(PaymentGateway.class);
              assertThat(context).doesNotHaveBean(NwcWallet.class);
              assertThat(context).doesNotHaveBean(Messenger.class);
              assertThat(context).doesNotHaveBean(RelayClient.class);
              assertThat(context).doesNotHaveBean(StripeWebhooks.class);
            });
  }

  @Test
  void besideTheHostsFlywayBillingKeepsAHistoryOfItsOwnAndTheBuiltInMigratorStaysOut() {
    fresh()
        .withPropertyValues("spring.flyway.enabled=true")
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(Flyway.class);
              assertThat(context.getBean(BillingSchema.class).migratedBy())
                  .isEqualTo(BillingSchema.FLYWAY);
              DataSource ds = context.getBean(DataSource.class);
              assertThat(tableExists(ds, "flyway_schema_history")).isTrue();
              assertThat(tableExists(ds, "host_account")).isTrue();
              assertThat(tableExists(ds, JdbcRepository.SCHEMA_HISTORY_TABLE)).isTrue();
              assertThat(tableExists(ds, "billing_invoice")).isTrue();
              assertThat(tableExists(ds, "billing_schema_version")).isFalse();
            });
  }

  @Test
  void withoutFlywayOnTheClassPathTheBuiltInMigratorRuns() {
    fresh()
        .withPropertyValues("spring.flyway.enabled=true")
        .withClassLoader(new FilteredClassLoader(Flyway.class))
        .run(
            context -> {
              assertThat(context).hasNotFailed().doesNotHaveBean("flyway");
              assertThat(context.getBean(BillingSchema.class).migratedBy())
                  .isEqualTo(BillingSchema.BUILT_IN);
              DataSource ds = context.getBean(DataSource.class);
              assertThat(tableExists(ds, JdbcRepository.SCHEMA_HISTORY_TABLE)).isTrue();
              assertThat(tableExists(ds, "billing_invoice")).isTrue();
            });
  }

  @Test
  void stripeIsOnWithItsSecretKeyAndTheWebhookWithItsSigningSecret() {
    fresh()
        .withPropertyValues(
            "caravel.billing.stripe.secret-key=sk_test_123",
            "caravel.billing.stripe.webhook-secret=whsec_test")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(PaymentGateway.class)).isInstanceOf(StripeGateway.class);
              assertThat(context).hasSingleBean(StripeWebhooks.class);
            });
  }

  /**
   * S25 (issue 23): a plan below Stripe's 50-cent minimum no longer stops the start; a card-only
   * tenant's invoice of it is carried to the next one instead of being charged (nothing is sent).
   */
  @Test
  void aPlanBelowStripesMinimumStartsAndItsCardOnlyInvoiceIsCarried() {
    fresh()
        .withPropertyValues(
            "caravel.billing.stripe.secret-key=sk_test_123",
            "caravel.billing.plans[1].id=tiny",
            "caravel.billing.plans[1].name=Tiny",
            "caravel.billing.plans[1].price=10")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              Billing billing = context.getBean(Billing.class);
              billing.saveTenant(TENANT, null, "cus_test");
              Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
              billing.record(Activity.create("tiny-1", TENANT, "r1", "tiny", now));
              assertThat(billing.generateInvoice(TENANT).orElseThrow().status())
                  .isEqualTo(dev.caravel.billing.Invoice.Status.CARRIED);
              assertThat(billing.unbilledBalance(TENANT)).isEqualTo(10);
            });
  }

  @Test
  void theWebhookBodyCapCoversTheWebhookPathAndIsConfigurable() {
    WebApplicationContextRunner web =
        new WebApplicationContextRunner()
            .withConfiguration(
                AutoConfigurations.of(
                    DataSourceAutoConfiguration.class, CaravelBillingAutoConfiguration.class))
            .withPropertyValues(
                "spring.datasource.url=jdbc:h2:mem:starter"
                    + DATABASES.incrementAndGet()
                    + ";DB_CLOSE_DELAY=-1",
                "caravel.billing.app-url=https://relays.example",
                "caravel.billing.link-secret=" + LINK_SECRET,
                "caravel.billing.plans[0].id=basic",
                "caravel.billing.plans[0].name=Basic",
                "caravel.billing.plans[0].price=500",
                "caravel.billing.poll.enabled=false",
                "caravel.billing.stripe.webhook-secret=whsec_test");
    web.run(
        context -> {
          FilterRegistrationBean<?> cap = bodyCap(context);
          assertThat(((WebhookBodyLimitFilter) cap.getFilter()).maxBytes()).isEqualTo(1024 * 1024);
          assertThat(cap.getUrlPatterns()).containsExactly("/caravel/stripe/webhook");
          assertThat(cap.getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE);
        });
    web.withPropertyValues(
            "caravel.billing.stripe.webhook-max-body=64KB",
            "caravel.billing.stripe.webhook-path=hooks/stripe")
        .run(
            context -> {
              FilterRegistrationBean<?> cap = bodyCap(context);
              assertThat(((WebhookBodyLimitFilter) cap.getFilter()).maxBytes())
                  .isEqualTo(64 * 1024);
              assertThat(cap.getUrlPatterns()).containsExactly("/hooks/stripe");
            });
    web.withPropertyValues("caravel.billing.stripe.webhook-max-body=0B")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("caravel.billing.stripe.webhook-max-body"));
  }

  private static FilterRegistrationBean<?> bodyCap(AssertableWebApplicationContext context) {
    assertThat(context).hasNotFailed();
    return context.getBean("caravelStripeWebhookBodyLimit", FilterRegistrationBean.class);
  }

  @Test
  void theCipherIsARingOfTheCurrentKeyAndTheOldOnes() {
    byte[] oldKey = new byte[32];
    oldKey[0] = 1;
    String uri = "nostr+walletconnect://" + "1".repeat(64) + "?secret=" + "2".repeat(64);
    String sealedUnderTheOldKey = SecretCipher.aesGcm(oldKey).seal(TENANT, uri);
    String currentId = SecretCipher.aesGcm(CIPHER_KEY).sealingKeyId().orElseThrow();
    fresh()
        .withPropertyValues(
            "caravel.billing.cipher-key=" + CIPHER_KEY,
            "caravel.billing.cipher-old-keys=" + Base64.getEncoder().encodeToString(oldKey))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              SecretCipher cipher = context.getBean(SecretCipher.class);
              assertThat(cipher.open(TENANT, sealedUnderTheOldKey)).isEqualTo(uri);
              assertThat(cipher.seal(TENANT, uri)).startsWith("v2:" + currentId + ":");
              assertThat(cipher.toString()).contains("and 0.1/0.2 values");
            });
    fresh()
        .withPropertyValues(
            "caravel.billing.cipher-key=" + CIPHER_KEY,
            "caravel.billing.cipher-refuse-legacy-values=true")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(SecretCipher.class).toString())
                  .contains("refuses 0.1/0.2 values");
              assertThatThrownBy(
                      () -> context.getBean(SecretCipher.class).open(TENANT, sealedUnderTheOldKey))
                  .isInstanceOf(InvalidInputException.class)
                  .hasMessageContaining("not in this cipher's ring");
            });
  }

  @Test
  void lightningIsOnWithTheServiceWalletUri() {
    String uri =
        "nostr+walletconnect://"
            + NostrKeys.parse("0".repeat(63) + "2").publicKeyHex()
            + "?relay=ws%3A%2F%2F127.0.0.1%3A9&secret="
            + "0".repeat(63)
            + "3";
    fresh()
        .withPropertyValues(
            "caravel.billing.nwc.service-uri=" + uri,
            "caravel.billing.cipher-key=" + CIPHER_KEY,
            "caravel.billing.exchange-rates.source=kraken")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(CaravelBillingAutoConfiguration.SERVICE_WALLET))
                  .isInstanceOf(NwcWallet.class);
              assertThat(context).hasSingleBean(WalletConnector.class);
              assertThat(context).hasSingleBean(ExchangeRates.class);
              assertThat(context).hasSingleBean(RelayClient.class);
              assertThat(context).doesNotHaveBean(Messenger.class);
            });
  }

  @Test
  void lightningWithoutACipherKeyFailsAtStart() {
    String uri =
        "nostr+walletconnect://"
            + NostrKeys.parse("0".repeat(63) + "2").publicKeyHex()
            + "?relay=ws%3A%2F%2F127.0.0.1%3A9&secret="
            + "0".repeat(63)
            + "3";
    fresh()
        .withPropertyValues("caravel.billing.nwc.service-uri=" + uri)
        .run(
            context ->
                assertThat(context)
                    .hasFailed()
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("cipher"));
  }

  @Test
  void dmsAreOnWithTheNostrKeyAndRelays() {
    fresh()
        .withPropertyValues(
            "caravel.billing.nostr.secret-key=" + "0".repeat(63) + "1",
            "caravel.billing.nostr.relays=ws://127.0.0.1:9")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(Messenger.class)).isInstanceOf(NostrMessenger.class);
              assertThat(context).hasSingleBean(RelayClient.class);
              assertThat(context).doesNotHaveBean(WalletConnector.class);
            });
  }

  /** Issue 22: a DM's link is a capability only with a secret, so a messenger needs one. */
  @Test
  void dmsWithoutALinkSecretFailAtStartNamingTheProperty() {
    fresh()
        .withPropertyValues(
            "caravel.billing.link-secret=",
            "caravel.billing.nostr.secret-key=" + "0".repeat(63) + "1",
            "caravel.billing.nostr.relays=ws://127.0.0.1:9")
        .run(
            context ->
                assertThat(context)
                    .hasFailed()
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("caravel.billing.link-secret"));
  }

  @Test
  void theLinkSecretMakesTheLinksAndOldLinksOpenOnlyInTheConfiguredTransition() {
    fresh()
        .withPropertyValues("caravel.billing.untokenized-links-until=2999-01-01T00:00:00Z")
        .run(
            context -> {
              Billing billing = context.getBean(Billing.class);
              String tenant = "b".repeat(64);
              billing.record(
                  Activity.create(
                      "l1",
                      tenant,
                      "r1",
                      "basic",
                      java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
              String id = billing.generateInvoice(tenant).orElseThrow().id();
              String link = billing.invoiceLink(id);
              assertThat(link)
                  .startsWith("https://relays.example/account?invoice=" + id + "&token=");
              String token = link.substring(link.indexOf("&token=") + 7);
              assertThat(billing.invoiceByLink(id, token)).isPresent();
              assertThat(billing.invoiceByLink(id, null)).as("inside the transition").isPresent();
            });
    fresh()
        .run(
            context -> {
              Billing billing = context.getBean(Billing.class);
              String tenant = "c".repeat(64);
              billing.record(
                  Activity.create(
                      "l2",
                      tenant,
                      "r1",
                      "basic",
                      java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
              String id = billing.generateInvoice(tenant).orElseThrow().id();
              assertThat(billing.invoiceByLink(id, null)).as("no transition by default").isEmpty();
            });
  }

  @Test
  void dmsWithoutRelaysFailAtStartNamingTheProperty() {
    fresh()
        .withPropertyValues("caravel.billing.nostr.secret-key=" + "0".repeat(63) + "1")
        .run(
            context ->
                assertThat(context)
                    .hasFailed()
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("caravel.billing.nostr.relays"));
  }

  @Test
  void aHostReplacesAnyPiece() {
    fresh()
        .withPropertyValues("caravel.billing.stripe.secret-key=sk_test_123")
        .withUserConfiguration(HostPieces.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(Repository.class)).isSameAs(HostPieces.REPOSITORY);
              assertThat(context.getBean(PaymentGateway.class)).isSameAs(HostPieces.GATEWAY);
              assertThat(context.getBean(PlanCatalogue.class).find("pro")).isPresent();
              // The engine is built on the host's pieces: it bills on the host's repository.
              Billing billing = context.getBean(Billing.class);
              billing.record(
                  Activity.create(
                      "evt-1",
                      TENANT,
                      "relay-1",
                      "pro",
                      Instant.now().truncatedTo(ChronoUnit.SECONDS)));
              assertThat(HostPieces.REPOSITORY.invoices(TENANT)).isEmpty();
              billing.generateInvoice(TENANT);
              assertThat(HostPieces.REPOSITORY.invoices(TENANT)).hasSize(1);
            });
    fresh()
        .withUserConfiguration(HostBilling.class)
        .run(context -> assertThat(context.getBean(Billing.class)).isSameAs(HostBilling.BILLING));
  }

  @Test
  void metricsWhenAMeterRegistryExists() {
    fresh()
        .withUserConfiguration(Registry.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(BillingMetrics.class);
              Billing billing = context.getBean(Billing.class);
              billing.record(
                  Activity.create(
                      "evt-1",
                      TENANT,
                      "relay-1",
                      "basic",
                      Instant.now().truncatedTo(ChronoUnit.SECONDS)));
              billing.generateInvoice(TENANT);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              assertThat(registry.get(BillingMetrics.INVOICES_CREATED).counter().count())
                  .isEqualTo(1);
            });
    fresh().run(context -> assertThat(context).doesNotHaveBean(BillingMetrics.class));
  }

  @Test
  void thePollFollowsTheApplicationAndFeedsTheHealthIndicator() {
    fresh()
        .withPropertyValues("caravel.billing.poll.enabled=true")
        .withUserConfiguration(Registry.class)
        .run(
            context -> {
              BillingPoll poll = context.getBean(BillingPoll.class);
              assertThat(poll.isRunning()).isTrue();
              BillingStatus status = context.getBean(BillingStatus.class);
              // The first scheduled cycle runs at start, the next one an hour later: wait for the
              // first, then run one by hand, alone.
              assertThat(firstCycleRan(status)).as("the poll's first cycle ran").isTrue();
              assertThat(status.lastCycleCounts()).contains(new CycleReport.Counts(0, 0, 0, 0, 0));
              Billing billing = context.getBean(Billing.class);
              billing.record(
                  Activity.create(
                      "evt-1",
                      TENANT,
                      "relay-1",
                      "basic",
                      Instant.now().truncatedTo(ChronoUnit.SECONDS)));

              poll.runCycle();

              // The engine's counting cycle: one tenant, one invoice, one unpaid result (no rail).
              assertThat(status.lastCycleCounts()).contains(new CycleReport.Counts(1, 1, 1, 0, 0));
              assertThat(billing.invoices(TENANT)).hasSize(1);
              HealthIndicator health = context.getBean(BillingHealthIndicator.class);
              var report = health.health();
              assertThat(report.getStatus()).isEqualTo(Status.UP);
              assertThat(report.getDetails())
                  .containsEntry("lastCycleFailures", 0)
                  .containsEntry("lastCycleTenants", 1)
                  .containsEntry("lastCycleInvoices", 1)
                  .containsEntry("lastCyclePayments", 1)
                  .containsEntry("lastCyclePaid", 0)
                  .containsEntry("cycles", 2L)
                  .containsKey("lastCycle");
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              // Both cycles timed through the metrics, as count cycles without failures.
              assertThat(registry.get(BillingMetrics.CYCLES).tag("outcome", "ok").timer().count())
                  .isEqualTo(2);
              assertThat(registry.get(BillingMetrics.CYCLE_FAILURES).counter().count()).isZero();
              context.close();
              assertThat(poll.isRunning()).isFalse();
            });
  }

  /** Whether the scheduled first cycle finished within a deadline (which only stops a hang). */
  private static boolean firstCycleRan(BillingStatus status) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (status.cycles() > 0) {
        return true;
      }
      Thread.onSpinWait();
      Thread.yield();
    }
    return false;
  }

  @Test
  void withoutActuatorNoHealthIndicator() {
    fresh()
        .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(BillingHealthIndicator.class);
            });
  }

  @Test
  void offWhenDisabled() {
    fresh()
        .withPropertyValues("caravel.billing.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(Billing.class));
  }

  @Test
  void configurationMetadataIsGeneratedForIdes() throws Exception {
    try (var in =
        getClass()
            .getClassLoader()
            .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
      assertThat(in).isNotNull();
      String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(json)
          .contains(
              "\"caravel.billing.stripe.webhook-path\"",
              "\"caravel.billing.stripe.webhook-max-body\"",
              "\"caravel.billing.nwc.service-uri\"",
              "\"caravel.billing.nostr.relays\"",
              "\"caravel.billing.plans\"",
              "\"defaultValue\": \"\\/caravel\\/stripe\\/webhook\"");
    }
  }

  private static boolean tableExists(DataSource ds, String table) throws SQLException {
    try (Connection c = ds.getConnection();
        ResultSet rs =
            c.getMetaData().getTables(null, null, table.toUpperCase(), new String[] {"TABLE"})) {
      if (rs.next()) {
        return true;
      }
    }
    try (Connection c = ds.getConnection();
        ResultSet rs = c.getMetaData().getTables(null, null, table, new String[] {"TABLE"})) {
      return rs.next();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class HostPieces {
    static final InMemoryRepository REPOSITORY = new InMemoryRepository();
    static final PaymentGateway GATEWAY =
        new PaymentGateway() {
          @Override
          public Optional<String> savedPaymentMethod(String customerId) {
            return Optional.empty();
          }

          @Override
          public ChargeOutcome charge(ChargeRequest request) {
            return new ChargeOutcome.Declined("test", "declined");
          }
        };

    @Bean
    Repository hostRepository() {
      return REPOSITORY;
    }

    @Bean
    PaymentGateway hostGateway() {
      return GATEWAY;
    }

    @Bean
    PlanCatalogue hostCatalogue() {
      return PlanCatalogue.of(new Plan("pro", "Pro", 2000));
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class HostBilling {
    static final Billing BILLING =
        Billing.builder()
            .repository(new InMemoryRepository())
            .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
            .appUrl("https://host.example")
            .build();

    @Bean
    Billing hostBilling() {
      return BILLING;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Registry {
    @Bean
    MeterRegistry registry() {
      return new SimpleMeterRegistry();
    }
  }
}
