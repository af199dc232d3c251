package dev.caravel.billing.nostr;

import static dev.caravel.billing.nostr.StubNetwork.PUBLIC;
import static dev.caravel.billing.nostr.StubNetwork.address;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.nostr.StubNetwork.Victim;
import dev.caravel.billing.nostr.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 22, addresses: each attack on the pool's dialling of tenant relays, replayed. The network
 * is {@link StubNetwork}: names answer what a test says, and nothing but 127.0.0.1 is reached; each
 * test that guards loopback runs a {@link Victim} there and asserts it got no connection.
 */
@Timeout(60)
class TenantRelayAddressSecurityTest {
  private static final InetAddress LOOPBACK = address("127.0.0.1");

  private static RelayClient.Builder pool(StubNetwork net) {
    return RelayClient.builder()
        .resolver(net)
        .socketOpener(net)
        .publishTimeout(Duration.ofSeconds(3))
        .connectTimeout(Duration.ofSeconds(2))
        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  private static Event note() {
    return Event.sign(NostrKeys.generate(), 1, List.of(), "hi", Instant.now());
  }

  private static PublishResult publishOne(RelayClient pool, URI relay) throws Exception {
    return pool.publish(note(), List.of(relay)).get(20, TimeUnit.SECONDS).get(0);
  }

  private static List<String> accept(String message) {
    JsonNode m = Json.parse(message, "m");
    return m.get(0).asText().equals("EVENT")
        ? List.of("[\"OK\",\"" + m.get(1).get("id").asText() + "\",true,\"\"]")
        : List.of();
  }

  /** Collects CLOSED reasons. */
  private static final class Closed implements SubscriptionListener {
    final BlockingQueue<String> reasons = new LinkedBlockingQueue<>();

    @Override
    public void onEvent(Event event, URI relay) {}

    @Override
    public void onClosed(URI relay, String reason) {
      reasons.add(reason);
    }
  }

  /**
   * DNS rebinding across a reconnect: the name answers a public address for the first connect (the
   * relay is served there) and 127.0.0.1 once the connection drops. The reconnect resolves and
   * checks again: refused, the subscription closed with the reason, and 127.0.0.1 never dialled.
   */
  @Test
  void aNameRebindingToLoopbackBeforeAReconnectIsRefusedThenAndLoopbackIsNeverDialled()
      throws Exception {
    try (Victim victim = new Victim();
        FakeRelay relay = new FakeRelay(true, m -> List.of())) {
      StubNetwork net =
          new StubNetwork()
              .answer("relay.rebind.test", PUBLIC)
              .answer("relay.rebind.test", LOOPBACK)
              .route(PUBLIC, victim.port(), relay.port());
      URI tenant = URI.create("ws://relay.rebind.test:" + victim.port());
      try (RelayClient pool = pool(net).allowUnencryptedRelays(true).build()) {
        Closed listener = new Closed();
        pool.subscribe(List.of(Filter.builder().kinds(1).build()), List.of(tenant), listener);
        assertThat(relay.received.poll(10, TimeUnit.SECONDS)).startsWith("[\"REQ\"");
        assertThat(pool.isConnected(tenant)).isTrue();

        relay.dropConnections();

        assertThat(listener.reasons.poll(10, TimeUnit.SECONDS))
            .isEqualTo(
                "refused by the relay pool: relay.rebind.test resolves to a loopback address"
                    + " (127.0.0.1); the host application has not allowed such relays");
        assertThat(net.lookups).containsExactly("relay.rebind.test", "relay.rebind.test");
        assertThat(net.dials).containsExactly(new InetSocketAddress(PUBLIC, victim.port()));
        assertThat(victim.connections()).isZero();
        assertThat(pool.isConnected(tenant)).isFalse();
      }
    }
  }

  /**
   * The probe of issue 22: the name answers a public address to the check and 127.0.0.1 to the next
   * lookup. The dial goes to the address the check resolved (one lookup per connect); the
   * reconnect's own lookup gets 127.0.0.1 and is refused.
   */
  @Test
  void theDialGoesToTheAddressTheCheckResolvedNeverToASecondLookup() throws Exception {
    try (Victim victim = new Victim()) {
      StubNetwork net =
          new StubNetwork().answer("relay.probe.test", PUBLIC).answer("relay.probe.test", LOOPBACK);
      try (RelayClient pool = pool(net).build()) {
        PublishResult result =
            publishOne(pool, URI.create("wss://relay.probe.test:" + victim.port()));
        assertThat(result)
            .isInstanceOfSatisfying(
                PublishResult.Failed.class,
                f ->
                    assertThat(f.reason())
                        .contains("relay.probe.test resolves to a loopback address"));
        assertThat(net.dials).containsExactly(new InetSocketAddress(PUBLIC, victim.port()));
        assertThat(net.lookups).containsExactly("relay.probe.test", "relay.probe.test");
        assertThat(victim.connections()).isZero();
      }
    }
  }

  static Stream<Arguments> embeddedIpv4() {
    return Stream.of(
        Arguments.of("0:0:0:0:0:ffff:7f00:1", "a loopback (IPv4-mapped 127.0.0.1) address"),
        Arguments.of("::7f00:1", "an IPv4-compatible"),
        Arguments.of("64:ff9b::7f00:1", "a loopback (127.0.0.1 carried in NAT64 64:ff9b::/96)"),
        Arguments.of("64:ff9b::a00:1", "a private (10.0.0.1 carried in NAT64 64:ff9b::/96)"),
        Arguments.of("64:ff9b:1::7f00:1", "a local-use NAT64 address"),
        Arguments.of("2002:7f00:1::1", "a loopback (127.0.0.1 carried in 6to4 2002::/16)"),
        Arguments.of(
            "2002:a9fe:a9fe::1", "a link-local (169.254.169.254 carried in 6to4 2002::/16)"),
        // Teredo, its client 127.0.0.1 obfuscated (0x80fffffe) in the last 32 bits.
        Arguments.of(
            "2001:0:4136:e378:8000:63bf:80ff:fffe", "an IETF protocol assignment address"));
  }

  /** Each IPv4 form IPv6 carries, as a tenant relay's DNS answer: refused, nothing dialled. */
  @ParameterizedTest
  @MethodSource("embeddedIpv4")
  void everyIpv4FormEmbeddedInIpv6IsRefused(String ipv6, String refusal) throws Exception {
    try (Victim victim = new Victim()) {
      StubNetwork net =
          new StubNetwork().answer("relay.embedded.test", AddressPolicyTest.ipv6(ipv6));
      try (RelayClient pool = pool(net).build()) {
        PublishResult result =
            publishOne(pool, URI.create("wss://relay.embedded.test:" + victim.port()));
        assertThat(result)
            .isInstanceOfSatisfying(
                PublishResult.Failed.class,
                f -> assertThat(f.reason()).contains("relay.embedded.test resolves to " + refusal));
        assertThat(net.dials).isEmpty();
        assertThat(victim.connections()).isZero();
      }
    }
  }

  /**
   * Benchmarking (198.18.0.0/15) and IETF protocol assignments (192.0.0.0/24): refused even by a
   * pool that allows loopback and private addresses.
   */
  @ParameterizedTest
  @ValueSource(strings = {"198.18.0.1", "198.19.255.254", "192.0.0.1", "192.0.0.170"})
  void benchmarkingAndProtocolAssignmentAddressesAreRefusedWhateverIsAllowed(String literal)
      throws Exception {
    StubNetwork net = new StubNetwork().answer("relay.special.test", address(literal));
    try (RelayClient pool = pool(net).allowLoopback(true).allowPrivateAddresses(true).build()) {
      PublishResult result = publishOne(pool, URI.create("wss://relay.special.test"));
      assertThat(result)
          .isInstanceOfSatisfying(
              PublishResult.Failed.class,
              f ->
                  assertThat(f.reason())
                      .contains("(" + literal + "); such an address is never dialled"));
      assertThat(net.dials).isEmpty();
    }
  }

  /**
   * ws:// for a tenant relay is refused by default, before any lookup; the host may allow it, and a
   * relay the host configured is dialled as configured.
   */
  @Test
  void wsIsRefusedForATenantRelayUnlessTheHostAllowsIt() throws Exception {
    try (FakeRelay relay = new FakeRelay(true, TenantRelayAddressSecurityTest::accept)) {
      URI plain = URI.create(relay.url());
      StubNetwork net = new StubNetwork();
      try (RelayClient pool = pool(net).allowLoopback(true).build()) {
        assertThat(publishOne(pool, plain))
            .isInstanceOfSatisfying(
                PublishResult.Failed.class,
                f -> assertThat(f.reason()).contains(relay.url() + " is ws:// (no TLS)"));
      }
      assertThat(relay.connections).isEmpty();
      try (RelayClient pool = pool(net).allowLoopback(true).allowUnencryptedRelays(true).build()) {
        assertThat(publishOne(pool, plain)).isInstanceOf(PublishResult.Accepted.class);
      }
      try (RelayClient pool = pool(net).relay(relay.url()).build()) {
        assertThat(publishOne(pool, plain)).isInstanceOf(PublishResult.Accepted.class);
      }
      assertThat(net.dials).containsExactly(new InetSocketAddress(LOOPBACK, relay.port()));
    }
  }

  /**
   * Dialling the checked address keeps the name for TLS: the relay sees the name as SNI and Host,
   * and the certificate must be valid for the name (one for another name fails the connection).
   */
  @Test
  void tlsToTheCheckedAddressSpeaksToTheNameAndChecksItsCertificate() throws Exception {
    TestTls tls = TestTls.forName("relay.pinned.test");
    try (FakeRelay relay =
        new FakeRelay(tls.serverSocket(), true, TenantRelayAddressSecurityTest::accept)) {
      StubNetwork net =
          new StubNetwork()
              .answer("relay.pinned.test", PUBLIC)
              .answer("other.pinned.test", PUBLIC)
              .route(PUBLIC, 443, relay.port());
      try (RelayClient pool =
          pool(net).httpClient(HttpClient.newBuilder().sslContext(tls.client).build()).build()) {
        assertThat(publishOne(pool, URI.create("wss://relay.pinned.test")))
            .isInstanceOf(PublishResult.Accepted.class);
        assertThat(relay.serverNames.poll()).isEqualTo("relay.pinned.test");
        assertThat(relay.requests.poll()).contains("\r\nHost: relay.pinned.test\r\n");
        assertThat(net.dials).containsExactly(new InetSocketAddress(PUBLIC, 443));

        assertThat(publishOne(pool, URI.create("wss://other.pinned.test")))
            .isInstanceOfSatisfying(
                PublishResult.Failed.class,
                f ->
                    assertThat(f.reason())
                        .contains("No subject alternative DNS name matching other.pinned.test"));
        assertThat(relay.requests).isEmpty();
      }
    }
  }

  /**
   * A tenant relay's NIP-11 document comes from the address the check resolved, with the name as
   * Host; a name that resolves to loopback is not fetched at all.
   */
  @Test
  void theNip11DocumentOfATenantRelayComesFromTheCheckedAddressOnly() throws Exception {
    try (Victim victim = new Victim();
        Nip11Server server =
            new Nip11Server("{\"limitation\":{\"max_message_length\":8000}}", false);
        Nip11Server chunked =
            new Nip11Server("{\"limitation\":{\"max_message_length\":9000}}", true)) {
      StubNetwork net =
          new StubNetwork()
              .answer("relay.info.test", PUBLIC)
              .answer("relay.chunked.test", address("8.8.8.8"))
              .answer("relay.rebound.test", LOOPBACK)
              .route(PUBLIC, 80, server.port())
              .route(address("8.8.8.8"), 80, chunked.port());
      try (RelayClient pool = pool(net).allowUnencryptedRelays(true).build()) {
        assertThat(pool.info(URI.create("ws://relay.info.test")).maxMessageLength())
            .isEqualTo(8000);
        assertThat(server.requests.poll()).contains("\r\nHost: relay.info.test\r\n");
        assertThat(pool.info(URI.create("ws://relay.chunked.test")).maxMessageLength())
            .isEqualTo(9000);
        assertThat(pool.info(URI.create("ws://relay.rebound.test:" + victim.port())))
            .isEqualTo(RelayInfo.UNKNOWN);
      }
      assertThat(net.dialledLoopback()).isFalse();
      assertThat(victim.connections()).isZero();
    }
  }

  /** A relay the host configured, or trusts, skips the address rules: nothing is resolved. */
  @Test
  void onlyARelayTheHostConfiguredOrTrustsSkipsTheRules() throws Exception {
    try (FakeRelay configured = new FakeRelay(true, TenantRelayAddressSecurityTest::accept);
        FakeRelay trusted = new FakeRelay(true, TenantRelayAddressSecurityTest::accept);
        FakeRelay tenant = new FakeRelay(true, TenantRelayAddressSecurityTest::accept)) {
      StubNetwork net = new StubNetwork();
      try (RelayClient pool =
          pool(net).relay(configured.url()).trustedRelay(trusted.url()).build()) {
        assertThat(publishOne(pool, URI.create(configured.url())))
            .isInstanceOf(PublishResult.Accepted.class);
        assertThat(publishOne(pool, URI.create(trusted.url())))
            .isInstanceOf(PublishResult.Accepted.class);
        assertThat(publishOne(pool, URI.create(tenant.url().replace("ws:", "wss:"))))
            .isInstanceOfSatisfying(
                PublishResult.Failed.class,
                f -> assertThat(f.reason()).contains("127.0.0.1 resolves to a loopback address"));
      }
      assertThat(net.dials).isEmpty();
      assertThat(tenant.connections).isEmpty();
    }
  }

  /** Serves one NIP-11 document on 127.0.0.1, with a Content-Length or chunked. */
  private static final class Nip11Server implements AutoCloseable {
    private final ServerSocket server;
    final BlockingQueue<String> requests = new LinkedBlockingQueue<>();

    Nip11Server(String document, boolean chunked) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      byte[] body = document.getBytes(StandardCharsets.UTF_8);
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try (Socket s = server.accept()) {
                    requests.add(HttpHeadReader.read(s.getInputStream()));
                    OutputStream out = s.getOutputStream();
                    String head =
                        "HTTP/1.1 200 OK\r\nContent-Type: application/nostr+json\r\n"
                            + (chunked
                                ? "Transfer-Encoding: chunked\r\n\r\n"
                                : "Content-Length: " + body.length + "\r\n\r\n");
                    out.write(head.getBytes(StandardCharsets.US_ASCII));
                    if (chunked) {
                      int half = body.length / 2;
                      out.write((Integer.toHexString(half) + ";x=y\r\n").getBytes());
                      out.write(body, 0, half);
                      out.write(
                          ("\r\n" + Integer.toHexString(body.length - half) + "\r\n").getBytes());
                      out.write(body, half, body.length - half);
                      out.write("\r\n0\r\n\r\n".getBytes());
                    } else {
                      out.write(body);
                    }
                    out.flush();
                  } catch (IOException e) {
                    // next
                  }
                }
              },
              "nip11-server");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  /** Reads a request head as text. */
  private static final class HttpHeadReader {
    static String read(InputStream in) throws IOException {
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        head.append((char) b);
      }
      return head.toString();
    }
  }
}
