package dev.caravel.billing.nwc;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.function.Predicate;

/** relay.mjs: a real @nostr-relay/core relay on 127.0.0.1 that can be killed and restarted. */
final class TestRelay implements AutoCloseable {
  private NodePeer peer;
  private int port;
  private final String[] flags;

  private TestRelay(String... flags) {
    this.flags = flags;
  }

  static TestRelay start() {
    return start(new String[0]);
  }

  /** With the gate's flags: {@code --auth}, {@code --max-subs N}. */
  static TestRelay start(String... flags) {
    TestRelay relay = new TestRelay(flags);
    relay.launch(0);
    return relay;
  }

  private void launch(int wanted) {
    java.util.List<String> args =
        new java.util.ArrayList<>(java.util.List.of("--port", Integer.toString(wanted)));
    args.addAll(java.util.List.of(flags));
    peer = NodePeer.start("relay.mjs", args.toArray(String[]::new));
    JsonNode listening =
        peer.await(
            l -> "listening".equals(l.path("event").asText()), Duration.ofSeconds(20), "listening");
    port = listening.path("port").asInt();
  }

  String url() {
    return "ws://127.0.0.1:" + port;
  }

  NodePeer peer() {
    return peer;
  }

  /** Delivers every event to every subscription, ignoring filters (a careless relay). */
  void leak(boolean on) {
    peer.command(NodePeer.cmd("leak").put("on", on));
  }

  /** Kills the relay process: every connection drops, every stored event is gone. */
  void kill() {
    peer.kill();
  }

  /** Starts a fresh relay on the same port. */
  void restart() {
    peer.close();
    launch(port);
  }

  /** Waits for a REQ whose first filter matches, at or after {@code mark}. */
  JsonNode awaitReq(int mark, Predicate<JsonNode> filter, String what) {
    return peer.await(
        mark,
        l -> "req".equals(l.path("event").asText()) && filter.test(l.path("filters").path(0)),
        Duration.ofSeconds(20),
        what);
  }

  @Override
  public void close() {
    peer.close();
  }
}
