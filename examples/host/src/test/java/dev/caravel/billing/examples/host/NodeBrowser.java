package dev.caravel.billing.examples.host;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's headless chromium driven by a playwright-core script of src/test/node: the scripts print
 * one JSON line, which {@link #run} returns. Without node, the installed package or chromium a test
 * is skipped, saying why; with CI=true it fails instead.
 */
final class NodeBrowser {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path NODE_DIR =
      Path.of(System.getProperty("host.node.dir", "src/test/node")).toAbsolutePath();
  static final Path CHROMIUM = Path.of(System.getProperty("host.chromium", "/usr/bin/chromium"));

  /** Where screenshots and logs go. */
  static final Path OUT =
      Path.of(System.getProperty("host.out.dir", "target/browser")).toAbsolutePath();

  private NodeBrowser() {}

  static void assumeAvailable() {
    String missing = null;
    if (!Files.isRegularFile(NODE_DIR.resolve("node_modules/playwright-core/package.json"))) {
      missing =
          "playwright-core is not installed in "
              + NODE_DIR
              + " (node/npm missing, or npm ci not run)";
    } else if (!Files.isExecutable(CHROMIUM)) {
      missing = CHROMIUM + " not found (apt-get install chromium)";
    }
    if (missing == null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("the browser test cannot run on CI: " + missing);
    }
    String message = "browser test skipped: " + missing + " (with CI=true it fails instead)";
    System.err.println("[examples-host] " + message);
    Assumptions.abort(message);
  }

  /** Runs {@code script} with {@code args} and chromium's path last; its JSON line. */
  static JsonNode run(String script, String... args) throws IOException, InterruptedException {
    Files.createDirectories(OUT);
    Path log = OUT.resolve(script.replace(".mjs", "") + "-node.log");
    List<String> command = new ArrayList<>(List.of("node", NODE_DIR.resolve(script).toString()));
    command.addAll(List.of(args));
    command.add(CHROMIUM.toString());
    Process p =
        new ProcessBuilder(command)
            .directory(NODE_DIR.toFile())
            .redirectError(log.toFile())
            .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium did not finish " + script + " in 120 s; see " + log);
    }
    if (p.exitValue() != 0) {
      fail(script + " exited " + p.exitValue() + ": " + Files.readString(log) + out);
    }
    return JSON.readTree(out);
  }
}
