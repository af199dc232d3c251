package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A database migrated under the earlier layout (scripts in {@code db/migration/{vendor}}, recorded
 * in {@code billing_schema_version} by the built-in migrator or in the host's {@code
 * flyway_schema_history} by the host's Flyway) upgrades in place to the layout of its own ({@code
 * db/caravel-billing/{vendor}}, {@code caravel_billing_schema_history}): no script runs again, the
 * ledger reads exactly as before, billing goes on from it, and Flyway accepts the history.
 */
class EarlierLayoutUpgradeTest {
  private static final PlanCatalogue CATALOGUE = PlanCatalogue.of(new Plan("basic", "Basic", 500));
  private static final String FLYWAY_TABLE = "flyway_schema_history";

  @Test
  @Timeout(120)
  void aLedgerRecordedByTheEarlierBuiltInMigratorUpgradesInPlaceOnPostgres() throws Exception {
    UpgradeRun.onPostgresSchema(
        (db, schema) -> builtInLayoutUpgrades(db, Dialect.POSTGRESQL, schema));
  }

  @Test
  void aLedgerRecordedByTheEarlierBuiltInMigratorUpgradesInPlaceOnH2() throws Exception {
    UpgradeRun.onH2(db -> builtInLayoutUpgrades(db, Dialect.H2, "PUBLIC"));
  }

  @Test
  @Timeout(120)
  void aLedgerInTheHostsFlywayHistoryUpgradesInPlaceOnPostgres() throws Exception {
    UpgradeRun.onPostgresSchema((db, schema) -> flywayLayoutUpgrades(db, schema, false));
  }

  @Test
  void aLedgerInTheHostsFlywayHistoryUpgradesInPlaceOnH2() throws Exception {
    UpgradeRun.onH2(db -> flywayLayoutUpgrades(db, "PUBLIC", false));
  }

  @Test
  @Timeout(120)
  void aLedgerInTheHostsFlywayHistoryIsTakenOverByAFlywayOfItsOwnOnPostgres() throws Exception {
    UpgradeRun.onPostgresSchema((db, schema) -> flywayLayoutUpgrades(db, schema, true));
  }

  @Test
  void aLedgerInTheHostsFlywayHistoryIsTakenOverByAFlywayOfItsOwnOnH2() throws Exception {
    UpgradeRun.onH2(db -> flywayLayoutUpgrades(db, "PUBLIC", true));
  }

  /** {@code JdbcRepository.migrate} of the earlier layout, then the upgrade by today's. */
  private static void builtInLayoutUpgrades(DataSource db, Dialect dialect, String schema)
      throws SQLException {
    // As the earlier migrate left it: every script, up to the last version (versions may skip a
    // number while branches that add them are merged, so the count is not the last version).
    OldLedger.schemaAt(db, dialect, Migrations.ALL.get(Migrations.ALL.size() - 1).version());
    Ledger before = fill(db);

    JdbcRepository.migrate(db);

    assertHistoryIsBillings(db, dialect);
    try (Connection c = db.getConnection()) {
      assertThat(SchemaHistory.tableExists(c, "billing_schema_version"))
          .as("the earlier record is left as it was")
          .isTrue();
    }
    before.assertUnchangedAndBillsOn(db);
    assertOwnFlywayAccepts(db, schema);
  }

  /**
   * The host's Flyway ran billing's scripts and its own into {@code flyway_schema_history}.
   * Billing's rows there are as the earlier location left them: Flyway records a script's file
   * name, not its folder, and the files moved unchanged.
   */
  private static void flywayLayoutUpgrades(DataSource db, String schema, boolean byOwnFlyway)
      throws SQLException {
    Dialect dialect = dialect(db);
    Flyway hosts =
        Flyway.configure()
            .dataSource(db)
            .schemas(schema)
            .locations(JdbcRepository.migrationLocation(db), "classpath:db/host")
            .load();
    assertThat(hosts.migrate().migrationsExecuted).isEqualTo(Migrations.ALL.size() + 1);
    Ledger before = fill(db);
    List<String> checksums = flywayChecksums(db);

    if (byOwnFlyway) {
      // What the starter does: take the record over, then a Flyway of billing's own.
      JdbcRepository.adoptEarlierHistory(db, FLYWAY_TABLE);
      assertOwnFlywayAccepts(db, schema);
    } else {
      JdbcRepository.migrate(db);
    }

    assertHistoryIsBillings(db, dialect);
    assertThat(
            rows(
                db,
                "SELECT \"checksum\" FROM \"caravel_billing_schema_history\""
                    + " ORDER BY \"installed_rank\""))
        .as("Flyway's own checksums, carried over")
        .containsExactlyElementsOf(checksums);
    assertThat(
            rows(
                db,
                "SELECT \"version\" FROM \"" + FLYWAY_TABLE + "\" WHERE \"version\" IS NOT NULL"))
        .as("the host's history keeps the host's script only")
        .containsExactly("100");
    Flyway hostsNow =
        Flyway.configure().dataSource(db).schemas(schema).locations("classpath:db/host").load();
    hostsNow.validate();
    assertThat(hostsNow.migrate().migrationsExecuted).isZero();
    before.assertUnchangedAndBillsOn(db);
    if (!byOwnFlyway) {
      assertOwnFlywayAccepts(db, schema);
    }
  }

