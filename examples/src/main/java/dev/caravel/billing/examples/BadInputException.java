package dev.caravel.billing.examples;

/**
 * A bad input file or line: {@code file:line: message} (just {@code file: message} when no line
 * applies, such as a file that cannot be read).
 */
final class BadInputException extends Exception {
  private final String file;
  private final int line;
  private final String problem;

  BadInputException(String file, int line, String problem) {
    super(line > 0 ? file + ":" + line + ": " + problem : file + ": " + problem);
    this.file = file;
    this.line = line;
    this.problem = problem;
  }

  String file() {
    return file;
  }

  /** 1-based; 0 when the problem is with the whole file. */
  int line() {
    return line;
  }

  String problem() {
    return problem;
  }
}
