package dev.caravel.billing.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A host that wires no payment rail and no messenger is told so (issue 26): one WARN at start, the
 * engine's, with the starter's properties that fix it at INFO, and the health details. A host with
 * any way to reach tenants is not.
 */
class NoRailWarningTest {
  static final String LINK_SECRET = "dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==";

  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DataSourceAutoConfiguration.class,
                  CaravelBillingAutoConfiguration.class,
                  CaravelBillingHealthAutoConfiguration.class))
          .withPropertyValues(
              "caravel.billing.app-url=https://relays.example",
              "caravel.billing.link-secret=" + LINK_SECRET,
              "caravel.billing.plans[0].id=basic",
              "caravel.billing.plans[0].name=Basic",
              "caravel.billing.plans[0].price=500",
              "caravel.billing.poll.enabled=false");

  /**
   * The starter and the engine log through System.Logger, which is java.util.logging here; both
   * loggers held strongly.
   */
  private final List<Logger> logs =
      List.of(
          Logger.getLogger(CaravelBillingAutoConfiguration.class.getName()),
          Logger.getLogger(dev.caravel.billing.Billing.class.getName()));

  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void listen() {
    logs.forEach(l -> l.addHandler(capture));
  }

  @AfterEach
  void stopListening() {
    logs.forEach(l -> l.removeHandler(capture));
  }

  private ApplicationContextRunner fresh() {
    return runner.withPropertyValues(
        "spring.datasource.url=jdbc:h2:mem:norail"
            + DATABASES.incrementAndGet()
            + ";DB_CLOSE_DELAY=-1");
  }

  @Test
  void aHostWithNoRailAndNoMessengerGetsOneWarningAndThePropertiesThatFixItAndHealthShowsIt() {
    fresh()
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(BillingRails.class).none()).isTrue();
              List<LogRecord> warnings = warnings();
              assertThat(warnings).as("one warning, the engine's").hasSize(1);
              assertThat(warnings.get(0).getMessage())
                  .contains("billing has no payment rail and no messenger");
              List<LogRecord> fix =
                  records.stream()
                      .filter(r -> r.getLevel() == Level.INFO)
                      .filter(r -> r.getMessage().contains("no payment rail"))
                      .toList();
              assertThat(fix).hasSize(1);
              assertThat(fix.get(0).getMessage())
                  .contains("no payment rail (no Lightning, no card) and no messenger")
                  .contains("caravel.billing.nwc.service-uri")
                  .contains("caravel.billing.stripe.secret-key")
                  .contains("caravel.billing.nostr.secret-key");
              Health health = context.getBean(BillingHealthIndicator.class).health();
              assertThat(health.getDetails())
                  .containsEntry("rails", List.of())
                  .containsEntry("warning", BillingRails.NONE_WIRED);
            });
  }

  @Test
  void aCardAloneIsAWayToReachTenants() {
    fresh()
        .withPropertyValues("caravel.billing.stripe.secret-key=sk_test_123")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(BillingRails.class))
                  .isEqualTo(new BillingRails(false, true, false));
              assertThat(warnings()).isEmpty();
              Health health = context.getBean(BillingHealthIndicator.class).health();
              assertThat(health.getDetails())
                  .containsEntry("rails", List.of("card"))
                  .doesNotContainKey("warning");
            });
  }

  @Test
  void aMessengerAloneIsAWayToReachTenants() {
    fresh()
        .withPropertyValues(
            "caravel.billing.nostr.secret-key=" + "0".repeat(63) + "1",
            "caravel.billing.nostr.relays=ws://127.0.0.1:9")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(BillingRails.class).wired()).containsExactly("messenger");
              assertThat(warnings()).isEmpty();
            });
  }

  private List<LogRecord> warnings() {
    return records.stream()
        .filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
        .toList();
  }
}
