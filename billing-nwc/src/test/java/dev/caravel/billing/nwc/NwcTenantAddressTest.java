package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.LightningWallet.PayOutcome;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.RelayClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 22: every way of building a wallet for a tenant's NWC URI applies the pool's address rules;
 * only a relay the host configured skips them. The URIs point at a listener on 127.0.0.1 that
 * counts connections: a wallet that dialled it would show there. No Node, no internet.
 */
@Timeout(60)
class NwcTenantAddressTest {
  private static final Duration SHORT = Duration.ofSeconds(5);
  private static final String SECRET = NostrKeys.generate().secretKeyHex();
  private static final String WALLET = NostrKeys.generate().publicKeyHex();

  private ServerSocket listener;
  private final AtomicInteger connections = new AtomicInteger();

  @BeforeEach
  void listen() throws IOException {
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              while (!listener.isClosed()) {
                try (Socket s = listener.accept()) {
                  connections.incrementAndGet();
                } catch (IOException e) {
                  return;
                }
              }
            },
            "loopback-listener");
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void close() throws IOException {
    listener.close();
  }

  private String relay(String scheme) {
    return scheme + "://127.0.0.1:" + listener.getLocalPort();
  }

  private String uriText(String scheme) {
    return "nostr+walletconnect://"
        + WALLET
        + "?relay="
        + java.net.URLEncoder.encode(relay(scheme), java.nio.charset.StandardCharsets.UTF_8)
        + "&secret="
        + SECRET;
  }

  private NwcUri uri(String scheme) {
    return NwcUri.parse(uriText(scheme));
  }

  @Test
  void connectOnATenantUriRefusesALoopbackRelayWithoutDiallingIt() {
    try (NwcWallet wallet = NwcWallet.connect(uri("wss"))) {
      assertThatThrownBy(wallet::getInfo)
          .isInstanceOfSatisfying(
              NwcException.class,
              e -> assertThat(e.error()).isEqualTo(NwcException.Code.NOT_DELIVERED))
          .hasMessageContaining("127.0.0.1 resolves to a loopback address")
          .hasMessageNotContaining(SECRET);
    }
    assertThat(connections).hasValue(0);
  }

  @Test
  void connectOnATenantUriRefusesWs() {
    try (NwcWallet wallet = NwcWallet.connect(uri("ws"))) {
      assertThatThrownBy(wallet::getInfo)
          .isInstanceOf(NwcException.class)
          .hasMessageContaining("is ws:// (no TLS)");
    }
    assertThat(connections).hasValue(0);
  }

  @Test
  void aBuilderWithoutARelayPoolAppliesTheRules() {
    try (NwcWallet wallet = NwcWallet.builder(uri("wss")).infoTimeout(SHORT).build()) {
      assertThatThrownBy(() -> wallet.makeInvoice(1_000, "x", Duration.ofMinutes(1)))
          .isInstanceOf(NwcException.class)
          .hasMessageContaining("127.0.0.1 resolves to a loopback address");
    }
    assertThat(connections).hasValue(0);
  }

  @Test
  void theConnectorsOwnPoolAppliesTheRules() {
    try (NwcWalletConnector connector = new NwcWalletConnector()) {
      PayOutcome pay = connector.connect(uriText("wss")).payInvoice(Bolt11Test.COFFEE);
      assertThat(pay)
          .isInstanceOfSatisfying(
              PayOutcome.Failed.class,
              f -> assertThat(f.message()).contains("127.0.0.1 resolves to a loopback address"));
    }
    assertThat(connections).hasValue(0);
  }

  /** The control: a relay the host configured is dialled, which the listener sees. */
  @Test
  void onlyARelayTheHostConfiguredIsDialledAsItIs() throws Exception {
    try (RelayClient pool = RelayClient.builder().relay(relay("ws")).connectTimeout(SHORT).build();
        NwcWallet wallet =
            NwcWallet.builder(uri("ws")).relayPool(pool).infoTimeout(SHORT).build()) {
      assertThatThrownBy(wallet::getInfo).isInstanceOf(NwcException.class);
    }
    assertThat(connections.get()).isPositive();
  }
}
