package dev.caravel.billing.nostr;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.nostr.internal.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;

/**
 * Starts the Node peers in src/test/node. Without node or the installed node_modules the interop
 * tests are skipped, except under CI=true where they fail: CI must run them.
 */
final class NodeSupport {
  private NodeSupport() {}

  static Path nodeDir() {
    return Path.of(System.getProperty("caravel.node.dir", "src/test/node"));
  }

  static boolean available() {
    return problem() == null;
  }

  /** Skips (or, with CI=true, fails) the calling test when the Node peers cannot run. */
  static void requireNode() {
    String problem = problem();
    if (problem == null) {
      return;
    }
    String message = "Node interop tests need node and `npm ci` in " + nodeDir() + ": " + problem;
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " (CI=true: failing instead of skipping)");
    }
    if (!warned) {
      warned = true;
      System.err.println("[billing-nostr] SKIPPING interop tests. " + message);
    }
    Assumptions.abort(message);
  }

  private static volatile boolean warned;
  private static volatile String cachedProblem;
  private static volatile boolean checked;

  private static synchronized String problem() {
    if (checked) {
      return cachedProblem;
    }
    checked = true;
    if (!Files.isDirectory(nodeDir().resolve("node_modules/nostr-tools"))
        || !Files.isDirectory(nodeDir().resolve("node_modules/@nostr-relay/core"))) {
      cachedProblem = "node_modules is not installed";
      return cachedProblem;
    }
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        cachedProblem = "`node --version` failed";
      }
    } catch (IOException e) {
      cachedProblem = "node is not on the PATH";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cachedProblem = "interrupted";
    }
    return cachedProblem;
  }

  static Process start(String script, List<String> args) throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of("node", script));
    command.addAll(args);
    return new ProcessBuilder(command)
        .directory(nodeDir().toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  static void stop(Process process) {
    if (process == null) {
      return;
    }
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // already gone
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** nostr-tools behind line-based JSON on stdin/stdout (see peer.mjs). */
  static final class Peer implements AutoCloseable {
    private final Process process;
    private final Writer in;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();

    Peer() throws IOException {
      process = start("peer.mjs", List.of());
      in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = out.readLine(); line != null; line = out.readLine()) {
                    JsonNode reply = Json.MAPPER.readTree(line);
                    CompletableFuture<JsonNode> f = waiting.remove(reply.get("id").asLong());
                    if (f != null) {
                      f.complete(reply);
                    }
                  }
                } catch (IOException ignored) {
                  // process ended
                }
                waiting
                    .values()
                    .forEach(f -> f.completeExceptionally(new IOException("peer exited")));
              },
              "node-peer-reader");
      reader.setDaemon(true);
      reader.start();
    }

    /** Runs {@code op}; returns its result or throws with the peer's error. */
    JsonNode call(String op, ObjectNode args) {
      return call(op, args, Duration.ofSeconds(30));
    }

    JsonNode call(String op, ObjectNode args, Duration timeout) {
      long id = ids.incrementAndGet();
      ObjectNode request = args.deepCopy();
      request.put("id", id).put("op", op);
      CompletableFuture<JsonNode> reply = new CompletableFuture<>();
      waiting.put(id, reply);
      try {
        synchronized (in) {
          in.write(Json.write(request));
          in.write('\n');
          in.flush();
        }
        JsonNode r = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (r.has("error")) {
          throw new PeerError(op + ": " + r.get("error").asText());
        }
        return r.get("result");
      } catch (IOException | ExecutionException | TimeoutException e) {
        throw new IllegalStateException("node peer did not answer " + op, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } finally {
        waiting.remove(id);
      }
    }

    static ObjectNode args() {
      return Json.MAPPER.createObjectNode();
    }

    @Override
    public void close() {
      stop(process);
    }
  }

  static final class PeerError extends RuntimeException {
    PeerError(String message) {
      super(message);
    }
  }

  /**
   * @nostr-relay/core on 127.0.0.1 (see relay.mjs), optionally behind its gate (--auth, --max-subs
   *     N, --nip11 JSON); can be stopped and started on one port. Keeps every line the relay
   *     prints, so a test can wait for one (connections, auth, published).
   */
  static final class Relay implements AutoCloseable {
    private final List<String> flags;
    private Process process;
    private int port;
    private final List<JsonNode> lines = new java.util.ArrayList<>();

    Relay(String... flags) throws IOException {
      this.flags = List.of(flags);
      start(0);
    }

    String url() {
      return "ws://127.0.0.1:" + port;
    }

    int port() {
      return port;
    }

    void stop() {
      NodeSupport.stop(process);
      process = null;
    }

    /** Starts again on the same port. */
    void restart() throws IOException {
      stop();
      start(port);
    }

    /** The first line (since the relay started) matching {@code match}, within {@code timeout}. */
    JsonNode await(java.util.function.Predicate<JsonNode> match, Duration timeout, String what) {
      long deadline = System.nanoTime() + timeout.toNanos();
      synchronized (lines) {
        while (true) {
          for (JsonNode line : lines) {
            if (match.test(line)) {
              return line;
            }
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new AssertionError("relay printed no line with " + what + " within " + timeout);
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(lines, left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
          }
        }
      }
    }

    /** Waits until {@code count} lines match (the relay prints after it has answered). */
    void awaitCount(
        java.util.function.Predicate<JsonNode> match, int count, Duration timeout, String what) {
      long deadline = System.nanoTime() + timeout.toNanos();
      synchronized (lines) {
        while (lines.stream().filter(match).count() < count) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new AssertionError("relay printed fewer than " + count + " lines with " + what);
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(lines, left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
          }
        }
      }
    }

    /** The lines so far that match. */
    List<JsonNode> lines(java.util.function.Predicate<JsonNode> match) {
      synchronized (lines) {
        return lines.stream().filter(match).toList();
      }
    }

    /** The relay's count of open connections, from its latest "connections" line (0 if none). */
    int openConnections() {
      List<JsonNode> counts = lines(l -> "connections".equals(l.path("event").asText()));
      return counts.isEmpty() ? 0 : counts.get(counts.size() - 1).path("open").asInt();
    }

    private void start(int wanted) throws IOException {
      List<String> args = new java.util.ArrayList<>(List.of(Integer.toString(wanted)));
      args.addAll(flags);
      process = NodeSupport.start("relay.mjs", args);
      synchronized (lines) {
        lines.clear();
      }
      Process mine = process;
      CompletableFuture<Integer> listening = new CompletableFuture<>();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(mine.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = out.readLine(); line != null; line = out.readLine()) {
                    JsonNode node = Json.MAPPER.readTree(line);
                    if (node.has("port")) {
                      listening.complete(node.get("port").asInt());
                    }
                    synchronized (lines) {
                      lines.add(node);
                      lines.notifyAll();
                    }
                  }
                } catch (IOException ignored) {
                  // the relay ended
                }
                listening.completeExceptionally(new IOException("relay exited before listening"));
              },
              "node-relay-reader");
      reader.setDaemon(true);
      reader.start();
      try {
        port = listening.get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for the relay", e);
      } catch (ExecutionException | TimeoutException e) {
        NodeSupport.stop(process);
        throw new IOException("relay did not start", e);
      }
    }

    @Override
    public void close() {
      stop();
    }
  }
}
