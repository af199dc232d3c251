package dev.caravel.billing.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
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
      assertThat(lines).hasSize(3);
      assertThat(lines.get(0)).isEqualTo("{\"step\":\"info\",\"wallet\":\"" + fake.wallet.publicKeyHex() + "\","
          + "\"relays\":[\"" + fake.uri().replaceAll(".*relay=([^&]+).*", "$1") + "\"],\"alias\":\"fake wallet\","
          + "\"network\":\"regtest\",\"methods\":[\"get_info\",\"make_invoice\",\"lookup_invoice\"],"
          + "\"encryption\":\"nip44_v2\"}");
      assertThat(lines.get(1)).matches("\\{\"step\":\"make_invoice\",\"msats\":1000,\"bolt11\":\"lnbcrt10n1[a-z0-9]+\","
          + "\"payment_hash\":\"([0-9a-f]{64})\",\"expires_at\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\"}");
      String hash = lines.get(1).replaceAll(".*\"payment_hash\":\"([0-9a-f]{64})\".*", "$1");
      assertThat(lines.get(2)).isEqualTo("{\"step\":\"lookup_invoice\",\"payment_hash\":\"" + hash + "\",\"settled\":false}");
      assertThat(r.out()).doesNotContain(fake.client.secretKeyHex());
    }
  }

  @Test
  void aMalformedUriFailsAtTheUriStepWithoutEchoingTheSecret() {
    Cli.Result r = Cli.run("nwc-check", "nostr+walletconnect://not-a-key?relay=wss://relay.example&secret=" + SECRET);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).startsWith("{\"step\":\"uri\",\"error\":\"").endsWith("\n").doesNotContain(SECRET);
    assertThat(r.out().lines()).hasSize(1);
    assertThat(r.err()).doesNotContain(SECRET);
  }

  @Test
  void anUnreachableRelayFailsWithTheStepAndNeverPrintsTheSecret() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    String uri = "nostr+walletconnect://" + WALLET + "?relay=ws://127.0.0.1:" + port + "&secret=" + SECRET;
    Cli.Result r = Cli.run("nwc-check", "--timeout", "1", uri);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out().lines()).hasSize(1);
    assertThat(r.out()).matches("\\{\"step\":\"(connect|info)\",\"error\":\".+\",\"code\":\"[A-Z_]+\"}\n")
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
