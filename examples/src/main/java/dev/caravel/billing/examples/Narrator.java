package dev.caravel.billing.examples;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Tells the demo's story: a line per thing that happens, under a header for its day (printed only
 * on days something happens) and with its time of day when that changes.
 */
final class Narrator {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
  static final String INDENT = "         ";

  private final PrintStream out;
  private final Clock clock;
  private LocalDate shownDay;
  private Instant shownTime;

  Narrator(PrintStream out, Clock clock) {
    this.out = out;
    this.clock = clock;
  }

  /** A line at the clock's time. */
  void say(String text) {
    Instant now = clock.instant();
    LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
    if (!day.equals(shownDay)) {
      line("");
      line(day + " (" + day.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ROOT) + ")");
      shownDay = day;
      shownTime = null;
    }
    String time = now.equals(shownTime) ? "     " : TIME.format(now);
    shownTime = now;
    line("  " + time + "  " + text);
  }

  /** A line under the previous one, without a time. */
  void more(String text) {
    line(INDENT + text);
  }

  /** Plain text outside the day-by-day story. */
  void plain(String text) {
    line(text);
  }

  /** Lines end in \n on every platform, so the output is the same everywhere. */
  private void line(String text) {
    out.print(text + "\n");
  }
}
