package dev.caravel.billing.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.Activity;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.TenantLedger;
import dev.caravel.billing.testkit.Fixture;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A full renewal day on embedded PostgreSQL: every tenant has three relays on a paid plan, and its
 * first period ends today. Timed twice over identical single-connection pools:
 *
 * <ol>
 *   <li>JdbcRepository doing what the engine's cycle does with it, a page of 500 tenants at a time:
 *       read the ledgers (for reconciliation, renewal and the claim), apply the renewals, claim the
 *       items onto invoices;
 *   <li>plain PostgreSQL: the same item and invoice rows inserted with batched statements.
 * </ol>
 *
 * Prints both times, their ratio, rows per second and peak heap; the last line is {@code
 * ratio=N.NN}. Not a test: {@code ./mvnw -B -pl billing-jdbc test-compile exec:exec
 * -Dtenants=100000} (see the README). Payment collection is not part of it.
 */
public final class RenewalDayBenchmark {
  private static final int PAGE = 500;
  private static final int RELAYS = 3;
  private static final long PRICE = 500;
  private static final Instant ANCHOR = Instant.parse("2026-01-31T10:00:00Z");
  private static final Instant RENEWAL = Instant.parse("2026-02-28T10:00:00Z");
  private static final Instant NOW = RENEWAL.plus(Duration.ofHours(1));

  private RenewalDayBenchmark() {}

  public static void main(String[] args) throws Exception {
    int tenants = Integer.getInteger("tenants", 100_000);
    System.out.printf(
        Locale.ROOT,
        "renewal day: %,d tenants x %d paid relays on embedded PostgreSQL%n",
        tenants,
        RELAYS);
    Databases.postgres();

    String repoSchema = Databases.newPostgresSchema();
    String baseSchema = Databases.newPostgresSchema();
    try (HikariDataSource repoPool = Databases.postgresPool(repoSchema, 1);
        HikariDataSource basePool = Databases.postgresPool(baseSchema, 1)) {
      JdbcRepository.migrate(repoPool);
      JdbcRepository.migrate(basePool);
      long t = System.nanoTime();
      load(repoPool, tenants, true);
      load(basePool, tenants, false);
      System.out.printf(
          Locale.ROOT, "setup (bulk load, untimed): %.1f s%n", (System.nanoTime() - t) / 1e9);

      warmUp();
      resetPeakHeap();
      long repoNanos = timeRepository(repoPool, tenants);
      long repoHeap = peakHeap();
      resetPeakHeap();
      long baseNanos = timeBaseline(basePool, tenants);
      long baseHeap = peakHeap();

      long rows = (long) tenants * RELAYS + tenants;
      double repoSeconds = repoNanos / 1e9;
      double baseSeconds = baseNanos / 1e9;
      System.out.printf(
          Locale.ROOT,
          "JdbcRepository: %8.2f s  %,10.0f rows/s  peak heap %,d MiB%n",
          repoSeconds,
          rows / repoSeconds,
          repoHeap >> 20);
      System.out.printf(
          Locale.ROOT,
          "batched INSERT: %8.2f s  %,10.0f rows/s  peak heap %,d MiB%n",
          baseSeconds,
          rows / baseSeconds,
          baseHeap >> 20);
      System.out.printf(
          Locale.ROOT,
          "rows: %,d renewal items + %,d invoices%n",
          (long) tenants * RELAYS,
          tenants);
      System.out.printf(Locale.ROOT, "ratio=%.2f%n", repoSeconds / baseSeconds);
    } finally {
      Databases.dropPostgresSchema(repoSchema);
      Databases.dropPostgresSchema(baseSchema);
    }
    System.exit(0);
  }

  /**
   * Both paths once on a small day of their own, so neither pays for class loading and JIT alone.
   */
  private static void warmUp() throws SQLException {
    int tenants = 2_000;
    String a = Databases.newPostgresSchema();
    String b = Databases.newPostgresSchema();
    try (HikariDataSource repoPool = Databases.postgresPool(a, 1);
        HikariDataSource basePool = Databases.postgresPool(b, 1)) {
      JdbcRepository.migrate(repoPool);
      JdbcRepository.migrate(basePool);
      load(repoPool, tenants, true);
      load(basePool, tenants, false);
      timeRepository(repoPool, tenants);
      timeBaseline(basePool, tenants);
    } finally {
      Databases.dropPostgresSchema(a);
      Databases.dropPostgresSchema(b);
    }
  }

  /** The engine's side of a renewal day, page by page, as Billing.runCycle drives it. */
  private static long timeRepository(HikariDataSource pool, int tenants) {
    JdbcRepository repo = new JdbcRepository(pool);
    long started = System.nanoTime();
    long[] phase = new long[3]; // reading ledgers, renewing, claiming
    int renewals = 0;
    int invoices = 0;
    String after = null;
    while (true) {
      long t0 = System.nanoTime();
      List<String> page = repo.tenantPage(after, PAGE);
      if (page.isEmpty()) {
        break;
      }
      List<TenantLedger> ledgers = repo.ledgers(page); // one read serves reconcile, renew and claim
      List<Renewal> due = new ArrayList<>();
      for (TenantLedger ledger : ledgers) {
        due.add(renewal(ledger));
      }
      long t1 = System.nanoTime();
      renewals += repo.applyRenewals(due);
      long t2 = System.nanoTime();
      List<Claim> claims = new ArrayList<>();
      for (TenantLedger ledger : ledgers) {
        claims.add(
            new Claim(ledger.tenant(), RENEWAL, RENEWAL.plus(Duration.ofDays(31)), "usd", NOW));
      }
      long t3 = System.nanoTime();
      invoices += repo.claim(claims, (n, claim) -> "inv-" + claim.tenant().substring(48)).size();
      phase[0] += (t1 - t0) + (t3 - t2);
      phase[1] += t2 - t1;
      phase[2] += System.nanoTime() - t3;
      after = page.get(page.size() - 1);
    }
    long elapsed = System.nanoTime() - started;
    if (tenants > 2_000) {
      System.out.printf(
          Locale.ROOT,
          "  JdbcRepository: reading ledgers %.2f s, renewing %.2f s, claiming %.2f s%n",
          phase[0] / 1e9,
          phase[1] / 1e9,
          phase[2] / 1e9);
    }
    if (renewals != tenants || invoices != tenants) {
      throw new IllegalStateException(
          "expected " + tenants + " renewals and invoices, got " + renewals + " and " + invoices);
    }
    return elapsed;
  }

