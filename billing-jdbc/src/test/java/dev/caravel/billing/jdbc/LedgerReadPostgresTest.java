package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Activity;
import dev.caravel.billing.spi.TenantLedger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ledger read on PostgreSQL where one tenant holds the whole activity table (issue 25): its
 * tail is read by the index range from its snapshot point, not by a scan of its whole history, and
 * the bound that steers the planner there filters nothing.
 */
class LedgerReadPostgresTest {
  private static final String TENANT = "c".repeat(64);
  private static final String T0 = "2024-01-01 00:00:00+00";

  private String schema;
  private HikariDataSource pool;

  @BeforeEach
  void open() {
    schema = Databases.newPostgresSchema();
    pool = Databases.postgresPool(schema, 2);
    JdbcRepository.migrate(pool);
  }

  @AfterEach
  void close() {
    pool.close();
    Databases.dropPostgresSchema(schema);
  }

  @ParameterizedTest
  @ValueSource(strings = {"force_custom_plan", "force_generic_plan"})
  void aTenantHoldingTheWholeTableHasItsTailReadByTheIndexRange(String planCacheMode)
      throws SQLException {
    // 10,000 activities of one tenant, the last 100 after its snapshot point, analyzed: the
    // statistics say every row is the tenant's.
    execute(
        "INSERT INTO billing_tenant (pubkey, anchor, last_activity_at, activity_count, "
            + "renewed_through, renewed_period_start, snapshot_period, snapshot_start) VALUES ('"
            + TENANT
            + "', TIMESTAMPTZ '"
            + T0
            + "', TIMESTAMPTZ '"
            + T0
            + "' + INTERVAL '10000 minutes', 10000, 1, TIMESTAMPTZ '"
            + T0
            + "' + INTERVAL '9900 minutes', 1, TIMESTAMPTZ '"
            + T0
            + "' + INTERVAL '9900 minutes')",
        "INSERT INTO billing_relay (tenant, relay) VALUES ('" + TENANT + "', 'r1')",
        "INSERT INTO billing_activity (id, tenant, type, relay, plan, at, billed) "
            + "SELECT 'a' || g, '"
            + TENANT
            + "', 'update_relay', 'r1', 'basic', TIMESTAMPTZ '"
            + T0
            + "' + g * INTERVAL '1 minute', TRUE FROM generate_series(1, 10000) g",
        "ANALYZE");
    String plan = plan(planCacheMode);
    assertThat(plan)
        .contains("Index Scan using billing_activity_by_tenant")
        .doesNotContain("Seq Scan on billing_activity");
  }

  @ParameterizedTest
  @ValueSource(strings = {"NULL", "TIMESTAMPTZ '2023-12-01 00:00:00+00'"})
  void theTailIsReadWhateverTheTenantsLatestActivityMarkSays(String lastActivityAt)
      throws SQLException {
    // The mark is the engine's (ActivityAdmission refuses an activity before it), not the read's:
    // a mark missing, or before the activities, hides none of them.
    execute(
        "INSERT INTO billing_tenant (pubkey, anchor, last_activity_at, activity_count) VALUES ('"
            + TENANT
            + "', TIMESTAMPTZ '"
            + T0
            + "', "
            + lastActivityAt
            + ", 3)",
        "INSERT INTO billing_relay (tenant, relay) VALUES ('" + TENANT + "', 'r1')",
        "INSERT INTO billing_activity (id, tenant, type, relay, plan, at) VALUES "
            + "('a1', '"
            + TENANT
            + "', 'create_relay', 'r1', 'basic', TIMESTAMPTZ '"
            + T0
            + "'), ('a2', '"
            + TENANT
            + "', 'update_relay', 'r1', 'pro', TIMESTAMPTZ '"
            + T0
            + "' + INTERVAL '1 day'), ('a3', '"
            + TENANT
            + "', 'deactivate_relay', 'r1', NULL, TIMESTAMPTZ '"
            + T0
            + "' + INTERVAL '2 days')");
    TenantLedger ledger = new JdbcRepository(pool).ledgers(List.of(TENANT)).get(0);
    assertThat(ledger.activities()).extracting(Activity::id).containsExactly("a1", "a2", "a3");
  }

  /** The read's plan as EXPLAIN prints it, for the tenant, under {@code planCacheMode}. */
  private String plan(String planCacheMode) throws SQLException {
    StringBuilder plan = new StringBuilder();
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SET plan_cache_mode = " + planCacheMode);
      s.execute(
          "PREPARE ledger_read(text[]) AS "
              + LedgerReads.ledgerSql(Dialect.POSTGRESQL).replace("?", "$1"));
      try (ResultSet rs = s.executeQuery("EXPLAIN EXECUTE ledger_read(ARRAY['" + TENANT + "'])")) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      s.execute("DEALLOCATE ledger_read");
      s.execute("RESET plan_cache_mode");
    }
    return plan.toString();
  }

  private void execute(String... statements) throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }
}
