package dev.caravel.billing.examples;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code billing} command: {@code java -jar examples/target/billing.jar <command> [options]}.
 *
 * <p>Exit codes: 0 success; 1 a runtime failure (a wallet that did not answer, a database error); 2
 * bad input (a usage mistake, or a bad file or line for {@code replay}).
 *
 * <p>{@link #run} is the whole command, in-process: tests call it with their own streams.
 */
public final class Main {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int BAD_INPUT = 2;

  static final String HELP =
      """
      Usage: billing <command> [options]

      Caravel Billing: embeddable billing for services that host Nostr relays on monthly plans.

      Commands:
        demo        Three tenants over four months on a driven clock, on an embedded H2
                    database, paying through demo rails. No setup; finishes in seconds.
        replay      Replay a plans file and an activity log through the real engine and print
                    every invoice it makes, as JSON Lines: "why was I charged this?"
        nwc-check   Connect to a Nostr Wallet Connect wallet and check it can make and look up
                    an invoice.
        help        Show this help, or a command's help: billing help <command>

      Run 'billing <command> --help' for a command's options and formats.

      Exit codes: 0 success, 1 runtime failure, 2 bad input or usage.
      """;

  private Main() {}

  public static void main(String[] args) {
    // The libraries log through slf4j (to stderr); a command-line tool shows warnings and errors
    // only, unless asked: -Dorg.slf4j.simpleLogger.defaultLogLevel=debug
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    // JSON Lines are UTF-8 whatever the platform's default encoding.
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    PrintStream err =
        new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    int code = run(args, out, err);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs one command; returns its exit code. Never calls {@code System.exit}. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.print(HELP);
      return BAD_INPUT;
    }
    String command = args[0];
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    switch (command) {
      case "-h", "--help" -> {
        out.print(HELP);
        return OK;
      }
      case "help" -> {
        if (rest.isEmpty()) {
          out.print(HELP);
          return OK;
        }
        return run(new String[] {rest.get(0), "--help"}, out, err);
      }
      case "demo" -> {
        return guarded("demo", () -> DemoCommand.run(rest, out, err), err);
      }
      case "replay" -> {
        return guarded("replay", () -> ReplayCommand.run(rest, out, err), err);
      }
      case "nwc-check" -> {
        return guarded("nwc-check", () -> NwcCheckCommand.run(rest, out, err), err);
      }
      default -> {
        err.println("billing: unknown command \"" + command + "\"");
        err.println("Run 'billing --help' for the commands.");
        return BAD_INPUT;
      }
    }
  }

  interface CommandBody {
    int run();
  }

  /** Usage mistakes exit 2 with a pointer to the help; anything unexpected exits 1, briefly. */
  private static int guarded(String name, CommandBody body, PrintStream err) {
    try {
      return body.run();
    } catch (Args.UsageException e) {
      err.println("billing " + name + ": " + e.getMessage());
      err.println("Run 'billing " + name + " --help' for usage.");
      return BAD_INPUT;
    } catch (RuntimeException e) {
      err.println("billing " + name + ": failed: " + describe(e));
      return FAILED;
    }
  }

  static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
