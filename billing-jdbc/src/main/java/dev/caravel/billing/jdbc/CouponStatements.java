package dev.caravel.billing.jdbc;

import static dev.caravel.billing.jdbc.Rows.instant;
import static dev.caravel.billing.jdbc.Rows.setInstant;

import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PlanCatalogue.Coupon;
import dev.caravel.billing.spi.Claim;
import dev.caravel.billing.spi.CouponRedemption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Coupons and redemptions (S21, V17): stored insert-if-absent, each tenant's latest redemption read
 * with its ledger, and what a claim's discount writes in the claim's transaction. Records only: the
 * engine decides every discount.
 */
final class CouponStatements {
  private static final String COUPON_COLUMNS =
      "c.code, c.percent_off, c.amount_off, c.duration, c.periods";

  private final Transactions transactions;

  CouponStatements(Transactions transactions) {
    this.transactions = transactions;
  }

  Optional<Coupon> define(Coupon coupon) {
    Objects.requireNonNull(coupon, "coupon");
    return transactions.write(
        "defining coupon " + coupon.code(),
        (c, d) -> {
          // A racing definition of the code makes the insert fail on the primary key; the
          // transaction is then run again and finds it here.
          Optional<Coupon> stored = coupon(c, coupon.code());
          if (stored.isPresent()) {
            return stored;
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO billing_coupon (code, percent_off, amount_off, duration, periods) "
                      + "VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, coupon.code());
            ps.setInt(2, coupon.percentOff());
            ps.setLong(3, coupon.amountOff());
            ps.setString(4, coupon.duration().name());
            ps.setInt(5, coupon.periods());
            ps.executeUpdate();
          }
          try (PreparedStatement ps =
              c.prepareStatement("INSERT INTO billing_coupon_plan (code, plan) VALUES (?, ?)")) {
            for (String plan : coupon.plans()) {
              ps.setString(1, coupon.code());
              ps.setString(2, plan);
              ps.addBatch();
            }
            ps.executeBatch();
          }
          return Optional.<Coupon>empty();
        });
  }

  Optional<Coupon> find(String code) {
    return transactions.read("reading coupon " + code, (c, d) -> coupon(c, code));
  }

