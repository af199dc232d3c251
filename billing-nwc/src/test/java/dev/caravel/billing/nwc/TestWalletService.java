package dev.caravel.billing.nwc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/** wallet.mjs: @getalby/sdk's NWCWalletService over a fake ledger, with behaviour switches. */
final class TestWalletService implements AutoCloseable {
  private final NodePeer peer;
  private final JsonNode ready;

  private TestWalletService(NodePeer peer, JsonNode ready) {
    this.peer = peer;
    this.ready = ready;
  }

  static TestWalletService start(TestRelay relay, String... flags) {
    java.util.List<String> args =
        new java.util.ArrayList<>(java.util.List.of("--relay", relay.url()));
    args.addAll(java.util.List.of(flags));
    NodePeer peer = NodePeer.start("wallet.mjs", args.toArray(String[]::new));
    JsonNode ready =
        peer.await(l -> "ready".equals(l.path("event").asText()), Duration.ofSeconds(60), "ready");
    return new TestWalletService(peer, ready);
  }

  /**
   * The NWC URI (with its secret) of connection {@code name}: service, tenant, legacy or
   * restricted.
   */
  String uri(String name) {
    return ready.path("uris").path(name).asText();
  }

  String walletPubkey(String name) {
    return ready.path("wallets").path(name).asText();
  }

  /** The client secret inside connection {@code name}'s URI. */
  String secret(String name) {
    return NwcUri.parse(uri(name)).secret();
  }

  NodePeer peer() {
    return peer;
  }

  /** Replaces the behaviour: an empty node is "answer normally". */
  void mode(ObjectNode mode) {
    ObjectNode cmd = NodePeer.cmd("mode");
    cmd.setAll(mode);
    peer.command(cmd);
  }

  void normal() {
    mode(NodePeer.JSON.createObjectNode());
  }

  static ObjectNode modeOf() {
    return NodePeer.JSON.createObjectNode();
  }

  int release() {
    return peer.command(NodePeer.cmd("release")).path("released").asInt();
  }

  /** An invoice made straight in the ledger by {@code conn}: {bolt11, payment_hash}. */
  JsonNode invoice(String conn, long msats) {
    return peer.command(
        NodePeer.cmd("invoice").put("conn", conn).put("msats", msats).put("description", "test"));
  }

  /** A valid BOLT11 the ledger does not know. */
  JsonNode foreignInvoice(long msats) {
    return peer.command(NodePeer.cmd("invoice").put("store", false).put("msats", msats));
  }

  void settle(String paymentHash) {
    peer.command(NodePeer.cmd("settle").put("payment_hash", paymentHash));
  }

  JsonNode tx(String paymentHash) {
    return peer.command(NodePeer.cmd("tx").put("payment_hash", paymentHash));
  }

  /** Waits for the service to handle {@code method} on {@code conn}, at or after {@code mark}. */
  JsonNode awaitRequest(int mark, String conn, String method) {
    return peer.await(
        mark,
        l ->
            "request".equals(l.path("event").asText())
                && conn.equals(l.path("conn").asText())
                && method.equals(l.path("method").asText()),
        Duration.ofSeconds(20),
        method + " on " + conn);
  }

  @Override
  public void close() {
    peer.close();
  }
}
