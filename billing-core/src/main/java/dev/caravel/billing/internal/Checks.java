package dev.caravel.billing.internal;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.MoneyLimits;
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
   * A money value in minor units from 0 to {@link MoneyLimits#MAX_AMOUNT}: a price, or the size of
   * an adjustment or a refund. The bound keeps every sum of the ledger exact (see MoneyLimits).
   */
  public static long amount(long value, String what) {
    nonNegative(value, what);
    return atMostMaxAmount(value, what);
  }

  /** A money value in minor units from 1 to {@link MoneyLimits#MAX_AMOUNT}. */
  public static long positiveAmount(long value, String what) {
    if (value <= 0) {
      throw new InvalidInputException(what + " must be positive, got " + value);
    }
    return atMostMaxAmount(value, what);
  }

  private static long atMostMaxAmount(long value, String what) {
    if (value > MoneyLimits.MAX_AMOUNT) {
      throw new InvalidInputException(
          what
              + " must be at most "
              + MoneyLimits.MAX_AMOUNT
              + " minor units (MoneyLimits.MAX_AMOUNT), got "
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
