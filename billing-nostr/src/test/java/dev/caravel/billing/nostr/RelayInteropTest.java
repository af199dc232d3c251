package dev.caravel.billing.nostr;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.nostr.internal.EventFields;
import dev.caravel.billing.nostr.internal.Json;
import dev.caravel.billing.nostr.protocol.DirectMessage;
import dev.caravel.billing.nostr.protocol.Nip17;
import dev.caravel.billing.nostr.protocol.Nip19;
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
import org.junit.jupiter.api.Timeout;

/** A real relay (@nostr-relay/core) between Java and nostr-tools. */
@Timeout(120)
class RelayInteropTest {
  private static final long WAIT_SECONDS = 20;
  private static NodeSupport.Peer node;
  private static NodeSupport.Relay relay;

  @BeforeAll
  static void start() throws Exception {
    if (!NodeSupport.available()) {
      return; // each test skips (or fails under CI=true) in requireNode()
    }
    node = new NodeSupport.Peer();
    relay = new NodeSupport.Relay();
  }

  @BeforeEach
  void requireNode() {
    NodeSupport.requireNode();
  }

  @AfterAll
  static void stop() {
    if (relay != null) {
      relay.close();
    }
    if (node != null) {
      node.close();
    }
  }

  private static RelayClient.Builder client(String... urls) {
    return RelayClient.builder()
        .relays(List.of(urls))
        .publishTimeout(Duration.ofSeconds(10))
        .connectTimeout(Duration.ofSeconds(2))
        .reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
        // The tenants' inbox relays here are on ws://127.0.0.1 too: a test's explicit allowance.
        .allowLoopback(true)
        .allowUnencryptedRelays(true);
  }

  /** Collects what a subscription receives. */
  static final class Inbox implements SubscriptionListener {
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final BlockingQueue<URI> eose = new LinkedBlockingQueue<>();

    @Override
    public void onEvent(Event event, URI relay) {
      events.add(event);
    }

    @Override
    public void onEose(URI relay) {
      eose.add(relay);
    }

    Event next() throws InterruptedException {
      Event e = events.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(e).as("an event within %d s", WAIT_SECONDS).isNotNull();
      return e;
    }
  }

  private static Event nodeSigned(
      String secret, int kind, List<List<String>> tags, String content) {
    var args =
        NodeSupport.Peer.args()
            .put("secret", secret)
            .put("kind", kind)
            .put("content", content)
            .put("created_at", Instant.now().getEpochSecond());
    args.set("tags", EventFields.tagsNode(tags));
    return Event.fromJsonVerified(Json.write(node.call("sign", args)));
  }

  @Test
  void theRelayCarriesPublishAndSubscribe() throws Exception {
    JsonNode author = node.call("generate", NodeSupport.Peer.args());
    String secret = author.get("secret").asText();
    try (RelayClient client = client(relay.url()).build()) {
      Event stored = nodeSigned(secret, 1, List.of(), "stored " + RandomText.any());
      assertThat(client.publish(stored).get(WAIT_SECONDS, TimeUnit.SECONDS))
          .singleElement()
          .matches(PublishResult::accepted, "accepted");

      Inbox inbox = new Inbox();
      Subscription sub =
          client.subscribe(
              List.of(Filter.builder().authors(author.get("pubkey").asText()).kinds(1).build()),
              inbox);
      assertThat(inbox.next()).isEqualTo(stored);
      assertThat(inbox.eose.poll(WAIT_SECONDS, TimeUnit.SECONDS))
          .isEqualTo(URI.create(relay.url()));

      Event live = nodeSigned(secret, 1, List.of(), "live " + RandomText.any());
      assertThat(client.publish(live).get(WAIT_SECONDS, TimeUnit.SECONDS))
          .singleElement()
          .matches(PublishResult::accepted, "accepted");
      assertThat(inbox.next()).isEqualTo(live);

      // A Java-signed event the relay (which verifies with noble) accepts, and a forged one it
      // refuses.
      Event javaSigned = Event.sign(NostrKeys.generate(), 1, List.of(), "from java", Instant.now());
      assertThat(client.publish(javaSigned).get(WAIT_SECONDS, TimeUnit.SECONDS).get(0).accepted())
          .isTrue();
      Event other = Event.sign(NostrKeys.generate(), 1, List.of(), "forged", Instant.now());
      Event forged =
          new Event(
              other.id(),
              other.pubkey(),
              other.createdAt(),
              other.kind(),
              other.tags(),
              other.content(),
              live.sig());
      PublishResult refused = client.publish(forged).get(WAIT_SECONDS, TimeUnit.SECONDS).get(0);
      assertThat(refused).isInstanceOf(PublishResult.Rejected.class);
      assertThat(((PublishResult.Rejected) refused).reason()).startsWith("invalid:");
      sub.close();
    }
  }

