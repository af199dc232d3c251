package dev.caravel.billing;

import java.time.Instant;
import java.util.regex.Pattern;

/** Argument checks shared by the values; each failure is an {@link InvalidInputException}. */
final class Checks {
  private static final Pattern PUBKEY = Pattern.compile("[0-9a-f]{64}");
  static final int MAX_ID_LENGTH = 128;

  private Checks() {}

  static String pubkey(String value, String what) {
    if (value == null || !PUBKEY.matcher(value).matches()) {
      throw new InvalidInputException(what + " must be 64 lowercase hex characters, got " + quote(value));
    }
    return value;
  }

  static String id(String value, String what) {
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

  static String text(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new InvalidInputException(what + " must not be blank");
    }
    return value;
  }

  static <T> T notNull(T value, String what) {
    if (value == null) {
      throw new InvalidInputException(what + " must not be null");
    }
    return value;
  }

  /** Time in this library is whole seconds (DESIGN: "a UTC instant with whole seconds"). */
  static Instant instant(Instant value, String what) {
    notNull(value, what);
    if (value.getNano() != 0) {
      throw new InvalidInputException(what + " must be whole seconds, got " + value);
    }
    return value;
  }

  static long nonNegative(long value, String what) {
    if (value < 0) {
      throw new InvalidInputException(what + " must not be negative, got " + value);
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
