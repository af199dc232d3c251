package dev.caravel.billing.documents;

import java.util.ArrayList;
import java.util.List;

/** Text from the ledger made fit to show: one line, no control or bidi-override characters. */
final class Texts {
  private Texts() {}

  /**
   * Control characters (a newline could forge a line of the text invoice) and the bidirectional
   * overrides and isolates (which could reorder what a reader sees) become spaces; runs of
   * whitespace fold to one space; the ends are trimmed.
   */
  static String clean(String text) {
    StringBuilder out = new StringBuilder(text.length());
    boolean space = false;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isISOControl(cp)
          || Character.isWhitespace(cp)
          || Character.isSpaceChar(cp)
          || isBidiControl(cp)) {
        space = true;
        continue;
      }
      if (space && out.length() > 0) {
        out.append(' ');
      }
      space = false;
      out.appendCodePoint(cp);
    }
    return out.toString();
  }

  private static boolean isBidiControl(int cp) {
    return cp == 0x061C
        || cp == 0x200E
        || cp == 0x200F
        || (cp >= 0x202A && cp <= 0x202E)
        || (cp >= 0x2066 && cp <= 0x2069);
  }

  /** Number of code points (the text invoice assumes one column per code point). */
  static int width(String s) {
    return s.codePointCount(0, s.length());
  }

  static String padRight(String s, int width) {
    return s + " ".repeat(Math.max(0, width - width(s)));
  }

  static String padLeft(String s, int width) {
    return " ".repeat(Math.max(0, width - width(s))) + s;
  }

  /**
   * Cleaned text wrapped at spaces into lines of at most {@code width} code points (long words are
   * cut).
   */
  static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : clean(text).split(" ")) {
      while (width(word) > width) {
        if (line.length() > 0) {
          lines.add(line.toString());
          line.setLength(0);
        }
        int cut = word.offsetByCodePoints(0, width);
        lines.add(word.substring(0, cut));
        word = word.substring(cut);
      }
      if (line.length() > 0 && width(line.toString()) + 1 + width(word) > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0 || lines.isEmpty()) {
      lines.add(line.toString());
    }
    return lines;
  }
}
