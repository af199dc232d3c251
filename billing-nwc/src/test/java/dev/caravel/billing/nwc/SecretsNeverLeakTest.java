package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.caravel.billing.LightningWallet.PayOutcome;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The client secret of an NWC URI never shows in a message, a toString or a log line, whatever goes
 * wrong. Runs without Node: the relay here is a closed loopback port.
 */
class SecretsNeverLeakTest {
  static final String SECRET = "5f8e4c2d1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d";

  @Test
  void noSecretInMessagesToStringsOrLogs() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    String uri =
        "nostr+walletconnect://"
            + NwcUriTest.WALLET
            + "?relay=ws%3A%2F%2F127.0.0.1%3A"
            + port
            + "&secret="
            + SECRET
            + "&lud16=tenant%40example.com";
    NwcWallet.Options quick =
        NwcWallet.Options.defaults()
            .withInfoTimeout(Duration.ofMillis(700))
            .withReplyTimeout(Duration.ofMillis(700))
            .withConnectTimeout(Duration.ofMillis(300))
            .withReconnectBackoffMax(Duration.ofMillis(200));
    List<String> shown = new ArrayList<>();

    try (dev.caravel.billing.nostr.RelayClient pool = NwcInteropTest.loopbackPool();
        NwcWalletConnector connector =
            new NwcWalletConnector(
                quick, Duration.ofMinutes(1), pool, java.time.Clock.systemUTC(), true)) {
      NwcWallet wallet = connector.connect(uri);
      shown.add(wallet.toString());
      shown.add(connector.toString());
      shown.add(NwcUri.parse(uri).toString());

      NwcException made =
          catchThrowableOfType(
              NwcException.class, () -> wallet.makeInvoice(1_000, "x", Duration.ofMinutes(1)));
      assertThat(made.error()).isIn(NwcException.Code.TIMEOUT, NwcException.Code.NO_INFO);
      shown.add(made.getMessage());
      shown.add(made.toString());

      PayOutcome paid = wallet.payInvoice(Bolt11Test.COFFEE);
      assertThat(paid).isInstanceOf(PayOutcome.Failed.class); // never sent: no wallet info
      shown.add(paid.toString());

      for (String broken :
          List.of(
              uri.replace("secret=", "secret=zz"),
              uri.replace("relay=ws", "relay=http"),
              uri.replace("nostr+walletconnect", "nostr+walletconnet"),
              uri + "&secret=" + SECRET,
              "nostr+walletconnect://"
                  + NwcUriTest.WALLET
                  + "?relay=wss://r.example/"
                  + SECRET
                  + "&secret="
                  + SECRET)) {
        Exception e = catchThrowableOfType(Exception.class, () -> connector.connect(broken));
        assertThat(e).isNotNull();
        shown.add(e.getMessage());
        shown.add(e.toString());
      }
    }

    assertThat(shown).allSatisfy(s -> assertThat(s).doesNotContain(SECRET));
    Path log = Path.of("target/nwc-test.log");
    if (Files.exists(log)) {
      assertThat(Files.readString(log)).doesNotContain(SECRET);
    }
  }
}