  /** Flyway, set up as the starter sets up its own, finds every script applied and valid. */
  private static void assertOwnFlywayAccepts(DataSource db, String schema) {
    Flyway own =
        Flyway.configure()
            .dataSource(db)
            .schemas(schema)
            .locations(JdbcRepository.migrationLocation(db))
            .table(JdbcRepository.SCHEMA_HISTORY_TABLE)
            .baselineOnMigrate(true)
            .baselineVersion("0")
            .load();
    own.validate();
    assertThat(own.migrate().migrationsExecuted).isZero();
    assertThat(own.info().pending()).isEmpty();
  }

  private static void assertHistoryIsBillings(DataSource db, Dialect dialect) throws SQLException {
    List<String> expected = new ArrayList<>();
    for (Migrations.Migration m : Migrations.ALL) {
      expected.add(
          m.version()
              + "|"
              + m.flywayDescription()
              + "|SQL|"
              + m.fileName()
              + "|"
              + SchemaHistory.checksum(Migrations.script(dialect, m)));
    }
    assertThat(
            rows(
                db,
                "SELECT \"version\", \"description\", \"type\", \"script\", \"checksum\" FROM"
                    + " \"caravel_billing_schema_history\" WHERE \"success\" ORDER BY"
                    + " \"installed_rank\""))
        .containsExactlyElementsOf(expected);
  }

  /** What a ledger said before the upgrade, and the engine that wrote it. */
  private record Ledger(LedgerSnapshot snapshot, List<String> events, int invoices) {
    void assertUnchangedAndBillsOn(DataSource db) {
      JdbcRepository repo = new JdbcRepository(db);
      MutableClock clock = new MutableClock(Fixture.days(40));
      Billing billing = engine(repo, clock);
      assertThat(LedgerSnapshot.of(repo)).isEqualTo(snapshot);
      assertThat(eventLines(billing)).isEqualTo(events);
      String tenant = Fixture.pubkey(0x77);
      billing.record(Activity.create("after-1", tenant, "r1", "basic", clock.instant()));
      assertThat(billing.generateInvoice(tenant).orElseThrow().id())
          .as("numbering goes on where it was")
          .isEqualTo(String.format("INV-%06d", invoices + 1));
    }
  }

  /** Three tenants billed for two months, one invoice paid, through the engine. */
  private static Ledger fill(DataSource db) {
    JdbcRepository repo = new JdbcRepository(db);
    MutableClock clock = new MutableClock(Fixture.T0);
    Billing billing = engine(repo, clock);
    for (int t = 1; t <= 3; t++) {
      billing.record(
          Activity.create("a-" + t, Fixture.pubkey(t), "r1", "basic", Fixture.seconds(60L * t)));
    }
    clock.set(Fixture.days(1));
    billing.runCycle();
    clock.set(Fixture.days(31));
    billing.runCycle();
    String paid = billing.invoices(Fixture.pubkey(1)).get(0).id();
    assertThat(billing.settle(paid, PaymentMethod.MANUAL, "bank-1")).isTrue();
    int invoices = 0;
    for (int t = 1; t <= 3; t++) {
      invoices += billing.invoices(Fixture.pubkey(t)).size();
    }
    assertThat(invoices).isEqualTo(6);
    return new Ledger(LedgerSnapshot.of(repo), eventLines(billing), invoices);
  }

  private static List<String> eventLines(Billing billing) {
    List<String> lines = new ArrayList<>();
    billing.events(0, 1000).forEach(e -> lines.add(e.toString()));
    assertThat(lines).isNotEmpty();
    return lines;
  }

  private static Billing engine(JdbcRepository repo, MutableClock clock) {
    return Billing.builder()
        .repository(repo)
        .catalogue(CATALOGUE)
        .clock(clock)
        .appUrl("https://relays.example")
        .build();
  }

  private static List<String> flywayChecksums(DataSource db) throws SQLException {
    return rows(
        db,
        "SELECT \"checksum\" FROM \""
            + FLYWAY_TABLE
            + "\" WHERE \"version\" <> '100' ORDER BY \"installed_rank\"");
  }

  /** Each row's columns joined by {@code |}. */
  private static List<String> rows(DataSource db, String sql) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<String> out = new ArrayList<>();
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          row.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        out.add(row.toString());
      }
      return out;
    }
  }

  private static Dialect dialect(DataSource db) throws SQLException {
    try (Connection c = db.getConnection()) {
      return Dialect.of(c);
    }
  }
}