  /** What the engine computes from a ledger: each of its relays renewed for period 1. */
  private static Renewal renewal(TenantLedger ledger) {
    List<InvoiceItem> items = new ArrayList<>();
    for (Activity a : ledger.activities()) {
      items.add(
          InvoiceItem.forRenewal(
              ledger.tenant(), a.relay(), a.plan().orElseThrow(), PRICE, 1, RENEWAL));
    }
    return new Renewal(ledger.tenant(), 1, RENEWAL, ledger.activities().size(), items);
  }

  /**
   * The same rows, written as fast as PostgreSQL takes them: batched inserts, a commit per page.
   */
  private static long timeBaseline(HikariDataSource pool, int tenants) throws SQLException {
    long started = System.nanoTime();
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement invoice =
              c.prepareStatement(
                  "INSERT INTO billing_invoice (id, tenant, period_start, "
                      + "period_end, total, currency, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
          PreparedStatement item =
              c.prepareStatement(
                  "INSERT INTO billing_item (id, tenant, relay, plan, amount, "
                      + "description, at, renewal_period, invoice_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (int from = 0; from < tenants; from += PAGE) {
          for (int t = from; t < Math.min(tenants, from + PAGE); t++) {
            String tenant = tenant(t);
            String invoiceId = "inv-" + tenant.substring(48);
            invoice.setString(1, invoiceId);
            invoice.setString(2, tenant);
            invoice.setObject(3, utc(RENEWAL));
            invoice.setObject(4, utc(RENEWAL.plus(Duration.ofDays(31))));
            invoice.setLong(5, PRICE * RELAYS);
            invoice.setString(6, "usd");
            invoice.setObject(7, utc(NOW));
            invoice.setObject(8, utc(NOW));
            invoice.addBatch();
            for (int r = 0; r < RELAYS; r++) {
              InvoiceItem renewal =
                  InvoiceItem.forRenewal(tenant, "relay-" + r, "basic", PRICE, 1, RENEWAL);
              item.setString(1, renewal.id());
              item.setString(2, tenant);
              item.setString(3, renewal.relay());
              item.setString(4, renewal.plan());
              item.setLong(5, renewal.amount());
              item.setString(6, renewal.description());
              item.setObject(7, utc(RENEWAL));
              item.setInt(8, 1);
              item.setString(9, invoiceId);
              item.addBatch();
            }
          }
          invoice.executeBatch();
          item.executeBatch();
          c.commit();
        }
      }
    }
    return System.nanoTime() - started;
  }

  /** Tenants, their relays and their (billed) creation activities, loaded in bulk. */
  private static void load(HikariDataSource pool, int tenants, boolean withLog)
      throws SQLException {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement tenant =
              c.prepareStatement(
                  "INSERT INTO billing_tenant (pubkey, anchor, "
                      + "last_activity_at, activity_count) VALUES (?, ?, ?, ?)");
          PreparedStatement relay =
              c.prepareStatement("INSERT INTO billing_relay (tenant, relay) VALUES (?, ?)");
          PreparedStatement activity =
              c.prepareStatement(
                  "INSERT INTO billing_activity "
                      + "(id, tenant, type, relay, plan, at, billed) VALUES (?, ?, 'create_relay', ?, 'basic', ?, TRUE)")) {
        for (int t = 0; t < tenants; t++) {
          String pubkey = tenant(t);
          tenant.setString(1, pubkey);
          tenant.setObject(2, utc(ANCHOR));
          tenant.setObject(3, utc(ANCHOR));
          tenant.setInt(4, RELAYS);
          tenant.addBatch();
          for (int r = 0; withLog && r < RELAYS; r++) {
            relay.setString(1, pubkey);
            relay.setString(2, "relay-" + r);
            relay.addBatch();
            activity.setString(1, "evt-" + t + "-" + r);
            activity.setString(2, pubkey);
            activity.setString(3, "relay-" + r);
            activity.setObject(4, utc(ANCHOR));
            activity.addBatch();
          }
          if (t % 2000 == 1999 || t == tenants - 1) {
            tenant.executeBatch();
            relay.executeBatch();
            activity.executeBatch();
            c.commit();
          }
        }
      }
      try (PreparedStatement analyze = c.prepareStatement("ANALYZE")) {
        analyze.execute();
      }
      c.commit();
    }
  }

  private static String tenant(int t) {
    return Fixture.pubkey(0xb111_0000_0000L + t);
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static void resetPeakHeap() {
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  private static long peakHeap() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }
}
