package dev.caravel.billing.documents;

import java.text.DecimalFormatSymbols;
import java.util.Currency;
import java.util.Locale;
import java.util.Objects;

/**
 * Formats an amount in minor units (the ledger's {@code long}) by its currency's own exponent and
 * symbol: {@code usd} 1234 is {@code $12.34}, {@code jpy} 1234 is {@code ¥1,234}, {@code kwd} 1234
 * is {@code KWD 1.234}, {@code isk} 1234 is {@code ISK 1,234}, and a credit of {@code usd} −250 is
 * {@code -$2.50}.
 *
 * <p>The exponent is ISO 4217's minor unit as {@link Currency#getDefaultFractionDigits()} gives it;
 * the symbol is {@link Currency#getSymbol(Locale)}, and the locale also gives the decimal and
 * grouping separators. A symbol that ends in a letter (a bare code such as {@code KWD}) is followed
 * by a space. The digits come from the integer's decimal string, never through floating point, so
 * every {@code long} formats exactly, {@link Long#MIN_VALUE} included.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class MoneyFormat {
  private final String currencyCode;
  private final int exponent;
  private final String symbol;
  private final char decimalSeparator;
  private final char groupingSeparator;

  private MoneyFormat(String currencyCode, int exponent, String symbol, Locale locale) {
    this.currencyCode = currencyCode;
    this.exponent = exponent;
    this.symbol = symbol;
    DecimalFormatSymbols symbols = DecimalFormatSymbols.getInstance(locale);
    this.decimalSeparator = symbols.getMonetaryDecimalSeparator();
    this.groupingSeparator = symbols.getGroupingSeparator();
  }

  /** The format of an ISO 4217 currency, in {@link Locale#US} (so {@code usd} is {@code $}). */
  public static MoneyFormat of(String currency) {
    return of(currency, Locale.US);
  }

  /**
   * The format of an ISO 4217 currency ({@code "usd"} or {@code "USD"}) in {@code locale}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the code is not an ISO 4217 currency, or the currency has
   *     no minor unit defined (such as {@code XAU}); use {@link #custom} for those
   */
  public static MoneyFormat of(String currency, Locale locale) {
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(locale, "locale");
    Currency iso;
    try {
      iso = Currency.getInstance(currency.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "\"" + currency + "\" is not an ISO 4217 currency code; use MoneyFormat.custom for it",
          e);
    }
    int digits = iso.getDefaultFractionDigits();
    if (digits < 0) {
      throw new IllegalArgumentException(
          iso.getCurrencyCode()
              + " has no minor unit; use MoneyFormat.custom with the exponent the ledger uses");
    }
    return new MoneyFormat(iso.getCurrencyCode(), digits, iso.getSymbol(locale), locale);
  }

  /**
   * A format for a unit ISO 4217 does not define (sats, say) or with a symbol of your choosing.
   *
   * @param code the currency code as the catalogue spells it; compared case-insensitively
   * @param exponent digits after the decimal separator, 0 to 18
   * @param symbol shown before the amount; may be empty
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the code is blank or the exponent out of range
   */
  public static MoneyFormat custom(String code, int exponent, String symbol, Locale locale) {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(symbol, "symbol");
    Objects.requireNonNull(locale, "locale");
    if (code.isBlank()) {
      throw new IllegalArgumentException("currency code must not be blank");
    }
    if (exponent < 0 || exponent > 18) {
      throw new IllegalArgumentException("exponent must be 0 to 18, got " + exponent);
    }
    return new MoneyFormat(code.toUpperCase(Locale.ROOT), exponent, symbol, locale);
  }

  /** The upper-case currency code. */
  public String currencyCode() {
    return currencyCode;
  }

  /** Digits after the decimal separator (ISO 4217's minor unit). */
  public int exponent() {
    return exponent;
  }

  public String symbol() {
    return symbol;
  }

  /** {@code minorUnits} as text, e.g. {@code -$1,234.50}. */
  public String format(long minorUnits) {
    String digits = Long.toString(minorUnits);
    boolean negative = digits.charAt(0) == '-';
    if (negative) {
      digits = digits.substring(1);
    }
    if (digits.length() <= exponent) {
      digits = "0".repeat(exponent - digits.length() + 1) + digits;
    }
    String whole = digits.substring(0, digits.length() - exponent);
    String fraction = digits.substring(digits.length() - exponent);

    StringBuilder out = new StringBuilder(symbol.length() + digits.length() + 8);
    if (negative) {
      out.append('-');
    }
    out.append(symbol);
    if (!symbol.isEmpty() && Character.isLetter(symbol.codePointBefore(symbol.length()))) {
      out.append(' ');
    }
    int lead = whole.length() % 3 == 0 ? 3 : whole.length() % 3;
    out.append(whole, 0, lead);
    for (int i = lead; i < whole.length(); i += 3) {
      out.append(groupingSeparator).append(whole, i, i + 3);
    }
    if (exponent > 0) {
      out.append(decimalSeparator).append(fraction);
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return "MoneyFormat["
        + currencyCode
        + ", exponent "
        + exponent
        + ", symbol \""
        + symbol
        + "\"]";
  }
}
