package dev.caravel.billing.nostr;

import static dev.caravel.billing.nostr.StubNetwork.PUBLIC;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.nostr.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The WebSocket client for tenant relays ({@link PinnedWebSocket}) against a scripted relay on
 * 127.0.0.1, reached through {@link StubNetwork} as the public relay.test: framing the JDK's client
 * handles for configured relays, done right here too.
 */
@Timeout(60)
class PinnedWebSocketTest {
  private static final String NAME = "relay.frames.test";

  private static RelayClient pool(FakeRelay relay) {
    StubNetwork net = new StubNetwork().answer(NAME, PUBLIC).route(PUBLIC, 80, relay.port());
    return RelayClient.builder()
        .resolver(net)
        .socketOpener(net)
        .allowUnencryptedRelays(true)
        .publishTimeout(Duration.ofSeconds(3))
        .connectTimeout(Duration.ofSeconds(2))
        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
        .build();
  }

  private static final URI RELAY = URI.create("ws://" + NAME);

  /** Collects events. */
  private static final class Events implements SubscriptionListener {
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

    @Override
    public void onEvent(Event event, URI relay) {
      events.add(event);
    }
  }

  /** Subscribes and returns the subscription id the relay saw in the REQ. */
  private static String subscribe(RelayClient pool, FakeRelay relay, Events events)
      throws Exception {
    pool.subscribe(List.of(Filter.builder().kinds(1).build()), List.of(RELAY), events);
    String req = relay.received.poll(10, TimeUnit.SECONDS);
    assertThat(req).startsWith("[\"REQ\"");
    return Json.parse(req, "REQ").get(1).asText();
  }

  private static byte[] eventMessage(String subscription, Event event) {
    return ("[\"EVENT\",\"" + subscription + "\"," + event.toJson() + "]")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A server frame (unmasked unless {@code masked}). */
  private static byte[] frame(int opcode, boolean fin, byte[] payload, boolean masked) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write((fin ? 0x80 : 0) | opcode);
    int maskBit = masked ? 0x80 : 0;
    if (payload.length < 126) {
      out.write(maskBit | payload.length);
    } else {
      out.write(maskBit | 126);
      out.write(payload.length >>> 8);
      out.write(payload.length & 0xff);
    }
    byte[] body = payload.clone();
    if (masked) {
      byte[] mask = {1, 2, 3, 4};
      out.writeBytes(mask);
      for (int i = 0; i < body.length; i++) {
        body[i] ^= mask[i % 4];
      }
    }
    out.writeBytes(body);
    return out.toByteArray();
  }

  @Test
  void aFragmentedMessageWithACharacterSplitAcrossFramesAndAPingBetweenArrivesWhole()
      throws Exception {
    try (FakeRelay relay = new FakeRelay(true, m -> List.of());
        RelayClient pool = pool(relay)) {
      Events events = new Events();
      String sub = subscribe(pool, relay, events);
      Event event = Event.sign(NostrKeys.generate(), 1, List.of(), "héllo 😀 and €", Instant.now());
      byte[] message = eventMessage(sub, event);
      String text = new String(message, StandardCharsets.UTF_8);
      String beforeEmoji = text.substring(0, text.indexOf("😀"));
      int split = beforeEmoji.getBytes(StandardCharsets.UTF_8).length + 2; // inside its 4 bytes
      ByteArrayOutputStream frames = new ByteArrayOutputStream();
      frames.writeBytes(frame(0x1, false, java.util.Arrays.copyOfRange(message, 0, split), false));
      frames.writeBytes(frame(0x9, true, "mid".getBytes(StandardCharsets.UTF_8), false));
      frames.writeBytes(frame(0x0, false, new byte[0], false));
      frames.writeBytes(
          frame(0x0, true, java.util.Arrays.copyOfRange(message, split, message.length), false));
      relay.pushRaw(frames.toByteArray());

      assertThat(events.events.poll(10, TimeUnit.SECONDS)).isEqualTo(event);
      assertThat(relay.pongs.poll(10, TimeUnit.SECONDS)).isEqualTo("mid");
    }
  }

  @Test
  void aMessageOver64KiBWithA64BitLengthArrives() throws Exception {
    try (FakeRelay relay = new FakeRelay(true, m -> List.of());
        RelayClient pool = pool(relay)) {
      Events events = new Events();
      String sub = subscribe(pool, relay, events);
      Event big = Event.sign(NostrKeys.generate(), 1, List.of(), "x".repeat(70_000), Instant.now());
      relay.push(new String(eventMessage(sub, big), StandardCharsets.UTF_8));
      assertThat(events.events.poll(10, TimeUnit.SECONDS)).isEqualTo(big);
    }
  }

  @Test
  void aCloseFromTheRelayIsAnsweredAndTheSubscriptionComesBackOnANewConnection() throws Exception {
    try (FakeRelay relay = new FakeRelay(true, m -> List.of());
        RelayClient pool = pool(relay)) {
      subscribe(pool, relay, new Events());
      relay.pushRaw(frame(0x8, true, new byte[] {0x03, (byte) 0xe9, 'b', 'y', 'e'}, false));
      assertThat(relay.received.poll(10, TimeUnit.SECONDS)).startsWith("[\"REQ\"");
      assertThat(relay.connections).hasSize(2);
    }
  }

  @Test
  void aMaskedFrameFromTheRelayIsAProtocolErrorThatDropsTheConnection() throws Exception {
    try (FakeRelay relay = new FakeRelay(true, m -> List.of());
        RelayClient pool = pool(relay)) {
      Events events = new Events();
      String sub = subscribe(pool, relay, events);
      Event event = Event.sign(NostrKeys.generate(), 1, List.of(), "masked", Instant.now());
      relay.pushRaw(frame(0x1, true, eventMessage(sub, event), true));
      assertThat(relay.received.poll(10, TimeUnit.SECONDS))
          .as("subscribed again on a new connection")
          .startsWith("[\"REQ\"");
      assertThat(events.events).isEmpty();
    }
  }

  @Test
  void aHandshakeAnswerThatIsNotAnUpgradeWithOurKeyIsRefused() throws Exception {
    for (String answer :
        List.of(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: d3Jvbmc=\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) {
      try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
        Thread t = new Thread(() -> answerEvery(server, answer));
        t.setDaemon(true);
        t.start();
        StubNetwork net =
            new StubNetwork().answer(NAME, PUBLIC).route(PUBLIC, 80, server.getLocalPort());
        try (RelayClient pool =
            RelayClient.builder()
                .resolver(net)
                .socketOpener(net)
                .allowUnencryptedRelays(true)
                .publishTimeout(Duration.ofSeconds(1))
                .build()) {
          PublishResult result =
              pool.publish(
                      Event.sign(NostrKeys.generate(), 1, List.of(), "x", Instant.now()),
                      List.of(RELAY))
                  .get(10, TimeUnit.SECONDS)
                  .get(0);
          assertThat(result)
              .isInstanceOfSatisfying(
                  PublishResult.Failed.class,
                  f ->
                      assertThat(f.reason())
                          .containsAnyOf(
                              "Sec-WebSocket-Accept does not match our key",
                              "answered the WebSocket handshake with HTTP 200"));
          assertThat(pool.isConnected(RELAY)).isFalse();
        }
      }
    }
  }

  private static void answerEvery(ServerSocket server, String answer) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        InputStream in = s.getInputStream();
        int matched = 0;
        while (matched < 4) {
          int b = in.read();
          if (b < 0) {
            break;
          }
          matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
        OutputStream out = s.getOutputStream();
        out.write(answer.getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException e) {
        return;
      }
    }
  }
}
