package dev.caravel.billing.nostr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.RailException;
import dev.caravel.billing.nostr.protocol.Nip17;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay pool against real relays (@nostr-relay/core, behind relay.mjs's thin gate where the
 * core lacks a behaviour): NIP-42 AUTH, DM routing by kind 10050 and NIP-65 kind 10002, the address
 * rules, idle closing counted on the relay's side, and NIP-11 size limits.
 */
class RelayPoolInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final java.util.function.Predicate<JsonNode> GIFT_WRAP =
      l -> "published".equals(l.path("event").asText()) && l.path("kind").asInt() == 1059;
  private static NodeSupport.Peer node;

  @BeforeAll
  static void start() throws Exception {
    if (NodeSupport.available()) {
      node = new NodeSupport.Peer();
    }
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @BeforeEach
  void requireNode() {
    NodeSupport.requireNode();
  }

  private static RelayClient.Builder pool(String... configured) {
    return RelayClient.builder()
        .relays(List.of(configured))
        .publishTimeout(Duration.ofSeconds(10))
        .connectTimeout(Duration.ofSeconds(2))
        .reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1));
  }

  private static NostrKeys recipient() {
    return NostrKeys.fromSecretHex(
        node.call("generate", NodeSupport.Peer.args()).get("secret").asText());
  }

  private static void publish(RelayClient client, Event event, String relay, NostrKeys auth)
      throws Exception {
    List<PublishResult> results =
        client.publish(event, List.of(URI.create(relay)), auth).get(20, TimeUnit.SECONDS);
    assertThat(results).allMatch(PublishResult::accepted);
  }

  private static Event dmList(NostrKeys owner, String... relays) {
    return Nip17.relayList(owner, List.of(relays), Instant.now());
  }

  /** Collects what a subscription receives. */
  static final class Inbox implements SubscriptionListener {
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final BlockingQueue<String> closed = new LinkedBlockingQueue<>();

    @Override
    public void onEvent(Event event, URI relay) {
      events.add(event);
    }

    @Override
    public void onClosed(URI relay, String reason) {
      closed.add(reason);
    }
  }

  @Test
  void aRelayDemandingAuthForReadsAndWritesCarriesTheDm() throws Exception {
    try (NodeSupport.Relay configured = new NodeSupport.Relay("--auth");
        NodeSupport.Relay inbox = new NodeSupport.Relay("--auth");
        RelayClient client =
            pool(configured.url()).allowLoopback(true).allowUnencryptedRelays(true).build()) {
      NostrKeys tenant = recipient();
      // Without authenticating, the gate refuses: reads are CLOSED, writes rejected.
      Inbox anonymous = new Inbox();
      client.subscribe(List.of(Filter.builder().kinds(1).build()), anonymous);
      assertThat(anonymous.closed.poll(20, TimeUnit.SECONDS)).startsWith("auth-required:");
      PublishResult anon =
          client
              .publish(Event.sign(NostrKeys.generate(), 1, List.of(), "hi", Instant.now()))
              .get(20, TimeUnit.SECONDS)
              .get(0);
      assertThat(anon).isInstanceOf(PublishResult.Rejected.class);
      assertThat(((PublishResult.Rejected) anon).reason()).startsWith("auth-required:");

      // The tenant's list, written as the tenant (the pool answers the challenge for it).
      publish(client, dmList(tenant, inbox.url()), configured.url(), tenant);

      NostrKeys service = NostrKeys.generate();
      String text = "Invoice due: " + RandomText.any();
      NostrMessenger.builder(service, client).build().send(tenant.npub(), text);
      inbox.await(
          l ->
              "auth".equals(l.path("event").asText())
                  && service.publicKeyHex().equals(l.path("pubkey").asText()),
          WAIT,
          "the service's AUTH");

      // The tenant reads its inbox, authenticating as itself; nostr-tools opens the wrap.
      Inbox reader = new Inbox();
      client.subscribe(
          List.of(Filter.builder().kinds(1059).tag("p", tenant.publicKeyHex()).build()),
          List.of(URI.create(inbox.url())),
          reader,
          tenant);
      Event wrap = reader.events.poll(20, TimeUnit.SECONDS);
      assertThat(wrap).as("the DM on the AUTH-only inbox").isNotNull();
      JsonNode rumor =
          node.call(
              "nip17Unwrap",
              NodeSupport.Peer.args()
                  .put("secret", tenant.secretKeyHex())
                  .set("wrap", wrap.toJsonNode()));
      assertThat(rumor.get("content").asText()).isEqualTo(text);
    }
  }

  @Test
  void aDmListFoundOnlyThroughTheRecipientsNip65WriteRelays() throws Exception {
    try (NodeSupport.Relay configured = new NodeSupport.Relay();
        NodeSupport.Relay outbox = new NodeSupport.Relay();
        NodeSupport.Relay readOnly = new NodeSupport.Relay();
        NodeSupport.Relay inbox = new NodeSupport.Relay();
        RelayClient client =
            pool(configured.url()).allowLoopback(true).allowUnencryptedRelays(true).build()) {
      NostrKeys tenant = recipient();
      // kind 10002 on the configured relay: one write relay (holding the 10050), one read relay.
      Event nip65 =
          Event.sign(
              tenant,
              10002,
              List.of(List.of("r", outbox.url(), "write"), List.of("r", readOnly.url(), "read")),
              "",
              Instant.now());
      publish(client, nip65, configured.url(), null);
      publish(client, dmList(tenant, inbox.url()), outbox.url(), null);
      publish(
          client,
          dmList(tenant, readOnly.url()),
          readOnly.url(),
          null); // a decoy: not a write relay

      NostrKeys service = NostrKeys.generate();
      NostrMessenger.builder(service, client).build().send(tenant.publicKeyHex(), "found you");

      inbox.await(
          l -> "published".equals(l.path("event").asText()) && l.path("kind").asInt() == 1059,
          WAIT,
          "the gift wrap on the inbox relay");
      assertThat(readOnly.lines(l -> l.path("kind").asInt() == 1059)).isEmpty();
      assertThat(outbox.lines(l -> l.path("kind").asInt() == 1059)).isEmpty();
      // Only the sender's own copy went to the configured relay.
      configured.awaitCount(GIFT_WRAP, 1, WAIT, "the sender's copy");
      assertThat(configured.lines(GIFT_WRAP)).hasSize(1);
    }
  }

  @Test
  void aTenantRelayOnAPrivateOrLoopbackAddressIsRefused() throws Exception {
    try (NodeSupport.Relay configured = new NodeSupport.Relay();
        NodeSupport.Relay tenantRelay = new NodeSupport.Relay();
        RelayClient strict = pool(configured.url()).build();
        RelayClient loopbackOnly =
            pool(configured.url()).allowLoopback(true).allowUnencryptedRelays(true).build()) {
      NostrKeys tenant = recipient();
      publish(
          strict,
          dmList(tenant, "ws://10.20.30.40:7777", "ws://192.168.1.1", "ws://[fd00::1]:80"),
          configured.url(),
          null);
      NostrKeys service = NostrKeys.generate();
      assertThatThrownBy(
              () ->
                  NostrMessenger.builder(service, loopbackOnly)
                      .build()
                      .send(tenant.publicKeyHex(), "x"))
          .isInstanceOf(RailException.class)
          .hasMessageContaining("10.20.30.40 resolves to a private address")
          .hasMessageContaining("192.168.1.1 resolves to a private address")
          .hasMessageContaining("resolves to a private address (fd00:0:0:0:0:0:0:1)");

      // Loopback is refused too unless the host allows it, and ws:// unless the host allows it;
      // the tenant's relay is never dialled.
      NostrKeys other = recipient();
      String overTls = tenantRelay.url().replace("ws://", "wss://");
      publish(strict, dmList(other, overTls), configured.url(), null);
      assertThatThrownBy(
              () -> NostrMessenger.builder(service, strict).build().send(other.publicKeyHex(), "x"))
          .isInstanceOf(RailException.class)
          .hasMessageContaining("127.0.0.1 resolves to a loopback address");
      NostrKeys third = recipient();
      publish(strict, dmList(third, tenantRelay.url()), configured.url(), null);
      assertThatThrownBy(
              () -> NostrMessenger.builder(service, strict).build().send(third.publicKeyHex(), "x"))
          .isInstanceOf(RailException.class)
          .hasMessageContaining("is ws:// (no TLS)");
      assertThat(tenantRelay.lines(l -> "connections".equals(l.path("event").asText()))).isEmpty();
    }
  }

  @Test
  void idleConnectionsAreClosedAsCountedByTheRelay() throws Exception {
    try (NodeSupport.Relay configured = new NodeSupport.Relay();
        NodeSupport.Relay inbox = new NodeSupport.Relay();
        RelayClient client =
            pool(configured.url())
                .allowLoopback(true)
                .allowUnencryptedRelays(true)
                .idleTimeout(Duration.ofMillis(400))
                .build()) {
      NostrKeys tenant = recipient();
      publish(client, dmList(tenant, inbox.url()), configured.url(), null);
      NostrMessenger.builder(NostrKeys.generate(), client)
          .build()
          .send(tenant.publicKeyHex(), "hello");
      inbox.await(
          l -> "connections".equals(l.path("event").asText()) && l.path("open").asInt() == 1,
          WAIT,
          "the pool's connection");
      // Nothing more to do: both relays see the pool hang up after the idle timeout.
      inbox.await(
          l -> "connections".equals(l.path("event").asText()) && l.path("open").asInt() == 0,
          WAIT,
          "the idle connection closed");
      configured.await(
          l -> "connections".equals(l.path("event").asText()) && l.path("open").asInt() == 0,
          WAIT,
          "the idle connection closed");
      assertThat(client.openConnections()).isZero();

      // A closed idle connection comes back for the next message.
      NostrMessenger.builder(NostrKeys.generate(), client)
          .build()
          .send(tenant.publicKeyHex(), "again");
      inbox.awaitCount(GIFT_WRAP, 2, WAIT, "the second gift wrap");
    }
  }

  @Test
  void aDmTooLargeForTheInboxRelayIsRefusedBeforeSending() throws Exception {
    try (NodeSupport.Relay configured = new NodeSupport.Relay();
        NodeSupport.Relay small =
            new NodeSupport.Relay("--nip11", "{\"limitation\":{\"max_message_length\":8000}}");
        NodeSupport.Relay unstated = new NodeSupport.Relay();
        RelayClient client =
            pool(configured.url()).allowLoopback(true).allowUnencryptedRelays(true).build()) {
      NostrKeys tenant = recipient();
      NostrKeys other = recipient();
      publish(client, dmList(tenant, small.url()), configured.url(), null);
      publish(client, dmList(other, unstated.url()), configured.url(), null);
      NostrMessenger messenger = NostrMessenger.builder(NostrKeys.generate(), client).build();

      assertThatThrownBy(() -> messenger.send(tenant.publicKeyHex(), "x".repeat(6000)))
          .isInstanceOf(RailException.class)
          .hasMessageContaining("too large")
          .hasMessageContaining("at most 8000");
      messenger.send(tenant.publicKeyHex(), "x".repeat(2000)); // fits
      small.awaitCount(GIFT_WRAP, 1, WAIT, "the gift wrap that fits");
      configured.awaitCount(GIFT_WRAP, 1, WAIT, "its sender's copy");

      // No NIP-11 limit stated: 64 KiB.
      assertThatThrownBy(() -> messenger.send(other.publicKeyHex(), "y".repeat(60_000)))
          .isInstanceOf(RailException.class)
          .hasMessageContaining("at most 65536");
      assertThat(small.lines(l -> l.path("kind").asInt() == 1059)).hasSize(1);
      assertThat(unstated.lines(l -> l.path("kind").asInt() == 1059)).isEmpty();
      assertThat(configured.lines(l -> l.path("kind").asInt() == 1059)).hasSize(1);
    }
  }
}
