package dev.caravel.billing.jdbc;

import dev.caravel.billing.Activity;
import dev.caravel.billing.ActivityType;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Invoice.Bolt11Request;
import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.InvoiceItem;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.spi.CardCharge;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.Tenant;
import dev.caravel.billing.spi.TenantLedger;
import dev.caravel.billing.spi.UnclaimedTotal;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Rows to the core's records, and instants to and from timestamp columns. Each mapper reads the
 * columns in the order of the column list next to it; a query selects that list.
 */
final class Rows {
  private Rows() {}

  static final String ITEM_COLUMNS =
      "id, tenant, relay, plan, amount, description, at, activity_id, renewal_period, invoice_id, "
          + "adjustment_key";
  static final String INVOICE_COLUMNS =
      "i.id, i.tenant, i.period_start, i.period_end, i.total, i.currency, "
          + "i.created_at, p.method, p.reference, p.paid_at, i.closed_status, i.closed_reason, "
          + "i.closed_at, i.tax_amount, i.tax_bps, i.tax_label, i.tax_mode";

  /**
   * From the invoice and its payment, if any: the table names {@link #INVOICE_COLUMNS} refers to.
   */
  static final String INVOICE_FROM =
      " FROM billing_invoice i LEFT JOIN billing_payment p ON p.invoice_id = i.id";

  static final String BOLT11_COLUMNS =
      "invoice_id, bolt11, payment_hash, msats, created_at, expires_at, settled_at";
  static final String COLLECTION_STATE_COLUMNS =
      "rounds, round_open, first_attempt_at, next_attempt_at, lease_until, hold_reason, hold_detail";

  static Invoice invoice(ResultSet rs) throws SQLException {
    String method = rs.getString(8);
    Optional<Payment> payment =
        method == null
            ? Optional.empty()
            : Optional.of(
                new Payment(PaymentMethod.fromWireName(method), rs.getString(9), instant(rs, 10)));
    String closed = rs.getString(11);
    Optional<Invoice.Closure> closure =
        closed == null
            ? Optional.empty()
            : Optional.of(
                new Invoice.Closure(
                    Invoice.Status.valueOf(closed), rs.getString(12), instant(rs, 13)));
    return new Invoice(
        rs.getString(1),
        rs.getString(2),
        instant(rs, 3),
        instant(rs, 4),
        rs.getLong(5),
        rs.getString(6),
        instant(rs, 7),
        payment,
        closure,
        rs.getString(17) == null
            ? Optional.empty()
            : Optional.of(new Invoice.Tax(taxSetting(rs, 15), rs.getLong(14))));
  }

  /** The setting in the three columns {@code tax_bps, tax_label, tax_mode} from {@code first}. */
  private static TaxSetting taxSetting(ResultSet rs, int first) throws SQLException {
    return new TaxSetting(
        rs.getInt(first),
        rs.getString(first + 1),
        TaxSetting.Mode.valueOf(rs.getString(first + 2).toUpperCase(Locale.ROOT)));
  }

  /**
   * Binds {@code tax} to the three parameters {@code tax_bps, tax_label, tax_mode} from {@code
   * first}.
   */
  static void setTax(PreparedStatement ps, int first, Optional<TaxSetting> tax)
      throws SQLException {
    if (tax.isPresent()) {
      ps.setInt(first, tax.get().rateBps());
      ps.setString(first + 1, tax.get().label());
      ps.setString(first + 2, tax.get().mode().wireName());
    } else {
      ps.setNull(first, Types.INTEGER);
      ps.setNull(first + 1, Types.VARCHAR);
      ps.setNull(first + 2, Types.VARCHAR);
    }
  }

  static InvoiceItem item(ResultSet rs) throws SQLException {
    int period = rs.getInt(9);
    OptionalInt renewal = rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(period);
    return new InvoiceItem(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getLong(5),
        rs.getString(6),
        instant(rs, 7),
        Optional.ofNullable(rs.getString(8)),
        renewal,
        Optional.ofNullable(rs.getString(10)),
        Optional.ofNullable(rs.getString(11)));
  }

  /**
   * The activity whose type, relay, plan and at are the four columns from {@code typeColumn} on.
   */
  static Activity activity(ResultSet rs, String id, String tenant, int typeColumn)
      throws SQLException {
    return new Activity(
        id,
        tenant,
        ActivityType.fromWireName(rs.getString(typeColumn)),
        rs.getString(typeColumn + 1),
        Optional.ofNullable(rs.getString(typeColumn + 2)),
        instant(rs, typeColumn + 3));
  }

