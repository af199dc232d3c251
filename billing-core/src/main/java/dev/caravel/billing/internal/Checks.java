package dev.caravel.billing.internal;

import dev.caravel.billing.Billing;
import dev.caravel.billing.InvalidInputException;
import java.time.Instant;
import java.util.regex.Pattern;

/** Argument checks shared by the values; each failure is an {@link InvalidInputException}. */
public final class Checks {
  private static final Pattern PUBKEY = Pattern.compile("[0-9a-f]{64}");
  public static final int MAX_ID_LENGTH = 128;

  private Checks() {}

  public static String pubkey(String value, String what) {
    if (value == null || !PUBKEY.matcher(value).matches()) {
      throw new InvalidInputException(
          what + " must be 64 lowercase hex characters, got " + quote(value));
    }
    return value;
  }

  public static String id(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new InvalidInputException(what + " must not be blank");
    }
    if (value.length() > MAX_ID_LENGTH) {
      throw new InvalidInputException(what + " must be at most " + MAX_ID_LENGTH + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new InvalidInputException(what + " must not contain control characters");
      }
    }
    return value;
  }

  public static String text(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new InvalidInputException(what + " must not be blank");
    }
    return value;
  }

  /** S19: a plan bills every 1, 3, 6 or 12 months. */
  public static int intervalMonths(int value, String what) {
    if (value != 1 && value != 3 && value != 6 && value != 12) {
      throw new InvalidInputException(what + " must be 1, 3, 6 or 12 months, got " + value);
    }
    return value;
  }

  public static <T> T notNull(T value, String what) {
    if (value == null) {
      throw new InvalidInputException(what + " must not be null");
    }
    return value;
  }

  /**
   * Time in this library is whole seconds (the README's rules: "a UTC instant in whole seconds").
   */
  public static Instant instant(Instant value, String what) {
    notNull(value, what);
    if (value.getNano() != 0) {
      throw new InvalidInputException(what + " must be whole seconds, got " + value);
    }
    return value;
  }

  public static long nonNegative(long value, String what) {
    if (value < 0) {
      throw new InvalidInputException(what + " must not be negative, got " + value);
    }
    return value;
  }

  /**
   * A money value in minor units from 0 to {@link Billing#MAX_AMOUNT}: a price, or the size of an
   * adjustment or a refund. Every money value that enters through the public API is checked here or
   * by {@link #positiveAmount}: a {@code Plan}'s and a {@code PlanCatalogue.Version}'s amount,
   * {@code changePrice}, {@code credit}, {@code charge}, {@code refund}, and the price {@code
   * Invoice.Period.prorate} is asked about (DESIGN "Security", bounded input).
   *
   * <p>Why 10<sup>12</sup> (ten billion dollars in cents: far above any plan price or hand
   * adjustment a relay host makes, far below {@code Long.MAX_VALUE}, about 9.22 × 10<sup>18</sup>)
   * keeps the ledger's arithmetic exact:
   *
   * <ul>
   *   <li><b>Every item is within ±{@code MAX_AMOUNT}.</b> A renewal is a price; a proration is at
   *       most its price; a plan change is the difference of two prorations, each in {@code [0,
   *       MAX_AMOUNT]}; a hand adjustment and a refund credit are bounded where they enter.
   *   <li><b>A tenant's sums are exact up to about 9.2 million items</b> ({@code Long.MAX_VALUE /
   *       MAX_AMOUNT} = 9,223,372 items at the maximum, in either direction): a relay renewed every
   *       month for a century makes 1,200. Sums are still taken with {@link Math#addExact} (claims,
   *       balances), so a ledger beyond that fails loudly for that tenant; it never wraps around.
   *   <li><b>Proration needs no big integers.</b> {@code price × seconds left} is at most
   *       10<sup>12</sup> × 2,678,400 (a 31-day month) ≈ 2.7 × 10<sup>18</sup>, and twice that plus
   *       the period's length for rounding half up stays below 5.4 × 10<sup>18</sup> &lt;
   *       2<sup>63</sup>.
   * </ul>
   */
  public static long amount(long value, String what) {
    nonNegative(value, what);
    return atMostMaxAmount(value, what);
  }

  /** A money value in minor units from 1 to {@link Billing#MAX_AMOUNT}. */
  public static long positiveAmount(long value, String what) {
    if (value <= 0) {
      throw new InvalidInputException(what + " must be positive, got " + value);
    }
    return atMostMaxAmount(value, what);
  }

  private static long atMostMaxAmount(long value, String what) {
    if (value > Billing.MAX_AMOUNT) {
      throw new InvalidInputException(
          what
              + " must be at most "
              + Billing.MAX_AMOUNT
              + " minor units (Billing.MAX_AMOUNT), got "
              + value);
    }
    return value;
  }

  private static String quote(String value) {
    if (value == null) {
      return "null";
    }
    String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    return "\"" + shown + "\"";
  }
}
