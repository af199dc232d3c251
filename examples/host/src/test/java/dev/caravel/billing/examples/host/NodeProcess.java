package dev.caravel.billing.examples.host;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.function.Predicate;

/**
 * A long-running Node peer from billing-nwc's src/test/node (its real relay, its wallet service
 * built on @getalby/sdk and nostr-tools): JSON lines out, JSON commands in ({@code {"cmd": ..,
 * "seq": n}} answered by {@code {"event": "ack", "seq": n, ...}}). billing-nwc's build installs
 * those peers; its NodePeer is the same protocol from the other side.
 */
final class NodeProcess implements AutoCloseable {
  /** billing-nwc's peers, from this module's directory. */
  static final Path NWC_NODE_DIR =
      Path.of(System.getProperty("host.nwc.node.dir", "../../billing-nwc/src/test/node"))
          .toAbsolutePath()
          .normalize();

  private final Process process;
  private final Writer stdin;
  private final List<JsonNode> lines = new ArrayList<>();
  private int seq;
  private boolean ended;

  private NodeProcess(Process process) {
    this.process = process;
    this.stdin = process.outputWriter(StandardCharsets.UTF_8);
  }

  /** Why the peers cannot run here, or null. */
  static String whyUnavailable() {
    return Files.isDirectory(NWC_NODE_DIR.resolve("node_modules/@getalby/sdk"))
            && Files.isDirectory(NWC_NODE_DIR.resolve("node_modules/@nostr-relay/core"))
        ? null
        : "billing-nwc's Node peers are not installed in " + NWC_NODE_DIR;
  }

  static NodeProcess start(String script, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(List.of(args));
    Files.createDirectories(NodeBrowser.OUT);
    Process p =
        new ProcessBuilder(command)
            .directory(NWC_NODE_DIR.toFile())
            .redirectError(NodeBrowser.OUT.resolve(script.replace(".mjs", ".err")).toFile())
            .start();
    NodeProcess peer = new NodeProcess(p);
    Thread reader = new Thread(peer::pump, "node-" + script);
    reader.setDaemon(true);
    reader.start();
    return peer;
  }

  private void pump() {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        JsonNode node;
        try {
          node = NodeBrowser.JSON.readTree(line);
        } catch (IOException notJson) {
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

  /** The first line that matches, waiting up to {@code timeout}. */
  synchronized JsonNode await(Predicate<JsonNode> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int i = 0; ; ) {
      for (; i < lines.size(); i++) {
        if (match.test(lines.get(i))) {
          return lines.get(i);
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || ended) {
        throw new AssertionError("no such line from node within " + timeout + ": " + lines);
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
  }

  /** Sends {@code command} and waits for its answer. */
  JsonNode command(ObjectNode command, Duration timeout) throws IOException {
    int n;
    synchronized (this) {
      n = ++seq;
    }
    command.put("seq", n);
    stdin.write(command + "\n");
    stdin.flush();
    return await(
        l -> "ack".equals(l.path("event").asText()) && l.path("seq").asInt() == n, timeout);
  }

  @Override
  public void close() {
    try {
      stdin.close();
    } catch (IOException ignored) {
      // ending anyway
    }
    process.destroy();
  }
}
