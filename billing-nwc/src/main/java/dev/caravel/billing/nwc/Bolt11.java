package dev.caravel.billing.nwc;

import dev.caravel.billing.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Just enough BOLT11 to check what a wallet says about an invoice: the payment hash, the amount,
 * the creation time and the expiry. The node signature is not verified (the wallet that made the
 * invoice, or the payer's wallet, does that); the bech32 checksum is.
 */
record Bolt11(String paymentHash, Optional<Long> msats, long timestamp, long expirySeconds) {
  private static final String CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  private static final int[] GEN = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  private static final int MAX_LENGTH = 7089;
  private static final int SIGNATURE_WORDS = 104;
  private static final long DEFAULT_EXPIRY = 3600;

  /** The invoice as a wallet expects it: trimmed, without a {@code lightning:} prefix. */
  static String normalize(String invoice) {
    if (invoice == null) {
      throw bad("it is empty");
    }
    String s = invoice.strip();
    if (s.regionMatches(true, 0, "lightning:", 0, 10)) {
      s = s.substring(10);
    }
    return s;
  }

  /** Decodes {@code invoice} (with or without a {@code lightning:} prefix). */
  static Bolt11 decode(String invoice) {
    String s = normalize(invoice);
    if (s.isBlank()) {
      throw bad("it is empty");
    }
    if (s.length() > MAX_LENGTH) {
      throw bad("it is too long");
    }
    if (!s.equals(s.toLowerCase(Locale.ROOT)) && !s.equals(s.toUpperCase(Locale.ROOT))) {
      throw bad("it mixes upper and lower case");
    }
    s = s.toLowerCase(Locale.ROOT);
    int sep = s.lastIndexOf('1');
    if (sep < 3 || sep + 7 > s.length()) {
      throw bad("it is not bech32");
    }
    String hrp = s.substring(0, sep);
    if (!hrp.startsWith("ln")) {
      throw bad("it does not start with ln");
    }
    int[] words = new int[s.length() - sep - 1];
    for (int i = 0; i < words.length; i++) {
      int w = CHARSET.indexOf(s.charAt(sep + 1 + i));
      if (w < 0) {
        throw bad("it has a character outside bech32");
      }
      words[i] = w;
    }
    if (polymod(hrp, words) != 1) {
      throw bad("its checksum does not match");
    }
    int dataEnd = words.length - 6 - SIGNATURE_WORDS;
    if (dataEnd < 7) {
      throw bad("it is too short");
    }
    long timestamp = number(words, 0, 7);
    String paymentHash = null;
    long expiry = DEFAULT_EXPIRY;
    int i = 7;
    while (i < dataEnd) {
      if (i + 3 > dataEnd) {
        throw bad("a tagged field is cut short");
      }
      char type = CHARSET.charAt(words[i]);
      int length = (int) number(words, i + 1, 2);
      int start = i + 3;
      if (start + length > dataEnd) {
        throw bad("a tagged field is cut short");
      }
      if (type == 'p' && length == 52 && paymentHash == null) {
        paymentHash = HexFormat.of().formatHex(bytes(words, start, length, 32));
      } else if (type == 'x' && length <= 12) {
        expiry = number(words, start, length);
      }
      i = start + length;
    }
    if (paymentHash == null) {
      throw bad("it has no payment hash");
    }
    return new Bolt11(paymentHash, amount(hrp.substring(2)), timestamp, expiry);
  }

  /** When the invoice stops being payable, in unix seconds. */
  long expiresAt() {
    return timestamp + expirySeconds;
  }

  /** "bc1500n" style: a currency prefix, then an optional amount with a multiplier. */
  private static Optional<Long> amount(String rest) {
    int digits = 0;
    while (digits < rest.length() && !Character.isDigit(rest.charAt(digits))) {
      digits++;
    }
    String currency = rest.substring(0, digits);
    if (currency.isEmpty()) {
      throw bad("it names no network");
    }
    String amount = rest.substring(digits);
    if (amount.isEmpty()) {
      return Optional.empty();
    }
    char last = amount.charAt(amount.length() - 1);
    String number = Character.isDigit(last) ? amount : amount.substring(0, amount.length() - 1);
    if (number.isEmpty()
        || number.length() > 18
        || !number.chars().allMatch(Character::isDigit)
        || (number.length() > 1 && number.charAt(0) == '0')) {
      throw bad("its amount is malformed");
    }
    long n = Long.parseLong(number);
    try {
      return Optional.of(
          switch (Character.isDigit(last) ? ' ' : last) {
            case ' ' -> Math.multiplyExact(n, 100_000_000_000L);
            case 'm' -> Math.multiplyExact(n, 100_000_000L);
            case 'u' -> Math.multiplyExact(n, 100_000L);
            case 'n' -> Math.multiplyExact(n, 100L);
            case 'p' -> {
              if (n % 10 != 0) {
                throw bad("its pico-bitcoin amount is not a whole msat");
              }
              yield n / 10;
            }
            default -> throw bad("its amount has an unknown multiplier");
          });
    } catch (ArithmeticException e) {
      throw bad("its amount is too large");
    }
  }

  private static long number(int[] words, int from, int count) {
    long v = 0;
    for (int i = 0; i < count; i++) {
      v = (v << 5) | words[from + i];
    }
    return v;
  }

  private static byte[] bytes(int[] words, int from, int count, int length) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int acc = 0;
    int bits = 0;
    for (int i = 0; i < count; i++) {
      acc = (acc << 5) | words[from + i];
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        out.write((acc >> bits) & 0xff);
      }
      acc &= (1 << bits) - 1;
    }
    byte[] b = out.toByteArray();
    return java.util.Arrays.copyOf(b, length);
  }

  private static int polymod(String hrp, int[] words) {
    int chk = 1;
    for (int i = 0; i < hrp.length(); i++) {
      chk = step(chk, hrp.charAt(i) >> 5);
    }
    chk = step(chk, 0);
    for (int i = 0; i < hrp.length(); i++) {
      chk = step(chk, hrp.charAt(i) & 31);
    }
    for (int w : words) {
      chk = step(chk, w);
    }
    return chk;
  }

  private static int step(int chk, int v) {
    int top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; i++) {
      if (((top >>> i) & 1) != 0) {
        chk ^= GEN[i];
      }
    }
    return chk;
  }

  private static InvalidInputException bad(String why) {
    return new InvalidInputException("not a BOLT11 invoice: " + why);
  }
}
