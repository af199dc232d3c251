package dev.caravel.billing.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.jdbc.JdbcRepository;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * A host application with Flyway of its own: its {@code V1__host_accounts.sql} in Spring's default
 * {@code classpath:db/migration}, and the starter beside it. Both schemas migrate, on H2 and on
 * PostgreSQL, each into its own history table; a restart applies nothing; a database the earlier
 * starter left (billing's scripts in the host's {@code flyway_schema_history}) upgrades in place.
 */
class HostFlywayTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final String TENANT = "c".repeat(64);

  /**
   * Billing's versions, from the scripts in billing-jdbc's jar: a new script needs no edit here.
   */
  private static final List<String> BILLING_VERSIONS = billingVersions();

  private static EmbeddedPostgres postgres;

  /** The host: Spring Boot's DataSource and Flyway auto-configuration, and the starter. */
  private final ApplicationContextRunner host =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DataSourceAutoConfiguration.class,
                  FlywayAutoConfiguration.class,
                  CaravelBillingAutoConfiguration.class))
          .withPropertyValues(
              "caravel.billing.app-url=https://relays.example",
              "caravel.billing.plans[0].id=basic",
              "caravel.billing.plans[0].name=Basic",
              "caravel.billing.plans[0].price=500",
              "caravel.billing.poll.enabled=false");

  @AfterAll
  static void stopPostgres() throws IOException {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void theHostsOwnV1AndBillingsMigrateSideBySideOnH2() {
    sideBySide(newH2());
  }

  @Test
  @Timeout(180)
  void theHostsOwnV1AndBillingsMigrateSideBySideOnPostgres() {
    sideBySide(newPostgres());
  }

  @Test
  void aDatabaseTheEarlierStarterMigratedUpgradesInPlaceOnH2() throws SQLException {
    earlierStarterLayoutUpgrades(newH2());
  }

  @Test
  @Timeout(180)
  void aDatabaseTheEarlierStarterMigratedUpgradesInPlaceOnPostgres() throws SQLException {
    earlierStarterLayoutUpgrades(newPostgres());
  }

  @Test
  void builtInWhenAskedEvenBesideTheHostsFlyway() {
    Database db = newH2();
    host.withPropertyValues(db.url(), "caravel.billing.jdbc.migration=built-in")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(BillingSchema.class).migratedBy())
                  .isEqualTo(BillingSchema.BUILT_IN);
              assertThat(versions(db.dataSource(), "flyway_schema_history")).containsExactly("1");
              assertThat(versions(db.dataSource(), JdbcRepository.SCHEMA_HISTORY_TABLE))
                  .containsExactlyElementsOf(BILLING_VERSIONS);
            });
  }

  @Test
  void aHostFlywayThatAlsoRunsBillingsFolderIsRefusedNamingTheWayOut() {
    Database db = newH2();
    host.withPropertyValues(
            db.url(),
            "spring.flyway.locations=classpath:db/migration,classpath:db/caravel-billing/{vendor}")
        .run(
            context ->
                assertThat(context)
                    .hasFailed()
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("spring.flyway.locations includes")
                    .hasMessageContaining("caravel.billing.jdbc.migration=none"));
    // The way out, for a host whose Flyway does nothing else: it runs billing's folder into
    // billing's history table, and the starter stays out of it.
    host.withPropertyValues(
            db.url(),
            "spring.flyway.locations=classpath:db/caravel-billing/{vendor}",
            "spring.flyway.table=" + JdbcRepository.SCHEMA_HISTORY_TABLE,
            "caravel.billing.jdbc.migration=none")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(BillingSchema.class).migratedBy())
                  .isEqualTo(BillingSchema.NONE);
              assertBillingWorks(context.getBean(Billing.class));
            });
  }

  private void sideBySide(Database db) {
    host.withPropertyValues(db.url())
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(BillingSchema.class).migratedBy())
                  .isEqualTo(BillingSchema.FLYWAY);
              DataSource ds = db.dataSource();
              // The host's history holds the host's script only ...
              assertThat(
                      rows(
                          ds,
                          "SELECT \"script\" FROM \"flyway_schema_history\""
                              + " WHERE \"type\" = 'SQL'"))
                  .containsExactly("V1__host_accounts.sql");
              assertThat(rows(ds, "SELECT name FROM host_account"))
                  .containsExactly("first customer");
              // ... and billing's its own, after a baseline: the host's tables were there first.
              assertThat(
                      rows(
                          ds,
                          "SELECT \"type\" FROM \"caravel_billing_schema_history\""
                              + " WHERE \"version\" = '0'"))
                  .containsExactly("BASELINE");
              assertThat(versions(ds, JdbcRepository.SCHEMA_HISTORY_TABLE))
                  .containsExactlyElementsOf(BILLING_VERSIONS);
              assertBillingWorks(context.getBean(Billing.class));
            });
    // A restart: both Flyways find everything applied and valid.
    host.withPropertyValues(db.url())
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(versions(db.dataSource(), "flyway_schema_history")).containsExactly("1");
              assertThat(versions(db.dataSource(), JdbcRepository.SCHEMA_HISTORY_TABLE))
                  .containsExactlyElementsOf(BILLING_VERSIONS);
              assertThat(context.getBean(Billing.class).invoices(TENANT)).hasSize(1);
            });
  }

  /**
   * The earlier starter had the host set {@code spring.flyway.locations=classpath:db/migration/
   * {vendor}} (here with a script of the host's own beside, {@code classpath:db/host}): billing's
   * scripts ran in the host's Flyway, into {@code flyway_schema_history}. The scripts moved
   * unchanged and Flyway records file names, not folders, so running today's folder into that table
   * leaves exactly the rows the earlier one did. After the upgrade the host's Flyway no longer
   * finds billing's scripts: were billing's rows left in its history, it would refuse to start
   * ("applied migration not resolved locally").
   */
  private void earlierStarterLayoutUpgrades(Database db) throws SQLException {
    DataSource ds = db.dataSource();
    Flyway.configure()
        .dataSource(ds)
        .locations(JdbcRepository.migrationLocation(ds), "classpath:db/host")
        .load()
        .migrate();
    Billing before = engine(ds);
    before.record(Activity.create("evt-old", TENANT, "relay-1", "basic", now()));
    Invoice old = before.generateInvoice(TENANT).orElseThrow();
    List<String> events = eventLines(before);

    // The host upgrades the jar and keeps its properties as they were.
    host.withPropertyValues(
            db.url(), "spring.flyway.locations=classpath:db/migration/{vendor},classpath:db/host")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(versions(ds, "flyway_schema_history"))
                  .as("billing's rows left the host's history, the host's stayed")
                  .containsExactly("100");
              assertThat(versions(ds, JdbcRepository.SCHEMA_HISTORY_TABLE))
                  .containsExactlyElementsOf(BILLING_VERSIONS);
              Billing billing = context.getBean(Billing.class);
              assertThat(billing.invoices(TENANT)).containsExactly(old);
              assertThat(eventLines(billing)).isEqualTo(events);
            });
    // Later it drops the stale location; billing goes on.
    host.withPropertyValues(db.url(), "spring.flyway.locations=classpath:db/host")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(versions(ds, "flyway_schema_history")).containsExactly("100");
              Billing billing = context.getBean(Billing.class);
              billing.record(Activity.create("evt-new", TENANT, "relay-2", "basic", now()));
              assertThat(billing.generateInvoice(TENANT).orElseThrow().id())
                  .as("numbering goes on")
                  .isEqualTo("INV-000002");
            });
  }

  private static void assertBillingWorks(Billing billing) {
    billing.record(Activity.create("evt-1", TENANT, "relay-1", "basic", now()));
    assertThat(billing.generateInvoice(TENANT).orElseThrow().total()).isEqualTo(500);
  }

  /** An engine straight on the database, as the earlier host's code would have written with. */
  private static Billing engine(DataSource ds) {
    return Billing.builder()
        .repository(new JdbcRepository(ds))
        .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
        .clock(Clock.systemUTC())
        .appUrl("https://relays.example")
        .build();
  }

  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  private static List<String> eventLines(Billing billing) {
    List<String> lines = new ArrayList<>();
    billing.events(0, 100).forEach(e -> lines.add(e.toString()));
    return lines;
  }

  /** The versioned scripts a Flyway-format history records, in the order applied. */
  private static List<String> versions(DataSource ds, String table) throws SQLException {
    return rows(
        ds,
        "SELECT \"version\" FROM \""
            + table
            + "\" WHERE \"type\" = 'SQL' AND \"success\" ORDER BY \"installed_rank\"");
  }

  private static List<String> rows(DataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }

  private static List<String> billingVersions() {
    try {
      List<String> versions = new ArrayList<>();
      for (Resource script :
          new PathMatchingResourcePatternResolver()
              .getResources("classpath:db/caravel-billing/h2/V*__*.sql")) {
        String name = script.getFilename();
        versions.add(name.substring(1, name.indexOf("__")));
      }
      versions.sort(Comparator.comparingInt(Integer::parseInt));
      assertThat(versions).as("billing's scripts on the class path").startsWith("1", "2", "3");
      return List.copyOf(versions);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A database: the host's {@code spring.datasource.url} and a DataSource on it for the test. */
  private record Database(String url, DataSource dataSource) {}

  private static Database newH2() {
    String url = "jdbc:h2:mem:hostflyway" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(url);
    ds.setUser("sa");
    return new Database("spring.datasource.url=" + url, ds);
  }

  private static synchronized Database newPostgres() {
    if (postgres == null) {
      try {
        postgres =
            EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
      }
    }
    String name = "host" + DATABASES.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return new Database(
        "spring.datasource.url=" + postgres.getJdbcUrl("postgres", name),
        postgres.getDatabase("postgres", name));
  }
}
