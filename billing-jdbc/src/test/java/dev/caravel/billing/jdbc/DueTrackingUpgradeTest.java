package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * V5 (snapshots and due tracking, S17) upgrades a V3 database that holds months of ledger in place:
 * the backfill counts unbilled activity and makes every tenant due once, and from then on billing
 * goes on exactly as if the ledger had never left the reference engine, while snapshots start with
 * each tenant's next renewal and an idle poll visits nobody.
 */
class DueTrackingUpgradeTest {
  private static final PlanCatalogue CATALOGUE =
      PlanCatalogue.of(new Plan("basic", "Basic", 500), new Plan("pro", "Pro", 2000));
  private static final int TENANTS = 12;

  @Test
  @Timeout(180)
  void aVersionThreeLedgerUpgradesAndBillsOnIdenticallyOnPostgres() throws Exception {
    UpgradeRun.onPostgres(db -> upgradesAndBillsOn(db, Dialect.POSTGRESQL));
  }

  @Test
  void aVersionThreeLedgerUpgradesAndBillsOnIdenticallyOnH2() throws Exception {
    UpgradeRun.onH2(db -> upgradesAndBillsOn(db, Dialect.H2));
  }

  private static void upgradesAndBillsOn(DataSource db, Dialect dialect) throws SQLException {
    Fixture fx = new Fixture("up");
    Random random = new Random(16);
    MutableClock clock = new MutableClock(Fixture.T0);
    InMemoryRepository reference = new InMemoryRepository();
    Billing ref = engine(reference, clock, "ref");
    Map<String, List<Activity>> logs = new TreeMap<>();
    Set<String> created = new HashSet<>();
    List<String> tenants = new ArrayList<>();
    for (int t = 0; t < TENANTS; t++) {
      tenants.add(Fixture.pubkey(0x100 + t));
    }

    // Three months of history under the reference engine, as V3 would have recorded it.
    for (int day = 0; day < 90; day += 5) {
      clock.set(Fixture.days(day));
      step(fx, random, ref, logs, tenants, created, clock.instant());
      ref.runCycle();
    }
    // One tenant has an activity recorded but not yet reconciled when the upgrade comes.
    String late = logs.keySet().iterator().next();
    Activity pending = fx.update(late, logs.get(late).get(0).relay(), "pro", Fixture.days(91));
    clock.set(Fixture.days(91));
    assertThat(Fixture.appendAsRead(reference, pending)).isTrue();
    logs.get(late).add(pending);

    OldLedger.schemaAt(db, dialect, 3);
    try (Connection c = db.getConnection()) {
      for (String tenant : logs.keySet()) {
        OldLedger.copy(
            reference,
            tenant,
            logs.get(tenant),
            tenant.equals(late) ? Set.of(pending.id()) : Set.of(),
            c);
      }
    }

    JdbcRepository.migrate(db);

    // The backfill: unbilled activity counted, every tenant with activity due once.
    Map<String, int[]> rows = tenantRows(db);
    for (String tenant : logs.keySet()) {
      assertThat(rows.get(tenant)[0])
          .as("unbilled of " + tenant)
          .isEqualTo(tenant.equals(late) ? 1 : 0);
      assertThat(rows.get(tenant)[1]).as("due of " + tenant).isEqualTo(1);
      assertThat(rows.get(tenant)[2]).as("snapshot of " + tenant).isZero();
    }

    JdbcRepository upgraded = new JdbcRepository(db);
    Billing jdbc = engine(upgraded, clock, "jdbc");
    // Three more months, both engines fed the same activity at the same instants.
    for (int day = 91; day < 190; day += 5) {
      clock.set(Fixture.days(day));
      if (day > 91) {
        Map<String, List<Activity>> more = new TreeMap<>();
        step(fx, random, ref, more, tenants, created, clock.instant());
        for (List<Activity> log : more.values()) {
          for (Activity a : log) {
            jdbc.record(a);
            logs.computeIfAbsent(a.tenant(), k -> new ArrayList<>()).add(a);
          }
        }
      }
      ref.runCycle();
      jdbc.runCycle();
      assertSameLedger(reference, upgraded, logs.keySet());
    }

    // Snapshots took over with the renewals since the upgrade: reads fetch a tail only.
    rows = tenantRows(db);
    for (String tenant : logs.keySet()) {
      assertThat(rows.get(tenant)[2]).as("snapshot period of " + tenant).isPositive();
      assertThat(upgraded.ledgers(List.of(tenant)).get(0).activities().size())
          .isLessThanOrEqualTo(logs.get(tenant).size());
    }
    // Nothing is due in between: a second poll at the same instant visits nobody.
    assertThat(jdbc.runCycle().tenantsVisited()).isZero();
  }

