package dev.caravel.billing.stripe;

import dev.caravel.billing.InvalidInputException;
import java.util.Currency;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How Stripe writes amounts, and where that differs from the ISO 4217 minor unit the ledger keeps
 * (java.util.Currency's default fraction digits). From Stripe's "Supported currencies" page
 * (docs.stripe.com/currencies):
 *
 * <ul>
 *   <li>zero-decimal currencies (BIF, CLP, DJF, GNF, JPY, KMF, KRW, MGA, PYG, RWF, UGX, VND, VUV,
 *       XAF, XOF, XPF) take whole units. ISO gives MGA two decimals, so an MGA ledger amount is
 *       divided by 100 and must be a multiple of 100;
 *   <li>ISK has no minor unit in ISO but Stripe wants it as a two-decimal value whose decimals are
 *       00: the ledger amount is sent ×100;
 *   <li>the three-decimal currencies BHD, JOD, KWD, OMR and TND take thousandths, and the last
 *       digit must be 0 (card networks settle them in hundredths);
 *   <li>a charge must reach Stripe's minimum for its currency ({@link #MINIMUMS}). Stripe applies
 *       the minimum in the account's settlement currency, so for a charge in another currency this
 *       is a lower bound, and Stripe may still answer {@code amount_too_small};
 *   <li>at most 99,999,999 in Stripe's units (eight digits).
 * </ul>
 */
final class StripeCurrency {
  static final long MAX_AMOUNT = 99_999_999L;
  static final Set<String> ZERO_DECIMAL =
      Set.of(
          "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
          "xaf", "xof", "xpf");
  static final Set<String> THREE_DECIMAL = Set.of("bhd", "jod", "kwd", "omr", "tnd");

  /** Stripe's minimum charge amounts, in Stripe's units for the currency. */
  static final Map<String, Long> MINIMUMS =
      Map.ofEntries(
          Map.entry("usd", 50L),
          Map.entry("aed", 200L),
          Map.entry("aud", 50L),
          Map.entry("bgn", 100L),
          Map.entry("brl", 50L),
          Map.entry("cad", 50L),
          Map.entry("chf", 50L),
          Map.entry("czk", 1500L),
          Map.entry("dkk", 250L),
          Map.entry("eur", 50L),
          Map.entry("gbp", 30L),
          Map.entry("hkd", 400L),
          Map.entry("huf", 17500L),
          Map.entry("inr", 50L),
          Map.entry("jpy", 50L),
          Map.entry("mxn", 1000L),
          Map.entry("myr", 200L),
          Map.entry("nok", 300L),
          Map.entry("nzd", 50L),
          Map.entry("pln", 200L),
          Map.entry("ron", 200L),
          Map.entry("sek", 300L),
          Map.entry("sgd", 50L),
          Map.entry("thb", 1000L));

  private StripeCurrency() {}

  /** Stripe's lowercase code, after checking that ISO knows it. */
  static String code(String currency) {
    if (currency == null || !currency.matches("[A-Za-z]{3}")) {
      throw new InvalidInputException(
          "currency must be a three-letter ISO code, got "
              + (currency == null
                  ? "null"
                  : "\""
                      + (currency.length() > 10 ? currency.substring(0, 10) + "..." : currency)
                      + "\""));
    }
    String upper = currency.toUpperCase(Locale.ROOT);
    try {
      Currency iso = Currency.getInstance(upper);
      if (iso.getDefaultFractionDigits() < 0) {
        throw new InvalidInputException(
            "currency " + upper + " has no minor unit (not a money currency Stripe charges in)");
      }
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("currency " + upper + " is not an ISO 4217 currency");
    }
    return upper.toLowerCase(Locale.ROOT);
  }

  static int isoDigits(String code) {
    return Currency.getInstance(code.toUpperCase(Locale.ROOT)).getDefaultFractionDigits();
  }

  static int stripeDigits(String code) {
    if (ZERO_DECIMAL.contains(code)) {
      return 0;
    }
    if (THREE_DECIMAL.contains(code)) {
      return 3;
    }
    return 2; // ISK included: two decimals, always 00.
  }

  /** The smallest ledger amount Stripe can charge (its minimum, converted back), if it has one. */
  static Optional<Long> minimumLedgerAmount(String code) {
    return Optional.ofNullable(MINIMUMS.get(code))
        .map(
            min -> {
              int shift = stripeDigits(code) - isoDigits(code);
              long factor = pow10(Math.abs(shift));
              return shift >= 0 ? (min + factor - 1) / factor : min * factor;
            });
  }

  /**
   * The ledger amount (ISO minor units) as Stripe's {@code amount}, checked against every rule
   * above, for a charge. Throws {@link InvalidInputException} saying which rule failed.
   */
  static long toStripe(long ledgerAmount, String currency) {
    return toStripe(ledgerAmount, currency, true);
  }

  /** As {@link #toStripe(long, String)}; {@code charge} false (a refund) skips the minimum. */
  static long toStripe(long ledgerAmount, String currency, boolean charge) {
    String code = code(currency);
    if (ledgerAmount <= 0) {
      throw new InvalidInputException("a Stripe amount must be positive, got " + ledgerAmount);
    }
    long amount = convert(ledgerAmount, code);
    if (amount > MAX_AMOUNT) {
      throw new InvalidInputException(
          "amount "
              + ledgerAmount
              + " "
              + code.toUpperCase(Locale.ROOT)
              + " is "
              + amount
              + " in Stripe's units, above Stripe's maximum of "
              + MAX_AMOUNT);
    }
    if (THREE_DECIMAL.contains(code) && amount % 10 != 0) {
      throw new InvalidInputException(
          "amount "
              + ledgerAmount
              + " "
              + code.toUpperCase(Locale.ROOT)
              + " cannot be charged through Stripe: three-decimal currencies must end in 0 (round to 10 "
              + code.toUpperCase(Locale.ROOT)
              + " minor units)");
    }
    Long min = MINIMUMS.get(code);
    if (charge && min != null && amount < min) {
      throw new InvalidInputException(
          "amount "
              + ledgerAmount
              + " "
              + code.toUpperCase(Locale.ROOT)
              + " is below Stripe's minimum charge of "
              + minimumLedgerAmount(code).orElseThrow()
              + " (in the ledger's minor units)");
    }
    return amount;
  }

  /**
   * A Stripe amount back in ledger units (ISO minor units); rounds toward zero if ISO is coarser.
   */
  static long toLedger(long stripeAmount, String currency) {
    String code = code(currency);
    int shift = stripeDigits(code) - isoDigits(code);
    return shift >= 0 ? stripeAmount / pow10(shift) : stripeAmount * pow10(-shift);
  }

  private static long convert(long ledgerAmount, String code) {
    int shift = stripeDigits(code) - isoDigits(code);
    if (shift >= 0) {
      return Math.multiplyExact(ledgerAmount, pow10(shift));
    }
    long factor = pow10(-shift);
    if (ledgerAmount % factor != 0) {
      throw new InvalidInputException(
          "amount "
              + ledgerAmount
              + " "
              + code.toUpperCase(Locale.ROOT)
              + " cannot be charged through Stripe, which takes whole units of this currency: it must be a multiple of "
              + factor);
    }
    return ledgerAmount / factor;
  }

  private static long pow10(int n) {
    long p = 1;
    for (int i = 0; i < n; i++) {
      p *= 10;
    }
    return p;
  }
}
