package dev.caravel.billing.nostr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.RailException;
import dev.caravel.billing.nostr.internal.Json;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The relay client against a scripted, misbehaving relay (no Node needed). */
@Timeout(60)
class RelayClientTest {
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  private static RelayClient.Builder client(FakeRelay relay) {
    return RelayClient.builder()
        .relay(relay.url())
        .publishTimeout(Duration.ofSeconds(2))
        .connectTimeout(Duration.ofSeconds(1))
        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  private static List<String> okFor(String message, boolean accepted, String reason) {
    JsonNode m = Json.parse(message, "m");
    if (!m.get(0).asText().equals("EVENT")) {
      return List.of();
    }
    String id = m.get(1).get("id").asText();
    return List.of("[\"OK\",\"" + id + "\"," + accepted + ",\"" + reason + "\"]");
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Test
  void restrictedIsItsOwnOutcome() throws Exception {
    try (FakeRelay relay =
            new FakeRelay(true, m -> okFor(m, false, "restricted: not on the allow list"));
        RelayClient client = client(relay).build()) {
      List<PublishResult> r =
          await(
              client.publish(
                  Event.sign(NostrKeys.generate(), 1, List.of(), "hi", Instant.now()),
                  client.relays(),
                  NostrKeys.generate()));
      assertThat(r)
          .singleElement()
          .isEqualTo(
              new PublishResult.Restricted(
                  URI.create(relay.url()), "restricted: not on the allow list"));
      assertThat(r.get(0).describe()).contains("restricted (restricted: not on the allow list)");
      assertThat(relay.received.stream().filter(m -> m.startsWith("[\"EVENT\"")).count())
          .isEqualTo(1);
    }
  }

  /**
   * A relay that wants AUTH only once it has seen the event (challenge sent then): the client
   * authenticates with a valid kind 22242 event, waits for its OK, sends the event once more, and
   * takes a second auth-required: as final.
   */
  @Test
  void authRequiredIsAnsweredByAuthenticatingAndRetryingOnce() throws Exception {
    NostrKeys keys = NostrKeys.generate();
    List<JsonNode> auths = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (FakeRelay relay =
            new FakeRelay(
                true,
                m -> {
                  JsonNode msg = Json.parse(m, "m");
                  if (msg.get(0).asText().equals("AUTH")) {
                    auths.add(msg.get(1));
                    return List.of("[\"OK\",\"" + msg.get(1).get("id").asText() + "\",true,\"\"]");
                  }
                  List<String> out = new java.util.ArrayList<>(List.of("[\"AUTH\",\"chal-1\"]"));
                  out.addAll(okFor(m, false, "auth-required: who are you"));
                  return out;
                });
        RelayClient client = client(relay).build()) {
      List<PublishResult> r =
          await(
              client.publish(
                  Event.sign(NostrKeys.generate(), 1, List.of(), "hi", Instant.now()),
                  client.relays(),
                  keys));
      assertThat(r)
          .singleElement()
          .isInstanceOfSatisfying(
              PublishResult.Rejected.class,
              x -> assertThat(x.reason()).startsWith("auth-required:"));
      assertThat(relay.received.stream().filter(m -> m.startsWith("[\"EVENT\"")).count())
          .as("sent, then once more after AUTH")
          .isEqualTo(2);
      assertThat(auths).isNotEmpty();
      Event auth = Event.fromJsonNode(auths.get(0));
      assertThat(auth.verify()).isTrue();
      assertThat(auth.kind()).isEqualTo(22242);
      assertThat(auth.pubkey()).isEqualTo(keys.publicKeyHex());
      assertThat(auth.tagValue("challenge")).contains("chal-1");
      assertThat(auth.tagValue("relay")).contains(relay.url());
    }
  }

  @Test
  void aFullPoolRefusesANewRelayUntilAConnectionIsIdle() throws Exception {
    try (FakeRelay busy = new FakeRelay(true, m -> List.of());
        FakeRelay other = new FakeRelay(true, m -> okFor(m, true, ""));
        RelayClient client =
            client(busy)
                .maxConnections(1)
                .allowLoopback(true)
                .allowUnencryptedRelays(true)
                .build()) {
      // The busy relay never answers: its publish keeps the only connection busy.
      CompletableFuture<List<PublishResult>> waiting =
          client.publish(Event.sign(NostrKeys.generate(), 1, List.of(), "a", Instant.now()));
      List<PublishResult> refused =
          await(
              client.publish(
                  Event.sign(NostrKeys.generate(), 1, List.of(), "b", Instant.now()),
                  List.of(URI.create(other.url()))));
      assertThat(refused)
          .singleElement()
          .isInstanceOfSatisfying(
              PublishResult.Failed.class,
              f ->
                  assertThat(f.reason())
                      .contains("refused by the relay pool: 1 connections are open and busy"));
      assertThat(other.connections).isEmpty();
      await(waiting); // times out: the connection has nothing to do any more
      List<PublishResult> accepted =
          await(
              client.publish(
                  Event.sign(NostrKeys.generate(), 1, List.of(), "c", Instant.now()),
                  List.of(URI.create(other.url()))));
      assertThat(accepted).singleElement().isInstanceOf(PublishResult.Accepted.class);
      assertThat(client.openConnections()).isEqualTo(1);
    }
  }

  @Test
  void publishReportsAcceptedAndRejected() throws Exception {
    try (FakeRelay relay =
            new FakeRelay(
                true,
                m -> okFor(m, !m.contains("spam"), m.contains("spam") ? "blocked: spam" : ""));
        RelayClient client = client(relay).build()) {
      NostrKeys keys = NostrKeys.generate();
      List<PublishResult> ok =
          await(client.publish(Event.sign(keys, 1, List.of(), "hi", Instant.now())));
      assertThat(ok).singleElement().isInstanceOf(PublishResult.Accepted.class);
      List<PublishResult> no =
          await(client.publish(Event.sign(keys, 1, List.of(), "spam", Instant.now())));
      assertThat(no)
          .singleElement()
          .isEqualTo(new PublishResult.Rejected(URI.create(relay.url()), "blocked: spam"));
      assertThat(no.get(0).describe()).contains("rejected (blocked: spam)");
    }
  }

  @Test
  void badRelayMessagesAreDroppedAndTheGoodOnesStillArrive() throws Exception {
    NostrKeys author = NostrKeys.generate();
    Event good = Event.sign(author, 1, List.of(), "good", Instant.now());
    Event otherKind = Event.sign(author, 7, List.of(), "not asked for", Instant.now());
    String badSig = good.toJsonNode().put("sig", "00".repeat(64)).toString();
    String badId = good.toJsonNode().put("content", "tampered").toString();
    String wrongTypes = good.toJsonNode().put("kind", "1").toString();
    String wrongTagTypes = good.toJsonNode().set("tags", Json.parse("[[1,2]]", "t")).toString();
    List<String> notices = new ArrayList<>();
    BlockingQueue<String> noticeQueue = new LinkedBlockingQueue<>();
    try (FakeRelay relay =
            new FakeRelay(
                true,
                m -> {
                  JsonNode msg = Json.parse(m, "m");
                  if (!msg.get(0).asText().equals("REQ")) {
                    return List.of();
                  }
                  String sub = msg.get(1).asText();
                  String ev = "[\"EVENT\",\"" + sub + "\",";
                  return List.of(
                      "not json at all",
                      "[]",
                      "{}",
                      "[42]",
                      "[\"EVENT\"]",
                      ev + "42]",
                      ev + "{}]",
                      ev + wrongTypes + "]",
                      ev + wrongTagTypes + "]",
                      ev + badSig + "]",
                      ev + badId + "]",
                      ev + otherKind.toJson() + "]",
                      "[\"EVENT\",\"someone-else\"," + good.toJson() + "]",
                      "[\"OK\",1,2]",
                      "[\"FOO\",\"bar\"]",
                      "[\"NOTICE\",\"" + "x".repeat(5000) + "\"]", // oversized: dropped
                      ev + good.toJson() + "]",
                      ev + good.toJson() + "]", // duplicate: delivered once
                      "[\"EOSE\",\"" + sub + "\"]",
                      "[\"NOTICE\",\"hello\"]",
                      "[\"CLOSED\",\"" + sub + "\",\"error: shutting down\"]");
                });
        RelayClient client =
            client(relay).maxMessageChars(4096).onNotice((r, n) -> noticeQueue.add(n)).build()) {
      BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
      client.subscribe(
          List.of(Filter.builder().kinds(1).build()),
          new SubscriptionListener() {
            @Override
            public void onEvent(Event event, URI r) {
              seen.add(event);
            }

            @Override
            public void onEose(URI r) {
              seen.add("EOSE");
            }

            @Override
            public void onClosed(URI r, String reason) {
              seen.add("CLOSED " + reason);
            }
          });
      assertThat(seen.poll(20, TimeUnit.SECONDS)).isEqualTo(good);
      assertThat(seen.poll(20, TimeUnit.SECONDS)).isEqualTo("EOSE");
      assertThat(seen.poll(20, TimeUnit.SECONDS)).isEqualTo("CLOSED error: shutting down");
      assertThat(noticeQueue.poll(20, TimeUnit.SECONDS)).isEqualTo("hello");
      notices.addAll(noticeQueue);
      assertThat(notices).isEmpty(); // the oversized NOTICE never arrived
      assertThat(seen).isEmpty();
      // The connection survived all of it.
      assertThat(client.isConnected(URI.create(relay.url()))).isTrue();
    }
  }

  @Test
  void aRelayThatNeverCompletesTheHandshakeFailsThePublishInTime() throws Exception {
    try (FakeRelay relay = FakeRelay.silentHandshake();
        RelayClient client = client(relay).build()) {
      List<PublishResult> r =
          await(client.publish(Event.sign(NostrKeys.generate(), 1, List.of(), "x", Instant.now())));
      assertThat(r).singleElement().isInstanceOf(PublishResult.Failed.class);
      assertThat(((PublishResult.Failed) r.get(0)).reason()).startsWith("no OK within 2000 ms (");
    }
  }

  @Test
  void aRelayThatNeverAnswersFailsThePublishInTime() throws Exception {
    try (FakeRelay relay = new FakeRelay(true, m -> List.of());
        RelayClient client = client(relay).build()) {
      List<PublishResult> r =
          await(client.publish(Event.sign(NostrKeys.generate(), 1, List.of(), "x", Instant.now())));
      assertThat(r).singleElement().isInstanceOf(PublishResult.Failed.class);
      assertThat(((PublishResult.Failed) r.get(0)).reason()).startsWith("no OK within 2000 ms");
      assertThat(relay.received).hasSize(1); // the EVENT did reach the relay
    }
  }

  @Test
  void publishesAwaitingAnAnswerAreBounded() throws Exception {
    try (FakeRelay relay = new FakeRelay(true, m -> List.of())) {
      RelayClient client = client(relay).maxQueuedMessages(2).build();
      NostrKeys keys = NostrKeys.generate();
      var first = client.publish(Event.sign(keys, 1, List.of(), "1", Instant.now()));
      var second = client.publish(Event.sign(keys, 1, List.of(), "2", Instant.now()));
      List<PublishResult> third =
          await(client.publish(Event.sign(keys, 1, List.of(), "3", Instant.now())));
      assertThat(third)
          .singleElement()
          .isEqualTo(
              new PublishResult.Failed(URI.create(relay.url()), "too many publishes awaiting OK"));
      client.close();
      assertThat(await(first).get(0)).isInstanceOf(PublishResult.Failed.class);
      assertThat(await(second).get(0)).isInstanceOf(PublishResult.Failed.class);
      assertThatThrownBy(() -> client.publish(Event.sign(keys, 1, List.of(), "4", Instant.now())))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void messengerFailsWithEveryRelaysReason() throws Exception {
    try (FakeRelay relay =
            new FakeRelay(
                true,
                m -> {
                  JsonNode msg = Json.parse(m, "m");
                  return switch (msg.get(0).asText()) {
                    case "REQ" -> List.of("[\"EOSE\",\"" + msg.get(1).asText() + "\"]");
                    case "EVENT" -> okFor(m, false, "blocked: not on the allow list");
                    default -> List.of();
                  };
                });
        RelayClient client = client(relay).build()) {
      String recipient = NostrKeys.generate().publicKeyHex();
      NostrMessenger strict = NostrMessenger.builder(NostrKeys.generate(), client).build();
      assertThatThrownBy(() -> strict.send(recipient, "pay me"))
          .isInstanceOf(RailException.class)
          .hasMessageContaining("no kind 10050");

      NostrMessenger lenient =
          NostrMessenger.builder(NostrKeys.generate(), client)
              .fallbackToConfiguredRelays(true)
              .build();
      assertThatThrownBy(() -> lenient.send(recipient, "pay me"))
          .isInstanceOf(RailException.class)
          .hasMessageContaining(relay.url() + ": rejected (blocked: not on the allow list)");

      NostrMessenger legacy =
          NostrMessenger.builder(NostrKeys.generate(), client)
              .mode(NostrMessenger.Mode.NIP04)
              .build();
      assertThatThrownBy(() -> legacy.send(recipient, "pay me"))
          .isInstanceOf(RailException.class)
          .hasMessageContaining("blocked: not on the allow list");
    }
  }

  @Test
  void messengerRejectsBadRecipients() throws Exception {
    try (FakeRelay relay = new FakeRelay(true, m -> List.of());
        RelayClient client = client(relay).build()) {
      NostrMessenger m = NostrMessenger.builder(NostrKeys.generate(), client).build();
      assertThatThrownBy(() -> m.send("npub1notakey", "x"))
          .isInstanceOf(dev.caravel.billing.InvalidInputException.class);
      assertThatThrownBy(() -> m.send("zz".repeat(32), "x"))
          .isInstanceOf(dev.caravel.billing.InvalidInputException.class);
      assertThatThrownBy(() -> m.send(NostrKeys.generate().publicKeyHex(), ""))
          .isInstanceOf(dev.caravel.billing.InvalidInputException.class);
      assertThat(relay.received).isEmpty();
    }
  }

  @Test
  void aRelayThatStopsAnsweringPingsIsDroppedAndReconnected() throws Exception {
    try (FakeRelay relay =
            new FakeRelay(
                true,
                m -> {
                  JsonNode msg = Json.parse(m, "m");
                  return msg.get(0).asText().equals("REQ")
                      ? List.of("[\"EOSE\",\"" + msg.get(1).asText() + "\"]")
                      : List.of();
                });
        RelayClient client = client(relay).pingInterval(Duration.ofMillis(500)).build()) {
      BlockingQueue<URI> eose = new LinkedBlockingQueue<>();
      client.subscribe(
          List.of(Filter.builder().kinds(1).build()),
          new SubscriptionListener() {
            @Override
            public void onEvent(Event event, URI r) {}

            @Override
            public void onEose(URI r) {
              eose.add(r);
            }
          });
      assertThat(relay.connections.poll(20, TimeUnit.SECONDS)).isNotNull();
      assertThat(eose.poll(20, TimeUnit.SECONDS)).isNotNull();
      // Pings answered: the first connection stays (no second one within two intervals).
      assertThat(relay.connections.poll(1, TimeUnit.SECONDS)).isNull();
      relay.answerPings = false;
      assertThat(relay.connections.poll(20, TimeUnit.SECONDS)).as("a reconnect").isNotNull();
      relay.answerPings = true;
      assertThat(eose.poll(20, TimeUnit.SECONDS)).as("resubscribed").isNotNull();
    }
  }

  @Test
  void closingASubscriptionSendsClose() throws Exception {
    try (FakeRelay relay = new FakeRelay(true, m -> List.of());
        RelayClient client = client(relay).build()) {
      Subscription sub =
          client.subscribe(
              List.of(
                  Filter.builder().kinds(1).tag("p", "ab".repeat(32)).since(10).limit(5).build()),
              (e, r) -> {});
      String req = relay.received.poll(20, TimeUnit.SECONDS);
      assertThat(Json.parse(req, "req"))
          .isEqualTo(
              Json.parse(
                  "[\"REQ\",\""
                      + sub.id()
                      + "\",{\"kinds\":[1],\"#p\":[\""
                      + "ab".repeat(32)
                      + "\"],\"since\":10,\"limit\":5}]",
                  "expected"));
      sub.close();
      assertThat(relay.received.poll(20, TimeUnit.SECONDS))
          .isEqualTo("[\"CLOSE\",\"" + sub.id() + "\"]");
    }
  }

  /**
   * The relay drops the connection without a close frame, repeatedly. Whether the client sees the
   * EOF first (idle, reconnect on demand) or publishes into the dead socket first (the JDK may then
   * never report the EOF; the post-publish ping probe notices), the publish succeeds.
   */
  @Test
  void aDroppedConnectionComesBackForTheNextPublish() throws Exception {
    try (FakeRelay relay = new FakeRelay(true, m -> okFor(m, true, ""));
        RelayClient client = client(relay).build()) {
      NostrKeys keys = NostrKeys.generate();
      for (int i = 0; i < 5; i++) {
        List<PublishResult> r =
            await(client.publish(Event.sign(keys, 1, List.of(), "n" + i, Instant.now())));
        assertThat(r).singleElement().matches(PublishResult::accepted, "accepted " + i);
        Socket current = relay.connections.poll(20, TimeUnit.SECONDS);
        assertThat(current).isNotNull();
        current.shutdownOutput();
        current.close();
      }
    }
  }

  @Test
  void severalRelaysOneAnswerEachAndOneAcceptanceIsEnough() throws Exception {
    java.util.function.Function<String, List<String>> eoseThen =
        m -> {
          JsonNode msg = Json.parse(m, "m");
          return msg.get(0).asText().equals("REQ")
              ? List.of("[\"EOSE\",\"" + msg.get(1).asText() + "\"]")
              : List.of();
        };
    try (FakeRelay rejecting =
            new FakeRelay(
                true,
                m ->
                    m.startsWith("[\"EVENT\"")
                        ? okFor(m, false, "blocked: paid relay")
                        : eoseThen.apply(m));
        FakeRelay accepting =
            new FakeRelay(
                true, m -> m.startsWith("[\"EVENT\"") ? okFor(m, true, "") : eoseThen.apply(m));
        FakeRelay silent = FakeRelay.silentHandshake();
        RelayClient client =
            RelayClient.builder()
                .relays(List.of(rejecting.url(), accepting.url(), silent.url()))
                .publishTimeout(Duration.ofSeconds(1))
                .connectTimeout(Duration.ofMillis(500))
                .build()) {
      List<PublishResult> results =
          await(client.publish(Event.sign(NostrKeys.generate(), 1, List.of(), "x", Instant.now())));
      assertThat(results).hasSize(3);
      assertThat(results.get(0)).isInstanceOf(PublishResult.Rejected.class);
      assertThat(results.get(1)).isInstanceOf(PublishResult.Accepted.class);
      assertThat(results.get(2)).isInstanceOf(PublishResult.Failed.class);

      NostrMessenger messenger =
          NostrMessenger.builder(NostrKeys.generate(), client)
              .fallbackToConfiguredRelays(true)
              .lookupTimeout(Duration.ofMillis(500))
              .build();
      messenger.send(NostrKeys.generate().npub(), "one relay is enough");
    }
  }
}
