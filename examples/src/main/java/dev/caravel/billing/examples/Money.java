package dev.caravel.billing.examples;

import java.util.Currency;
import java.util.Locale;

/** Formats exact amounts with integer arithmetic only: minor units and millisatoshis. */
final class Money {
  private Money() {}

  /**
   * {@code 150000, "usd"} → {@code $1,500.00}; {@code -207, "usd"} → {@code -$2.07}; other
   * currencies as {@code 12.34 EUR}.
   */
  static String format(long minorUnits, String currency) {
    String code = currency.toUpperCase(Locale.ROOT);
    int digits = fractionDigits(code);
    long unit = 1;
    for (int i = 0; i < digits; i++) {
      unit *= 10;
    }
    boolean negative = minorUnits < 0;
    long whole = minorUnits / unit;
    long fraction = minorUnits % unit;
    if (negative) {
      // -Long.MIN_VALUE overflows back to itself, but read as unsigned it is the right magnitude.
      whole = -whole;
      fraction = -fraction;
    }
    StringBuilder number = new StringBuilder(group(Long.toUnsignedString(whole)));
    if (digits > 0) {
      String f = Long.toString(fraction);
      number.append('.').append("0".repeat(digits - f.length())).append(f);
    }
    String sign = negative ? "-" : "";
    return code.equals("USD") ? sign + "$" + number : sign + number + " " + code;
  }

  /** {@code 5000000} → {@code 5,000,000 msats}. */
  static String msats(long msats) {
    return (msats < 0 ? "-" : "")
        + group(Long.toUnsignedString(msats < 0 ? -msats : msats))
        + " msats";
  }

  /** Digits grouped by thousands with commas. */
  private static String group(String digits) {
    StringBuilder out = new StringBuilder();
    int lead = digits.length() % 3;
    if (lead == 0) {
      lead = 3;
    }
    out.append(digits, 0, lead);
    for (int i = lead; i < digits.length(); i += 3) {
      out.append(',').append(digits, i, i + 3);
    }
    return out.toString();
  }

  private static int fractionDigits(String code) {
    try {
      int digits = Currency.getInstance(code).getDefaultFractionDigits();
      return digits < 0 ? 2 : digits;
    } catch (IllegalArgumentException e) {
      return 2;
    }
  }
}
