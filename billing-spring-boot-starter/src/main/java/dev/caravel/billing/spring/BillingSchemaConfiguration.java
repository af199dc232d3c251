package dev.caravel.billing.spring;

import dev.caravel.billing.jdbc.JdbcRepository;
import dev.caravel.billing.spi.Repository;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AbstractDependsOnBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationInitializer;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The ledger on the application's DataSource: its schema brought up to date, then the repository.
 * Billing's scripts run from a folder of their own into a history table of their own ({@link
 * JdbcRepository#SCHEMA_HISTORY_TABLE}): through a Flyway of billing's own when Flyway is on the
 * class path, through the built-in migrator otherwise ({@code caravel.billing.jdbc.migration}).
 * Either runs after the host's own database initializers (its Flyway among them), whose scripts and
 * history it never meets.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnSingleCandidate(DataSource.class)
class BillingSchemaConfiguration {

  /** Flyway on the class path: {@code auto} means billing's own Flyway. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(Flyway.class)
  static class ByFlyway {
    @Bean
    @ConditionalOnMissingBean
    @DependsOnDatabaseInitialization
    BillingSchema caravelBillingSchema(
        DataSource dataSource,
        CaravelBillingProperties properties,
        ObjectProvider<Flyway> hostsFlyway) {
      return switch (properties.getJdbc().getMigration()) {
        case NONE -> new BillingSchema(BillingSchema.NONE);
        case BUILT_IN -> builtIn(dataSource);
        case AUTO -> {
          BillingFlyway.migrate(dataSource, hostsFlyway.getIfUnique());
          yield new BillingSchema(BillingSchema.FLYWAY);
        }
      };
    }
  }

  /**
   * A database migrated under the earlier layout has billing's rows in the host's Flyway history,
   * where that Flyway, which no longer finds their scripts, would fail its validation on them. They
   * are taken over before it runs: Spring Boot's Flyway initializer waits for this bean.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({Flyway.class, FlywayMigrationInitializer.class})
  static class BeforeTheHostsFlyway {
    @Bean
    static HostsFlywayWaits caravelHostsFlywayWaitsForBillingsHistory() {
      return new HostsFlywayWaits();
    }

    @Bean
    @ConditionalOnBean(Flyway.class)
    BillingFlyway.EarlierHistoryTakenOver caravelBillingEarlierHistory(
        DataSource dataSource,
        ObjectProvider<Flyway> hostsFlyway,
        CaravelBillingProperties properties) {
      Flyway flyway = hostsFlyway.getIfUnique();
      String table = BillingFlyway.hostsTable(flyway);
      if (properties.getJdbc().getMigration() != CaravelBillingProperties.Migration.NONE) {
        if (flyway != null) {
          BillingFlyway.checkHostsLocations(flyway);
        }
        JdbcRepository.adoptEarlierHistory(dataSource, table);
      }
      return new BillingFlyway.EarlierHistoryTakenOver(table);
    }

    /** Makes every {@link FlywayMigrationInitializer} wait for the take-over, when there is one. */
    static class HostsFlywayWaits extends AbstractDependsOnBeanFactoryPostProcessor {
      HostsFlywayWaits() {
        super(FlywayMigrationInitializer.class, BillingFlyway.EarlierHistoryTakenOver.class);
      }
    }
  }

  /** No Flyway on the class path: {@code auto} means the built-in migrator. */
  @Bean
  @ConditionalOnMissingBean
  @DependsOnDatabaseInitialization
  BillingSchema caravelBillingSchema(DataSource dataSource, CaravelBillingProperties properties) {
    if (properties.getJdbc().getMigration() == CaravelBillingProperties.Migration.NONE) {
      return new BillingSchema(BillingSchema.NONE);
    }
    return builtIn(dataSource);
  }

  @Bean
  @ConditionalOnMissingBean
  @DependsOnDatabaseInitialization
  Repository caravelBillingRepository(DataSource dataSource, BillingSchema schema) {
    return new JdbcRepository(dataSource);
  }

  private static BillingSchema builtIn(DataSource dataSource) {
    JdbcRepository.migrate(dataSource);
    return new BillingSchema(BillingSchema.BUILT_IN);
  }
}