  @Test
  void theClientRecoversWhenTheRelayRestarts() throws Exception {
    NostrKeys author = NostrKeys.generate();
    try (RelayClient client = client(relay.url()).build()) {
      Inbox inbox = new Inbox();
      client.subscribe(List.of(Filter.builder().authors(author.publicKeyHex()).build()), inbox);
      assertThat(inbox.eose.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
      Event before = Event.sign(author, 1, List.of(), "before", Instant.now());
      assertThat(client.publish(before).get(WAIT_SECONDS, TimeUnit.SECONDS).get(0).accepted())
          .isTrue();
      assertThat(inbox.next()).isEqualTo(before);

      relay.restart(); // same port, empty store: only a resubscription can deliver what follows

      // Published while the client is still reconnecting: held until the connection is back.
      Event after = Event.sign(author, 1, List.of(), "after " + RandomText.any(), Instant.now());
      List<PublishResult> results = client.publish(after).get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(results)
          .singleElement()
          .matches(PublishResult::accepted, "accepted after restart");
      assertThat(inbox.next()).isEqualTo(after);
      assertThat(client.isConnected(URI.create(relay.url()))).isTrue();
    }
  }

  /**
   * NostrMessenger end to end: the recipient (a nostr-tools key) lists a second relay as its DM
   * inbox; the recipient's copy goes there only, the sender's copy to the configured relay, and
   * nostr-tools opens what arrived.
   */
  @Test
  void messengerDeliversNip17ToTheRecipientsInboxRelays() throws Exception {
    try (NodeSupport.Relay inboxRelay = new NodeSupport.Relay();
        RelayClient client = client(relay.url()).build()) {
      JsonNode recipient = node.call("generate", NodeSupport.Peer.args());
      String recipientPub = recipient.get("pubkey").asText();
      String recipientSecret = recipient.get("secret").asText();
      Event relayList =
          nodeSigned(recipientSecret, 10050, List.of(List.of("relay", inboxRelay.url())), "");
      assertThat(client.publish(relayList).get(WAIT_SECONDS, TimeUnit.SECONDS).get(0).accepted())
          .isTrue();

      NostrKeys sender = NostrKeys.generate();
      NostrMessenger messenger = NostrMessenger.builder(sender, client).build();
      String text = "Invoice due: " + RandomText.any();
      messenger.send(Nip19.npub(recipientPub), text);

      Filter toRecipient = Filter.builder().kinds(1059).tag("p", recipientPub).build();
      Inbox atInbox = new Inbox();
      client.subscribe(List.of(toRecipient), List.of(URI.create(inboxRelay.url())), atInbox);
      Event wrap = atInbox.next();
      JsonNode rumor =
          node.call(
              "nip17Unwrap",
              NodeSupport.Peer.args()
                  .put("secret", recipientSecret)
                  .set("wrap", wrap.toJsonNode()));
      assertThat(rumor.get("content").asText()).isEqualTo(text);
      assertThat(rumor.get("pubkey").asText()).isEqualTo(sender.publicKeyHex());
      assertThat(rumor.get("kind").asInt()).isEqualTo(14);
      assertThat(wrap.pubkey()).isNotEqualTo(sender.publicKeyHex());
      assertThat(wrap.createdAt())
          .isBetween(
              Instant.now().getEpochSecond() - Nip17.TWO_DAYS_SECONDS - 5,
              Instant.now().getEpochSecond());

      Inbox atConfigured = new Inbox();
      client.subscribe(
          List.of(
              toRecipient, Filter.builder().kinds(1059).tag("p", sender.publicKeyHex()).build()),
          atConfigured);
      assertThat(atConfigured.eose.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
      assertThat(atConfigured.events)
          .as("only the sender's copy on the configured relay")
          .hasSize(1);
      Event own = atConfigured.events.poll();
      assertThat(own.tagValue("p")).contains(sender.publicKeyHex());
      assertThat(Nip17.unwrap(own, sender).content()).isEqualTo(text);

      // And a reply from nostr-tools, carried by the relay, opens in Java.
      JsonNode replyWraps =
          node.call(
              "nip17Wrap",
              NodeSupport.Peer.args()
                  .put("secret", recipientSecret)
                  .put("recipient", sender.publicKeyHex())
                  .put("message", "paid, thanks"));
      Event reply = Event.fromJsonVerified(Json.write(replyWraps.get(1)));
      assertThat(client.publish(reply).get(WAIT_SECONDS, TimeUnit.SECONDS).get(0).accepted())
          .isTrue();
      Inbox senderInbox = new Inbox();
      client.subscribe(
          List.of(Filter.builder().kinds(1059).tag("p", sender.publicKeyHex()).since(0).build()),
          senderInbox);
      boolean found = false;
      for (int i = 0; i < 2 && !found; i++) {
        DirectMessage dm = Nip17.unwrap(senderInbox.next(), sender);
        found = dm.content().equals("paid, thanks") && dm.senderPubkey().equals(recipientPub);
      }
      assertThat(found).as("nostr-tools' reply unwrapped in Java").isTrue();
    }
  }

  @Test
  void messengerFallsBackToConfiguredRelaysOnlyWhenAskedAndSpeaksNip04() throws Exception {
    try (RelayClient client = client(relay.url()).build()) {
      JsonNode recipient = node.call("generate", NodeSupport.Peer.args());
      String recipientPub = recipient.get("pubkey").asText();
      NostrKeys sender = NostrKeys.generate();

      NostrMessenger withFallback =
          NostrMessenger.builder(sender, client)
              .fallbackToConfiguredRelays(true)
              .lookupTimeout(Duration.ofSeconds(5))
              .build();
      withFallback.send(recipientPub, "via fallback");
      Inbox inbox = new Inbox();
      client.subscribe(List.of(Filter.builder().kinds(1059).tag("p", recipientPub).build()), inbox);
      JsonNode rumor =
          node.call(
              "nip17Unwrap",
              NodeSupport.Peer.args()
                  .put("secret", recipient.get("secret").asText())
                  .set("wrap", inbox.next().toJsonNode()));
      assertThat(rumor.get("content").asText()).isEqualTo("via fallback");

      NostrMessenger legacy =
          NostrMessenger.builder(sender, client).mode(NostrMessenger.Mode.NIP04).build();
      String text = "legacy " + RandomText.any();
      legacy.send(recipientPub, text);
      Inbox dms = new Inbox();
      client.subscribe(
          List.of(Filter.builder().kinds(4).authors(sender.publicKeyHex()).build()), dms);
      Event dm = dms.next();
      assertThat(dm.tagValue("p")).contains(recipientPub);
      assertThat(
              node.call(
                      "nip04Decrypt",
                      NodeSupport.Peer.args()
                          .put("secret", recipient.get("secret").asText())
                          .put("pubkey", sender.publicKeyHex())
                          .put("payload", dm.content()))
                  .asText())
          .isEqualTo(text);
    }
  }

  @Test
  void theSendersCopyFollowsTheSendersOwnRelayList() throws Exception {
    try (NodeSupport.Relay own = new NodeSupport.Relay();
        RelayClient client = client(relay.url()).build()) {
      NostrKeys sender = NostrKeys.generate();
      assertThat(
              client
                  .publish(Nip17.relayList(sender, List.of(own.url()), Instant.now()))
                  .get(WAIT_SECONDS, TimeUnit.SECONDS)
                  .get(0)
                  .accepted())
          .isTrue();
      String recipient = node.call("generate", NodeSupport.Peer.args()).get("pubkey").asText();
      NostrMessenger.builder(sender, client)
          .fallbackToConfiguredRelays(true)
          .build()
          .send(recipient, "copy test");
      Inbox atOwn = new Inbox();
      client.subscribe(
          List.of(Filter.builder().kinds(1059).tag("p", sender.publicKeyHex()).build()),
          List.of(URI.create(own.url())),
          atOwn);
      assertThat(Nip17.unwrap(atOwn.next(), sender).content()).isEqualTo("copy test");
    }
  }

  @Test
  void concurrentPublishersShareOneClient() throws Exception {
    int threads = 4;
    int perThread = 25;
    try (RelayClient client = client(relay.url()).build()) {
      NostrKeys author = NostrKeys.generate();
      List<java.util.concurrent.CompletableFuture<List<PublishResult>>> all =
          java.util.Collections.synchronizedList(new java.util.ArrayList<>());
      List<Thread> workers = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * perThread;
        Thread w =
            new Thread(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    all.add(
                        client.publish(
                            Event.sign(author, 1, List.of(), "n" + (base + i), Instant.now())));
                  }
                });
        workers.add(w);
        w.start();
      }
      for (Thread w : workers) {
        w.join(WAIT_SECONDS * 1000);
      }
      assertThat(all).hasSize(threads * perThread);
      for (var f : all) {
        assertThat(f.get(WAIT_SECONDS, TimeUnit.SECONDS))
            .singleElement()
            .matches(PublishResult::accepted, "accepted");
      }
      Inbox inbox = new Inbox();
      client.subscribe(List.of(Filter.builder().authors(author.publicKeyHex()).build()), inbox);
      assertThat(inbox.eose.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
      assertThat(inbox.events).hasSize(threads * perThread);
    }
  }

