package dev.caravel.billing.nwc;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;

/**
 * A Node script from src/test/node run as a child process: JSON lines out (kept, and copied to
 * target/interop-logs), JSON commands in. Stops when closed (stdin closes, then it is destroyed).
 */
final class NodePeer implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final String name;
  private final Process process;
  private final Writer stdin;
  private final List<JsonNode> lines = new ArrayList<>();
  private final AtomicInteger seq = new AtomicInteger();
  private boolean ended;

  private NodePeer(String name, Process process) {
    this.name = name;
    this.process = process;
    this.stdin = process.outputWriter(StandardCharsets.UTF_8);
  }

  static Path nodeDir() {
    return Path.of(System.getProperty("nwc.node.dir", "src/test/node")).toAbsolutePath();
  }

  /**
   * Skips the calling test when node or the installed peers are missing, with the reason; fails
   * instead when CI=true, where the interop tests must run.
   */
  static void assumeAvailable() {
    String missing = whyUnavailable();
    if (missing == null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("NWC interop tests cannot run on CI: " + missing);
    }
    String message =
        "NWC interop tests skipped: "
            + missing
            + " (install Node.js 20+ and run `npm ci` in billing-nwc/src/test/node; with CI=true they fail instead)";
    System.err.println("[billing-nwc] " + message);
    Assumptions.abort(message);
  }

  private static volatile String[] unavailable;

  /** Why the interop tests cannot run here, or null when they can (checked once). */
  static String whyUnavailable() {
    String[] known = unavailable;
    if (known == null) {
      known = new String[] {check()};
      unavailable = known;
    }
    return known[0];
  }

  private static String check() {
    if (!Files.isDirectory(nodeDir().resolve("node_modules/@getalby/sdk"))
        || !Files.isDirectory(nodeDir().resolve("node_modules/@nostr-relay/core"))) {
      return "the Node peers are not installed in " + nodeDir();
    }
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      String version =
          new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return "`node --version` failed";
      }
      int major = Integer.parseInt(version.replaceAll("^v(\\d+).*$", "$1"));
      return major >= 20 ? null : "Node.js " + version + " is older than 20";
    } catch (IOException | NumberFormatException e) {
      return "node is not on the PATH";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  static NodePeer start(String script, String... args) {
    String name = script.replace(".mjs", "") + "-" + COUNTER.incrementAndGet();
    Path logDir = Path.of(System.getProperty("nwc.log.dir", "target/interop-logs"));
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(List.of(args));
    try {
      Files.createDirectories(logDir);
      Process process =
          new ProcessBuilder(command)
              .directory(nodeDir().toFile())
              .redirectError(logDir.resolve(name + ".err").toFile())
              .start();
      NodePeer peer = new NodePeer(name, process);
      Writer log = Files.newBufferedWriter(logDir.resolve(name + ".out"), StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> peer.pump(log), "node-" + name);
      reader.setDaemon(true);
      reader.start();
      return peer;
    } catch (IOException e) {
      throw new IllegalStateException("could not start node " + script, e);
    }
  }

  private void pump(Writer log) {
    try (BufferedReader out =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        log) {
      String line;
      while ((line = out.readLine()) != null) {
        log.write(line);
        log.write('\n');
        log.flush();
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (IOException e) {
          continue;
        }
        synchronized (this) {
          lines.add(node);
          notifyAll();
        }
      }
    } catch (IOException e) {
      // the process ended
    } finally {
      synchronized (this) {
        ended = true;
        notifyAll();
      }
    }
  }

  /** How many lines have arrived: a mark to wait for lines after. */
  synchronized int mark() {
    return lines.size();
  }

  /** The first line at or after {@code from} that matches; fails after {@code timeout}. */
  synchronized JsonNode await(int from, Predicate<JsonNode> match, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int i = from;
    while (true) {
      for (; i < lines.size(); i++) {
        if (match.test(lines.get(i))) {
          return lines.get(i);
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || ended) {
        throw new AssertionError(
            name
                + ": no line with "
                + what
                + " within "
                + timeout
                + (ended ? " (process ended)" : ""));
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
  }

  JsonNode await(Predicate<JsonNode> match, Duration timeout, String what) {
    return await(0, match, timeout, what);
  }

  /** All lines so far that match. */
  synchronized List<JsonNode> lines(Predicate<JsonNode> match) {
    return lines.stream().filter(match).toList();
  }

  /** The lines that arrived at or after {@code mark}. */
  synchronized List<JsonNode> linesSince(int mark) {
    return List.copyOf(lines.subList(Math.min(mark, lines.size()), lines.size()));
  }

  /** Sends a command and waits for its ack. */
  JsonNode command(ObjectNode command) {
    int n = seq.incrementAndGet();
    command.put("seq", n);
    int from = mark();
    try {
      stdin.write(JSON.writeValueAsString(command));
      stdin.write('\n');
      stdin.flush();
    } catch (IOException e) {
      throw new IllegalStateException(name + ": could not send a command", e);
    }
    return await(
        from,
        l -> "ack".equals(l.path("event").asText()) && l.path("seq").asInt() == n,
        Duration.ofSeconds(10),
        "ack " + n);
  }

  static ObjectNode cmd(String name) {
    ObjectNode node = JSON.createObjectNode();
    node.put("cmd", name);
    return node;
  }

  @Override
  public void close() {
    try {
      stdin.close();
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(3, TimeUnit.SECONDS)) {
        process.destroy();
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Ends the process at once (a relay "crash"): its sockets drop. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
