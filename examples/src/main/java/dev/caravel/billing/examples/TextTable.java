package dev.caravel.billing.examples;

import java.util.ArrayList;
import java.util.List;

/** A plain ASCII table: columns left- or right-aligned, a header, rows, and footer lines. */
final class TextTable {
  private final List<String> headers;
  private final List<Boolean> rightAligned;
  private final List<List<String>> rows = new ArrayList<>();
  private final List<List<String>> footers = new ArrayList<>();

  private TextTable(List<String> headers, List<Boolean> rightAligned) {
    this.headers = headers;
    this.rightAligned = rightAligned;
  }

  /**
   * Headers; a header starting with {@code >} makes its column right-aligned (the {@code >} is
   * dropped).
   */
  static TextTable of(String... headers) {
    List<String> names = new ArrayList<>();
    List<Boolean> right = new ArrayList<>();
    for (String h : headers) {
      right.add(h.startsWith(">"));
      names.add(h.startsWith(">") ? h.substring(1) : h);
    }
    return new TextTable(names, right);
  }

  TextTable row(String... cells) {
    rows.add(check(cells));
    return this;
  }

  /** A row below a rule, e.g. a total: {@code footer("", "", "total", "$5.00")}. */
  TextTable footer(String... cells) {
    footers.add(check(cells));
    return this;
  }

  private List<String> check(String... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException(
          "a row has " + headers.size() + " cells, got " + cells.length);
    }
    return List.of(cells);
  }

  List<String> render() {
    int[] widths = new int[headers.size()];
    for (int c = 0; c < widths.length; c++) {
      widths[c] = headers.get(c).length();
    }
    for (List<String> row : concat()) {
      for (int c = 0; c < widths.length; c++) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    StringBuilder rule = new StringBuilder("+");
    for (int width : widths) {
      rule.append("-".repeat(width + 2)).append('+');
    }
    List<String> lines = new ArrayList<>();
    lines.add(rule.toString());
    lines.add(line(headers, widths));
    lines.add(rule.toString());
    rows.forEach(r -> lines.add(line(r, widths)));
    if (!footers.isEmpty()) {
      lines.add(rule.toString());
      footers.forEach(r -> lines.add(line(r, widths)));
    }
    lines.add(rule.toString());
    return lines;
  }

  private List<List<String>> concat() {
    List<List<String>> all = new ArrayList<>(rows);
    all.addAll(footers);
    return all;
  }

  private String line(List<String> cells, int[] widths) {
    StringBuilder out = new StringBuilder("|");
    for (int c = 0; c < widths.length; c++) {
      String cell = cells.get(c);
      String pad = " ".repeat(widths[c] - cell.length());
      out.append(' ').append(rightAligned.get(c) ? pad + cell : cell + pad).append(" |");
    }
    return out.toString();
  }
}
