package dev.caravel.billing.benchmarks;

import dev.caravel.billing.InvoiceItem;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;

/**
 * A renewal day's data: every tenant has three relays on a paid plan, created (and billed) at its
 * anchor, and its first period ended an hour ago; each has a saved card. Loaded in bulk, straight
 * into the tables (untimed), since appending 300,000 activities one by one would take longer than
 * the day itself. The loader follows the schema: a migration adding a required column to these
 * tables must update it.
 */
final class RenewalDayData {
  static final int RELAYS = 3;
  static final long PRICE = 500;
  static final Instant ANCHOR = Instant.parse("2026-01-31T10:00:00Z");
  static final Instant RENEWAL = Instant.parse("2026-02-28T10:00:00Z");
  static final Instant NOW = RENEWAL.plus(Duration.ofHours(1));

  private RenewalDayData() {}

  static String tenant(int t) {
    return String.format("%064x", 0xb111_0000_0000L + t);
  }

  static String customer(int t) {
    return "cus_" + t;
  }

  /** Tenants, their relays and their billed creation activities (the log only if withLog). */
  static void load(DataSource pool, int tenants, boolean withLog) throws SQLException {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement tenant =
              c.prepareStatement(
                  "INSERT INTO billing_tenant (pubkey, stripe_customer_id, anchor, "
                      + "last_activity_at, activity_count, due_at) VALUES (?, ?, ?, ?, ?, ?)");
          PreparedStatement relay =
              c.prepareStatement("INSERT INTO billing_relay (tenant, relay) VALUES (?, ?)");
          PreparedStatement activity =
              c.prepareStatement(
                  "INSERT INTO billing_activity (id, tenant, type, relay, plan, at, billed) "
                      + "VALUES (?, ?, 'create_relay', ?, 'basic', ?, TRUE)")) {
        for (int t = 0; t < tenants; t++) {
          String pubkey = tenant(t);
          tenant.setString(1, pubkey);
          tenant.setString(2, customer(t));
          tenant.setObject(3, utc(ANCHOR));
          tenant.setObject(4, utc(ANCHOR));
          tenant.setInt(5, RELAYS);
          // Due tracking (V5): the tenant has work from its anchor on, as a real append leaves it.
          tenant.setObject(6, utc(ANCHOR));
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

  /**
   * The rows the engine's ledger part writes (three renewal items and an invoice per tenant), as
   * fast as PostgreSQL takes them: batched inserts, a commit per page of 500. Returns nanoseconds.
   */
  static long batchedInsert(DataSource pool, int tenants) throws SQLException {
    int page = 500;
    long started = System.nanoTime();
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement invoice =
              c.prepareStatement(
                  "INSERT INTO billing_invoice (id, tenant, period_start, period_end, total, "
                      + "currency, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
          PreparedStatement item =
              c.prepareStatement(
                  "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at, "
                      + "renewal_period, invoice_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (int from = 0; from < tenants; from += page) {
          for (int t = from; t < Math.min(tenants, from + page); t++) {
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

  static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
