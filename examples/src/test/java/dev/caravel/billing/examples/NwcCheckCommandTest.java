package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** nwc-check against a fake relay and wallet service on 127.0.0.1, and its failure paths. */
class NwcCheckCommandTest {
  static final String WALLET = "b889ff5b1513b641e2a139f661a661364979c5beee91842f8f0ef42ab558e9d4";
  static final String SECRET = "71a8c14c1407c113601079c4302dab36460f0ccd0ad506f1f2dc73b5100e4f3c";

  @Test
  void aWorkingWalletPassesEveryStep() throws Exception {
    try (FakeNwcWallet fake = new FakeNwcWallet()) {
      Cli.Result r = Cli.run("nwc-check", "--timeout", "10", fake.uri());
      assertThat(r.err()).isEmpty();
      assertThat(r.exit()).isZero();
      List<String> lines = r.out().lines().toList();
      assertThat(lines).hasSize(4);
      assertThat(lines.get(0))
          .isEqualTo(
              "{\"step\":\"info\",\"wallet\":\""
                  + fake.wallet.publicKeyHex()
                  + "\","
                  + "\"relays\":[\""
                  + fake.uri().replaceAll(".*relay=([^&]+).*", "$1")
                  + "\"],\"alias\":\"fake wallet\","
                  + "\"network\":\"regtest\",\"methods\":[\"get_info\",\"make_invoice\",\"lookup_invoice\"],"
                  + "\"encryption\":\"nip44_v2\",\"info_from\":\"get_info\"}");
      assertThat(lines.get(1))
          .isEqualTo("{\"step\":\"serves\",\"service_wallet\":true,\"tenant_wallet\":false}");
      assertThat(lines.get(2))
          .matches(
              "\\{\"step\":\"make_invoice\",\"msats\":1000,\"bolt11\":\"lnbcrt10n1[a-z0-9]+\","
                  + "\"payment_hash\":\"([0-9a-f]{64})\",\"expires_at\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\"}");
      String hash = lines.get(2).replaceAll(".*\"payment_hash\":\"([0-9a-f]{64})\".*", "$1");
      assertThat(lines.get(3))
          .isEqualTo(
              "{\"step\":\"lookup_invoice\",\"payment_hash\":\"" + hash + "\",\"settled\":false}");
      assertThat(r.out()).doesNotContain(fake.client.secretKeyHex());
    }
  }

  /**
   * A restricted connection (make_invoice and lookup_invoice only, no get_info) from the real
   * wallet service of @getalby/sdk 7.0.0 over a real @nostr-relay/core relay: billing-nwc's interop
   * peers (its src/test/node, installed by that module's build), on 127.0.0.1.
   */
  @Test
  void aRestrictedConnectionWithoutGetInfoPassesAsAServiceWallet() throws Exception {
    Path node =
        Path.of(System.getProperty("user.dir")).resolve("../billing-nwc/src/test/node").normalize();
    if (!Files.isDirectory(node.resolve("node_modules/@getalby/sdk"))) {
      String why = "billing-nwc's Node peers are not installed in " + node;
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError(why + " (CI=true: failing instead of skipping)");
      }
      Assumptions.abort(why);
    }
    Process relay = null;
    Process wallet = null;
    try {
      relay =
          new ProcessBuilder("node", "relay.mjs", "--port", "0")
              .directory(node.toFile())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      JsonNode listening = firstLine(relay, "listening");
      wallet =
          new ProcessBuilder("node", "wallet.mjs", "--relay", listening.path("url").asText())
              .directory(node.toFile())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String uri = firstLine(wallet, "ready").path("uris").path("restricted").asText();
      String secret = uri.replaceAll(".*secret=([0-9a-f]{64}).*", "$1");

      Cli.Result r = Cli.run("nwc-check", "--timeout", "15", uri);
      assertThat(r.exit()).as(r.out() + r.err()).isZero();
      List<String> lines = r.out().lines().toList();
      assertThat(lines).hasSize(4);
      assertThat(lines.get(0))
          .contains(
              "\"methods\":[\"make_invoice\",\"lookup_invoice\"]",
              "\"alias\":\"\"",
              "\"info_from\":\"info_event\"");
      assertThat(lines.get(1))
          .isEqualTo("{\"step\":\"serves\",\"service_wallet\":true,\"tenant_wallet\":false}");
      assertThat(lines.get(2)).startsWith("{\"step\":\"make_invoice\",\"msats\":1000,");
      assertThat(lines.get(3))
          .startsWith("{\"step\":\"lookup_invoice\"")
          .endsWith("\"settled\":false}");
      assertThat(r.out() + r.err()).doesNotContain(secret);
    } finally {
      for (Process p : new Process[] {wallet, relay}) {
        if (p != null) {
          p.getOutputStream().close();
          p.destroy();
          if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        }
      }
    }
  }

  /** The first JSON line whose "event" is {@code event}; the rest of the output is drained. */
  private static JsonNode firstLine(Process process, String event) throws Exception {
    CompletableFuture<JsonNode> found = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              ObjectMapper json = new ObjectMapper();
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  try {
                    JsonNode n = json.readTree(line);
                    if (event.equals(n.path("event").asText())) {
                      found.complete(n);
                    }
                  } catch (IOException notJson) {
                    // keep draining
                  }
                }
              } catch (IOException ended) {
                // the process ended
              }
              found.completeExceptionally(
                  new IOException("the peer ended before \"" + event + "\""));
            },
            "nwc-check-peer");
    reader.setDaemon(true);
    reader.start();
    return found.get(60, TimeUnit.SECONDS);
  }

  @Test
  void aMalformedUriFailsAtTheUriStepWithoutEchoingTheSecret() {
    Cli.Result r =
        Cli.run(
            "nwc-check",
            "nostr+walletconnect://not-a-key?relay=wss://relay.example&secret=" + SECRET);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out())
        .startsWith("{\"step\":\"uri\",\"error\":\"")
        .endsWith("\n")
        .doesNotContain(SECRET);
    assertThat(r.out().lines()).hasSize(1);
    assertThat(r.err()).doesNotContain(SECRET);
  }

  @Test
  void anUnreachableRelayFailsWithTheStepAndNeverPrintsTheSecret() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    String uri =
        "nostr+walletconnect://" + WALLET + "?relay=ws://127.0.0.1:" + port + "&secret=" + SECRET;
    Cli.Result r = Cli.run("nwc-check", "--timeout", "1", uri);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out().lines()).hasSize(1);
    assertThat(r.out())
        .matches("\\{\"step\":\"(connect|info)\",\"error\":\".+\",\"code\":\"[A-Z_]+\"}\n")
        .doesNotContain(SECRET);
    assertThat(r.err()).doesNotContain(SECRET);
  }

  @Test
  void usageMistakesExit2() {
    assertThat(Cli.run("nwc-check").exit()).isEqualTo(2);
    assertThat(Cli.run("nwc-check").err()).contains("the wallet's URI is required");
    Cli.Result r = Cli.run("nwc-check", "--timeout", "soon", "nostr+walletconnect://x");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--timeout must be a whole number of seconds");
    assertThat(Cli.run("nwc-check", "a", "b").err()).contains("takes one URI");
  }
}
