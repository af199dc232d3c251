package dev.caravel.billing.nostr;

import java.security.SecureRandom;

/** Fresh random messages for every run: ASCII, escapes, control characters, CJK, emoji. */
final class RandomText {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String[] PIECES = {
    "a",
    "Z",
    "0",
    " ",
    "\"",
    "\\",
    "/",
    "\n",
    "\r",
    "\t",
    "\b",
    "\f",
    "\u0001",
    "\u001f",
    "\u007f",
    "é",
    "ß",
    "\u2028",
    "日本",
    "€",
    "😀",
    "🧾",
    "<script>",
    "&amp;",
    "{}",
    "[]",
    "null"
  };

  private RandomText() {}

  static String of(int pieces) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < pieces; i++) {
      sb.append(PIECES[RANDOM.nextInt(PIECES.length)]);
    }
    return sb.toString();
  }

  static String any() {
    return of(1 + RANDOM.nextInt(200));
  }

  static int nextInt(int bound) {
    return RANDOM.nextInt(bound);
  }
}
