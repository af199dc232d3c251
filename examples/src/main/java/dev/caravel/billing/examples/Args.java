package dev.caravel.billing.examples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A command's arguments: {@code --name value} or {@code --name=value} for the options it declares,
 * {@code -h}/{@code --help}, {@code --} to end options, and positional arguments.
 */
final class Args {
  private final Map<String, String> options;
  private final List<String> positional;
  private final boolean help;

  private Args(Map<String, String> options, List<String> positional, boolean help) {
    this.options = options;
    this.positional = positional;
    this.help = help;
  }

  /**
   * @param valued the options that take a value, without their dashes (e.g. {@code plans})
   */
  static Args parse(List<String> args, Set<String> valued) {
    Map<String, String> options = new LinkedHashMap<>();
    List<String> positional = new ArrayList<>();
    boolean help = false;
    boolean optionsEnded = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
        positional.add(arg);
      } else if (arg.equals("--")) {
        optionsEnded = true;
      } else if (arg.equals("-h") || arg.equals("--help")) {
        help = true;
      } else if (arg.startsWith("--")) {
        int eq = arg.indexOf('=');
        String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
        if (!valued.contains(name)) {
          throw new UsageException("unknown option --" + name);
        }
        String value;
        if (eq >= 0) {
          value = arg.substring(eq + 1);
        } else if (i + 1 < args.size()) {
          value = args.get(++i);
        } else {
          throw new UsageException("--" + name + " needs a value");
        }
        if (options.put(name, value) != null) {
          throw new UsageException("--" + name + " is given twice");
        }
      } else {
        throw new UsageException("unknown option " + arg);
      }
    }
    return new Args(options, positional, help);
  }

  boolean help() {
    return help;
  }

  Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  String required(String name) {
    String value = options.get(name);
    if (value == null || value.isEmpty()) {
      throw new UsageException("--" + name + " is required");
    }
    return value;
  }

  List<String> positional() {
    return positional;
  }

  /** A command-line mistake: the command prints it with a pointer to its help and exits 2. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