  /**
   * The tenant from its columns {@code sealed_nwc_uri, stripe_customer_id, tax_bps, tax_label,
   * tax_mode, trial_days}.
   */
  static Tenant tenant(ResultSet rs, String pubkey) throws SQLException {
    return new Tenant(
        pubkey,
        Optional.ofNullable(rs.getString(1)),
        Optional.ofNullable(rs.getString(2)),
        rs.getString(5) == null ? Optional.empty() : Optional.of(taxSetting(rs, 3)),
        optionalInt(rs, 6));
  }

  /** The integer in a nullable column, empty for SQL NULL. */
  static OptionalInt optionalInt(ResultSet rs, int column) throws SQLException {
    int value = rs.getInt(column);
    return rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(value);
  }

  static Bolt11Request bolt11(ResultSet rs) throws SQLException {
    return new Bolt11Request(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getLong(4),
        instant(rs, 5),
        instant(rs, 6),
        Optional.ofNullable(instant(rs, 7)));
  }

  /** The charge from its columns {@code payment_method_id, sent_at}. */
  static CardCharge cardCharge(ResultSet rs, String invoiceId, int round) throws SQLException {
    return new CardCharge(invoiceId, round, rs.getString(1), instant(rs, 2));
  }

  static CollectionState collectionState(ResultSet rs) throws SQLException {
    String hold = rs.getString(6);
    return new CollectionState(
        rs.getInt(1),
        rs.getBoolean(2),
        Optional.ofNullable(instant(rs, 3)),
        Optional.ofNullable(instant(rs, 4)),
        Optional.ofNullable(instant(rs, 5)),
        hold == null
            ? Optional.empty()
            : Optional.of(
                new CollectionHold(CollectionHold.Reason.valueOf(hold), rs.getString(7))));
  }

  /**
   * Folds rows of {@code pubkey, anchor, renewed_through, snapshot_period, activity_count, id,
   * type, relay, plan, at, billed, last_activity_at, unclaimed total, unclaimed count, tax_bps,
   * tax_label, tax_mode, trial_days, sealed_nwc_uri, stripe_customer_id}, ordered by tenant and
   * then log order, into one ledger per tenant, its snapshot's relays not yet filled in; a tenant
   * without activity in its tail comes as one row whose activity columns are null.
   */
  static void ledgers(ResultSet rs, Map<String, TenantLedger> into) throws SQLException {
    String current = null;
    Instant anchor = null;
    int renewed = 0;
    int snapshotPeriod = 0;
    int count = 0;
    Instant lastAt = null;
    UnclaimedTotal unclaimed = null;
    Tenant profile = null;
    List<Activity> activities = new ArrayList<>();
    Set<String> billed = new HashSet<>();
    while (rs.next()) {
      String pubkey = rs.getString(1);
      if (!pubkey.equals(current)) {
        if (current != null) {
          into.put(
              current,
              new TenantLedger(
                  current,
                  Optional.ofNullable(anchor),
                  renewed,
                  snapshotPeriod,
                  List.of(),
                  count,
                  activities,
                  billed,
                  Optional.ofNullable(lastAt),
                  unclaimed,
                  profile,
                  Optional.empty()));
        }
        current = pubkey;
        anchor = instant(rs, 2);
        renewed = rs.getInt(3);
        snapshotPeriod = rs.getInt(4);
        count = rs.getInt(5);
        lastAt = instant(rs, 12);
        BigDecimal total = rs.getBigDecimal(13);
        unclaimed =
            total == null
                ? UnclaimedTotal.none(pubkey)
                : new UnclaimedTotal(pubkey, total.toBigIntegerExact(), rs.getInt(14));
        profile =
            new Tenant(
                pubkey,
                Optional.ofNullable(rs.getString(19)),
                Optional.ofNullable(rs.getString(20)),
                rs.getString(16) == null ? Optional.empty() : Optional.of(taxSetting(rs, 15)),
                optionalInt(rs, 18));
        activities = new ArrayList<>();
        billed = new HashSet<>();
      }
      String id = rs.getString(6);
      if (id != null) {
        activities.add(activity(rs, id, pubkey, 7));
        if (rs.getBoolean(11)) {
          billed.add(id);
        }
      }
    }
    if (current != null) {
      into.put(
          current,
          new TenantLedger(
              current,
              Optional.ofNullable(anchor),
              renewed,
              snapshotPeriod,
              List.of(),
              count,
              activities,
              billed,
              Optional.ofNullable(lastAt),
              unclaimed,
              profile,
              Optional.empty()));
    }
  }

  /** The first column of every row the statement returns, as strings. */
  static List<String> firstColumn(PreparedStatement ps) throws SQLException {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  /** Binds an instant, or SQL NULL, as a UTC timestamp with time zone. */
  static void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      ps.setObject(index, OffsetDateTime.ofInstant(value, ZoneOffset.UTC));
    }
  }

  /** The instant in a timestamp column, or null for SQL NULL. */
  static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}