  /** The README's snippet, with the local relay and fresh keys substituted. */
  @Test
  void readmeSnippetRuns() throws Exception {
    NostrKeys keys = NostrKeys.parse(NostrKeys.generate().nsec());
    String tenant =
        Nip19.npub(node.call("generate", NodeSupport.Peer.args()).get("pubkey").asText());
    List<String> printed = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    try (RelayClient relays =
        RelayClient.builder().relay(relay.url()).publishTimeout(Duration.ofSeconds(10)).build()) {
      Event note = Event.sign(keys, 1, List.of(), "hello", Instant.now());
      for (PublishResult r : relays.publish(note).join()) {
        printed.add(r.describe());
      }

      Subscription notes =
          relays.subscribe(
              List.of(Filter.builder().kinds(1).authors(keys.publicKeyHex()).build()),
              (event, r) -> printed.add(event.content()));

      dev.caravel.billing.Messenger messenger =
          NostrMessenger.builder(keys, relays).fallbackToConfiguredRelays(true).build();
      messenger.send(tenant, "Your invoice is due: https://example.com/account?invoice=42");

      // The sender's own copy lands in our inbox subscription.
      Inbox done = new Inbox();
      relays.subscribe(
          List.of(Filter.builder().kinds(1059).tag("p", keys.publicKeyHex()).build()), done);
      assertThat(done.next()).isNotNull();
      // The note comes back through the subscription, on the client's thread.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!printed.contains("hello") && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      notes.close();
    }
    assertThat(printed).contains(relay.url() + ": accepted", "hello");
  }
}