  private static Billing engine(Repository repository, MutableClock clock, String ids) {
    return UpgradeRun.engine(repository, CATALOGUE, clock)
        .invoiceNumbers(n -> ids + "-" + n)
        .build();
  }

  /** Random activity for some tenants at {@code at}, recorded on {@code ref}. */
  private static void step(
      Fixture fx,
      Random random,
      Billing ref,
      Map<String, List<Activity>> logs,
      List<String> tenants,
      Set<String> created,
      Instant at) {
    for (String tenant : tenants) {
      if (random.nextInt(3) != 0) {
        continue;
      }
      String relay = tenant.substring(58) + "-r" + random.nextInt(2);
      boolean exists = !created.add(tenant + "/" + relay);
      Activity a;
      if (!exists) {
        a = fx.create(tenant, relay, at);
      } else {
        a =
            switch (random.nextInt(3)) {
              case 0 -> fx.deactivate(tenant, relay, at);
              case 1 -> fx.activate(tenant, relay, at);
              default -> fx.update(tenant, relay, random.nextBoolean() ? "pro" : "basic", at);
            };
      }
      ref.record(a);
      logs.computeIfAbsent(tenant, k -> new ArrayList<>()).add(a);
    }
  }

  /** Items (id, amount, the created-at of their invoice) and invoices, tenant by tenant. */
  private static void assertSameLedger(
      Repository expected, Repository actual, Set<String> tenants) {
    for (String tenant : tenants) {
      assertThat(describeItems(actual, tenant))
          .as("items of " + tenant)
          .isEqualTo(describeItems(expected, tenant));
      assertThat(describeInvoices(actual, tenant))
          .as("invoices of " + tenant)
          .isEqualTo(describeInvoices(expected, tenant));
    }
  }

  private static List<String> describeItems(Repository repo, String tenant) {
    Map<String, Instant> createdAt = new HashMap<>();
    repo.invoices(tenant).forEach(i -> createdAt.put(i.id(), i.createdAt()));
    List<String> out = new ArrayList<>();
    for (InvoiceItem item : repo.items(tenant)) {
      out.add(
          item.id()
              + " "
              + item.amount()
              + " "
              + item.invoiceId().map(createdAt::get).map(Instant::toString).orElse("unclaimed"));
    }
    out.sort(null);
    return out;
  }

  private static List<String> describeInvoices(Repository repo, String tenant) {
    List<String> out = new ArrayList<>();
    for (Invoice i : repo.invoices(tenant)) {
      out.add(i.periodStart() + " " + i.periodEnd() + " " + i.total() + " " + i.createdAt());
    }
    return out;
  }

  /** Per tenant: {unbilled_count, due now (1) or not (0), snapshot_period}. */
  private static Map<String, int[]> tenantRows(DataSource db) throws SQLException {
    Map<String, int[]> out = new HashMap<>();
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT pubkey, unbilled_count, due_at, snapshot_period FROM billing_tenant");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Instant due = Rows.instant(rs, 3);
        out.put(
            rs.getString(1),
            new int[] {
              rs.getInt(2), due != null && !due.isAfter(Instant.EPOCH) ? 1 : 0, rs.getInt(4)
            });
      }
    }
    return out;
  }
}
