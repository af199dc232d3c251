package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Standing;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.StandingRead;
import dev.caravel.billing.spi.StandingVerdict;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Repository methods of standing (S13): the engine judges, this records. A page of reads is one
 * statement (one snapshot: each tenant's standing and revision with its open invoices), a page of
 * verdicts one batch of guarded updates of the tenants' rows, compared on {@code standing_revision}
 * (V13), with its event in the same transaction when it carries one. Every write that may move the
 * standing bumps the revision in its own transaction ({@link
 * CollectionStatements#checkStandingBy}), so a verdict judged before it loses.
 */
final class StandingStatements {
  /**
   * The open invoices' collection state, qualified, first ({@link Rows#collectionState} order); one
   * row per open invoice, or one with a null invoice id for a tenant with none.
   */
  private static final String READ =
      "SELECT "
          + Arrays.stream(Rows.COLLECTION_STATE_COLUMNS.split(",\\s*"))
              .map(column -> "i." + column)
              .collect(Collectors.joining(", "))
          + ", t.standing, t.standing_revision, i.id, t.pubkey FROM billing_tenant t "
          + "LEFT JOIN billing_invoice i ON i.tenant = t.pubkey AND NOT i.paid "
          + "AND i.closed_status IS NULL WHERE t.pubkey = ANY (?) ORDER BY t.pubkey, i.seq";

  private static final String RECORD =
      "UPDATE billing_tenant SET standing = ?, standing_check_at = ?, "
          + "standing_revision = standing_revision + 1 WHERE pubkey = ? AND standing_revision = ?";

  private final Transactions transactions;

  StandingStatements(Transactions transactions) {
    this.transactions = transactions;
  }

  /** Each chunk of tenants is one statement: each tenant's rows are read at one moment. */
  List<StandingRead> readStandings(List<String> tenants) {
    Objects.requireNonNull(tenants, "tenants");
    List<String> asked = List.copyOf(new LinkedHashSet<>(tenants));
    if (asked.isEmpty()) {
      return List.of();
    }
    return transactions.read(
        "reading the standing of " + (asked.size() == 1 ? asked.get(0) : asked.size() + " tenants"),
        (c, d) -> {
          Map<String, StandingRead> read = new HashMap<>();
          for (List<String> chunk : Dialect.chunks(asked)) {
            try (PreparedStatement ps = c.prepareStatement(READ)) {
              ps.setArray(1, d.textArray(c, chunk));
              try (ResultSet rs = ps.executeQuery()) {
                readRows(rs, read);
              }
            }
          }
          List<StandingRead> inOrder = new ArrayList<>();
          for (String tenant : asked) {
            StandingRead one = read.get(tenant);
            if (one != null) {
              inOrder.add(one);
            }
          }
          return inOrder;
        });
  }

  /** Folds rows ordered by tenant, then invoice, into one read per tenant. */
  private static void readRows(ResultSet rs, Map<String, StandingRead> into) throws SQLException {
    String tenant = null;
    Standing stored = null;
    long revision = 0;
    List<CollectionState> open = new ArrayList<>();
    while (rs.next()) {
      String pubkey = rs.getString(11);
      if (!pubkey.equals(tenant)) {
        if (tenant != null) {
          into.put(tenant, new StandingRead(tenant, stored, revision, open));
        }
        tenant = pubkey;
        stored = Standing.valueOf(rs.getString(8));
        revision = rs.getLong(9);
        open = new ArrayList<>();
      }
      if (rs.getString(10) != null) { // null: the tenant has no open invoice
        open.add(Rows.collectionState(rs));
      }
    }
    if (tenant != null) {
      into.put(tenant, new StandingRead(tenant, stored, revision, open));
    }
  }

  List<StandingVerdict> recordStandings(List<StandingVerdict> verdicts) {
    Objects.requireNonNull(verdicts, "verdicts");
    StandingVerdict.requireOnePerTenant(verdicts);
    if (verdicts.isEmpty()) {
      return List.of();
    }
    String what =
        "recording the standing of "
            + (verdicts.size() == 1 ? verdicts.get(0).tenant() : verdicts.size() + " tenants");
    if (verdicts.size() == 1 && verdicts.get(0).changed().isEmpty()) {
      // A refresh after one round, nothing changed: one statement, committed by itself.
      return transactions.statement(what, c -> record(c, verdicts));
    }
    return transactions.write(what, (c, d) -> record(c, verdicts));
  }

  /**
   * The guarded updates as one batch, in tenant order (so that two instances recording pages that
   * share tenants lock them in one order), with the events of those recorded.
   */
  private static List<StandingVerdict> record(Connection c, List<StandingVerdict> verdicts)
      throws SQLException {
    List<StandingVerdict> sorted =
        verdicts.stream().sorted(Comparator.comparing(StandingVerdict::tenant)).toList();
    int[] counts;
    try (PreparedStatement ps = c.prepareStatement(RECORD)) {
      for (StandingVerdict verdict : sorted) {
        ps.setString(1, verdict.standing().name());
        setInstant(ps, 2, verdict.recheckAt().orElse(null));
        ps.setString(3, verdict.tenant());
        ps.setLong(4, verdict.readRevision());
        ps.addBatch();
      }
      counts = ps.executeBatch();
    }
    Set<String> recorded = new HashSet<>();
    List<BillingEvent> events = new ArrayList<>();
    for (int k = 0; k < sorted.size(); k++) {
      if (counts[k] == 1) {
        recorded.add(sorted.get(k).tenant());
        sorted.get(k).changed().ifPresent(events::add);
      }
    }
    if (!events.isEmpty()) {
      EventFeed.append(c, events);
    }
    return verdicts.stream().filter(v -> recorded.contains(v.tenant())).toList();
  }

  List<String> standingChecksDue(Instant now, int limit) {
    Objects.requireNonNull(now, "now");
    if (limit < 1) {
      return List.of();
    }
    return transactions.read(
        "listing standing checks due",
        (c, d) -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT pubkey FROM billing_tenant WHERE standing_check_at <= ? "
                      + "ORDER BY standing_check_at, pubkey LIMIT ?")) {
            setInstant(ps, 1, now);
            ps.setInt(2, limit);
            return Rows.firstColumn(ps);
          }
        });
  }
}