  Optional<CouponRedemption> redeem(CouponRedemption redemption) {
    Objects.requireNonNull(redemption, "redemption");
    return transactions.write(
        "redeeming coupon " + redemption.coupon().code(),
        (c, d) -> {
          Optional<CouponRedemption> stored = redemption(c, redemption.key());
          if (stored.isPresent()) {
            return stored;
          }
          if (coupon(c, redemption.coupon().code()).isEmpty()) {
            throw new InvalidInputException("no coupon " + redemption.coupon().code());
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO billing_coupon_redemption (redemption_key, tenant, code, redeemed_at) "
                      + "VALUES (?, ?, ?, ?)")) {
            ps.setString(1, redemption.key());
            ps.setString(2, redemption.tenant());
            ps.setString(3, redemption.coupon().code());
            setInstant(ps, 4, redemption.redeemedAt());
            ps.executeUpdate();
          }
          return Optional.<CouponRedemption>empty();
        });
  }

  /**
   * Each tenant's latest redemption (the highest seq), with its coupon; tenants without, absent.
   */
  static Map<String, CouponRedemption> latest(Connection c, Dialect d, List<String> tenants)
      throws SQLException {
    Map<String, CouponRedemption> out = new HashMap<>();
    for (List<String> chunk : Dialect.chunks(tenants)) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT r.redemption_key, r.tenant, r.redeemed_at, r.uses, "
                  + COUPON_COLUMNS
                  + " FROM billing_coupon_redemption r JOIN billing_coupon c ON c.code = r.code "
                  + "WHERE r.tenant = ANY (?) AND r.seq = (SELECT MAX(l.seq) "
                  + "FROM billing_coupon_redemption l WHERE l.tenant = r.tenant)")) {
        ps.setArray(1, d.textArray(c, chunk));
        for (CouponRedemption r : redemptions(c, ps)) {
          out.put(r.tenant(), r);
        }
      }
    }
    return out;
  }

  /**
   * The tenants of {@code claims} whose discount was decided from a redemption that is no longer
   * their latest with the uses read: their claims record nothing (as if their items moved). Under
   * the tenant locks the claim holds.
   */
  static Set<String> redemptionMoved(Connection c, Dialect d, List<Claim> claims)
      throws SQLException {
    List<Claim> discounted = claims.stream().filter(cl -> cl.discount().isPresent()).toList();
    Set<String> moved = new HashSet<>();
    if (discounted.isEmpty()) {
      return moved;
    }
    Map<String, CouponRedemption> latest =
        latest(c, d, discounted.stream().map(Claim::tenant).distinct().sorted().toList());
    for (Claim claim : discounted) {
      Claim.Discount discount = claim.discount().orElseThrow();
      CouponRedemption now = latest.get(claim.tenant());
      if (now == null
          || !now.key().equals(discount.redemptionKey())
          || now.uses() != discount.usesRead()) {
        moved.add(claim.tenant());
      }
    }
    return moved;
  }

  /**
   * What the claims' discounts write with their invoices, just inserted ({@code created[k]} made
   * from {@code making[k]}): each discount's item on its invoice and one more use of its
   * redemption; an invoice left with nothing to pay is paid as it is made, its {@code
   * PAYMENT_SUCCEEDED} appended. Returns the invoices as they now stand.
   */
  static List<Invoice> recordDiscounts(Connection c, List<Claim> making, List<Invoice> created)
      throws SQLException {
    List<Invoice> out = new ArrayList<>(created);
    List<BillingEvent> paid = new ArrayList<>();
    try (PreparedStatement item =
            c.prepareStatement(
                "INSERT INTO billing_item (id, tenant, relay, plan, amount, description, at, "
                    + "adjustment_key, invoice_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement use =
            c.prepareStatement(
                "UPDATE billing_coupon_redemption SET uses = uses + 1 WHERE redemption_key = ?");
        PreparedStatement settle =
            c.prepareStatement(
                "UPDATE billing_invoice SET paid = TRUE, next_attempt_at = NULL WHERE id = ?");
        PreparedStatement payment =
            c.prepareStatement(
                "INSERT INTO billing_payment (invoice_id, method, reference, paid_at) "
                    + "VALUES (?, ?, ?, ?)")) {
      for (int k = 0; k < making.size(); k++) {
        Claim claim = making.get(k);
        Invoice invoice = created.get(k);
        Optional<InvoiceItem> discount = claim.discountItem(invoice.id());
        if (discount.isEmpty()) {
          continue;
        }
        InvoiceItem i = discount.get();
        item.setString(1, i.id());
        item.setString(2, i.tenant());
        item.setString(3, i.relay());
        item.setString(4, i.plan());
        item.setLong(5, i.amount());
        item.setString(6, i.description());
        setInstant(item, 7, i.at());
        item.setString(8, i.adjustmentKey().orElseThrow());
        item.setString(9, invoice.id());
        item.executeUpdate();
        use.setString(1, claim.discount().orElseThrow().redemptionKey());
        use.executeUpdate();
        Optional<Payment> atOnce = claim.settledAtOnce();
        if (atOnce.isPresent()) {
          settle.setString(1, invoice.id());
          settle.executeUpdate();
          payment.setString(1, invoice.id());
          payment.setString(2, atOnce.get().method().wireName());
          payment.setString(3, atOnce.get().reference());
          setInstant(payment, 4, atOnce.get().paidAt());
          payment.executeUpdate();
          Invoice settled = invoice.paidBy(atOnce.get());
          out.set(k, settled);
          paid.add(BillingEvent.paid(settled, atOnce.get()));
        }
      }
    }
    if (!paid.isEmpty()) {
      EventFeed.append(c, paid);
    }
    return out;
  }

  private static Optional<Coupon> coupon(Connection c, String code) throws SQLException {
    int percent;
    long amount;
    Coupon.Duration duration;
    int periods;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT " + COUPON_COLUMNS + " FROM billing_coupon c WHERE c.code = ?")) {
      ps.setString(1, code);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        percent = rs.getInt(2);
        amount = rs.getLong(3);
        duration = Coupon.Duration.valueOf(rs.getString(4));
        periods = rs.getInt(5);
      }
    }
    return Optional.of(new Coupon(code, percent, amount, duration, periods, plans(c, code)));
  }

  private static Set<String> plans(Connection c, String code) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT plan FROM billing_coupon_plan WHERE code = ?")) {
      ps.setString(1, code);
      return new HashSet<>(Rows.firstColumn(ps));
    }
  }

  private static Optional<CouponRedemption> redemption(Connection c, String key)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT r.redemption_key, r.tenant, r.redeemed_at, r.uses, "
                + COUPON_COLUMNS
                + " FROM billing_coupon_redemption r JOIN billing_coupon c ON c.code = r.code "
                + "WHERE r.redemption_key = ?")) {
      ps.setString(1, key);
      return redemptions(c, ps).stream().findFirst();
    }
  }

  /** The redemptions a query of {@code r.*, c.*} answers, each with its coupon's plans. */
  private static List<CouponRedemption> redemptions(Connection c, PreparedStatement ps)
      throws SQLException {
    record Row(
        String key,
        String tenant,
        java.time.Instant at,
        int uses,
        String code,
        int percent,
        long amount,
        Coupon.Duration duration,
        int periods) {}
    List<Row> rows = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows.add(
            new Row(
                rs.getString(1),
                rs.getString(2),
                instant(rs, 3),
                rs.getInt(4),
                rs.getString(5),
                rs.getInt(6),
                rs.getLong(7),
                Coupon.Duration.valueOf(rs.getString(8)),
                rs.getInt(9)));
      }
    }
    Map<String, Set<String>> plans = new HashMap<>();
    List<CouponRedemption> out = new ArrayList<>();
    for (Row r : rows) {
      Set<String> of = plans.get(r.code());
      if (of == null) {
        of = plans(c, r.code());
        plans.put(r.code(), of);
      }
      out.add(
          new CouponRedemption(
              r.key(),
              r.tenant(),
              new Coupon(r.code(), r.percent(), r.amount(), r.duration(), r.periods(), of),
              r.at(),
              r.uses()));
    }
    return out;
  }
}
