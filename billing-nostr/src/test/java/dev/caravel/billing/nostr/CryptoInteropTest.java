package dev.caravel.billing.nostr;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.nostr.internal.EventFields;
import dev.caravel.billing.nostr.internal.Hex;
import dev.caravel.billing.nostr.internal.Json;
import dev.caravel.billing.nostr.protocol.DirectMessage;
import dev.caravel.billing.nostr.protocol.Nip04;
import dev.caravel.billing.nostr.protocol.Nip17;
import dev.caravel.billing.nostr.protocol.Nip19;
import dev.caravel.billing.nostr.protocol.Nip44;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Java against nostr-tools, both directions, fresh keys and messages every run. */
class CryptoInteropTest {
  private static final int ROUNDS = 8;
  private static NodeSupport.Peer node;

  @BeforeAll
  static void startPeer() throws Exception {
    if (!NodeSupport.available()) {
      return; // each test skips (or fails under CI=true) in requireNode()
    }
    node = new NodeSupport.Peer();
  }

  @BeforeEach
  void requireNode() {
    NodeSupport.requireNode();
  }

  @AfterAll
  static void stopPeer() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void keysAndBech32AgreeWithNostrTools() {
    for (int i = 0; i < ROUNDS; i++) {
      NostrKeys keys = NostrKeys.generate();
      ObjectNode a = NodeSupport.Peer.args().put("secret", keys.secretKeyHex());
      assertThat(node.call("pubkey", a).asText()).isEqualTo(keys.publicKeyHex());
      assertThat(node.call("nsec", a).asText()).isEqualTo(keys.nsec());
      assertThat(
              node.call("npub", NodeSupport.Peer.args().put("pubkey", keys.publicKeyHex()))
                  .asText())
          .isEqualTo(keys.npub());
      assertThat(NostrKeys.fromNsec(keys.nsec())).isEqualTo(keys);
      assertThat(Nip19.publicKeyHex(keys.npub())).isEqualTo(keys.publicKeyHex());
    }
  }

  @Test
  void nostrToolsVerifiesWhatJavaSigns() {
    for (int i = 0; i < ROUNDS; i++) {
      NostrKeys keys = NostrKeys.generate();
      Event event =
          Event.sign(
              keys,
              RandomText.nextInt(40000),
              randomTags(),
              RandomText.any(),
              Instant.now().minusSeconds(RandomText.nextInt(100000)));
      assertThat(event.verify()).isTrue();
      JsonNode verdict =
          node.call(
              "verify", NodeSupport.Peer.args().set("event", Json.parse(event.toJson(), "e")));
      assertThat(verdict.asBoolean()).as("nostr-tools verifies %s", event).isTrue();

      // A tampered copy must fail on both sides.
      ObjectNode tampered = event.toJsonNode().put("content", event.content() + "!");
      assertThat(node.call("verify", NodeSupport.Peer.args().set("event", tampered)).asBoolean())
          .isFalse();
      assertThat(Event.fromJsonNode(tampered).verify()).isFalse();
    }
  }

  @Test
  void javaVerifiesWhatNostrToolsSigns() {
    for (int i = 0; i < ROUNDS; i++) {
      JsonNode pair = node.call("generate", NodeSupport.Peer.args());
      ObjectNode request =
          NodeSupport.Peer.args()
              .put("secret", pair.get("secret").asText())
              .put("kind", RandomText.nextInt(40000))
              .put("content", RandomText.any())
              .put("created_at", Instant.now().getEpochSecond());
      request.set("tags", EventFields.tagsNode(randomTags()));
      JsonNode signed = node.call("sign", request);
      Event event = Event.fromJsonVerified(Json.write(signed));
      assertThat(event.pubkey()).isEqualTo(pair.get("pubkey").asText());
      // Re-serializing gives back the same id: the canonical form matches JSON.stringify.
      assertThat(
              Hex.encode(
                  EventFields.idBytes(
                      event.pubkey(),
                      event.createdAt(),
                      event.kind(),
                      event.tags(),
                      event.content())))
          .isEqualTo(signed.get("id").asText());
    }
  }

  /** A cipher as Java has it: encrypt(keys, peer, text) and decrypt(keys, peer, payload). */
  private interface JavaCipher {
    String apply(NostrKeys keys, String peerHex, String input);
  }

  /**
   * Fresh keys and text each round: nostr-tools opens what Java sealed, and Java opens what
   * nostr-tools sealed, with the peer's {@code <scheme>Encrypt} and {@code <scheme>Decrypt}.
   */
  private void bothWays(String scheme, JavaCipher encrypt, JavaCipher decrypt) {
    for (int i = 0; i < ROUNDS; i++) {
      NostrKeys java = NostrKeys.generate();
      JsonNode pair = node.call("generate", NodeSupport.Peer.args());
      String nodeSecret = pair.get("secret").asText();
      String nodePub = pair.get("pubkey").asText();
      String text = RandomText.any();

      String fromJava = encrypt.apply(java, nodePub, text);
      assertThat(
              node.call(
                      scheme + "Decrypt",
                      NodeSupport.Peer.args()
                          .put("secret", nodeSecret)
                          .put("pubkey", java.publicKeyHex())
                          .put("payload", fromJava))
                  .asText())
          .isEqualTo(text);

      String fromNode =
          node.call(
                  scheme + "Encrypt",
                  NodeSupport.Peer.args()
                      .put("secret", nodeSecret)
                      .put("pubkey", java.publicKeyHex())
                      .put("plaintext", text))
              .asText();
      assertThat(decrypt.apply(java, nodePub, fromNode)).isEqualTo(text);
    }
  }

  @Test
  void nip44BothWays() {
    bothWays("nip44", Nip44::encrypt, Nip44::decrypt);
  }

  /** Current NIP-44: 65,536 bytes and more use the 6-byte prefix; both sides agree. */
  @Test
  void nip44LargePlaintextsBothWays() {
    NostrKeys java = NostrKeys.generate();
    JsonNode pair = node.call("generate", NodeSupport.Peer.args());
    String nodeSecret = pair.get("secret").asText();
    String nodePub = pair.get("pubkey").asText();
    for (int length : new int[] {65535, 65536, 65537, 100_000, 1_000_000}) {
      // Random multi-byte head, ASCII filler up to exactly `length` UTF-8 bytes.
      String head = RandomText.of(20);
      int headBytes = head.getBytes(StandardCharsets.UTF_8).length;
      String text = head + "y".repeat(length - headBytes);
      String fromJava = Nip44.encrypt(java, nodePub, text);
      assertThat(
              node.call(
                      "nip44Decrypt",
                      NodeSupport.Peer.args()
                          .put("secret", nodeSecret)
                          .put("pubkey", java.publicKeyHex())
                          .put("payload", fromJava))
                  .asText())
          .as("nostr-tools decrypts %d bytes", length)
          .isEqualTo(text);
      String fromNode =
          node.call(
                  "nip44Encrypt",
                  NodeSupport.Peer.args()
                      .put("secret", nodeSecret)
                      .put("pubkey", java.publicKeyHex())
                      .put("plaintext", text))
              .asText();
      assertThat(fromNode.length())
          .as("same payload size for %d bytes", length)
          .isEqualTo(fromJava.length());
      assertThat(Nip44.decrypt(java, nodePub, fromNode)).isEqualTo(text);
    }
  }

  @Test
  void nip04BothWays() {
    bothWays("nip04", Nip04::encrypt, Nip04::decrypt);
  }

  @Test
  void javaUnwrapsNostrToolsNip17() {
    for (int i = 0; i < ROUNDS / 2; i++) {
      NostrKeys java = NostrKeys.generate();
      JsonNode pair = node.call("generate", NodeSupport.Peer.args());
      String text = RandomText.any();
      JsonNode wraps =
          node.call(
              "nip17Wrap",
              NodeSupport.Peer.args()
                  .put("secret", pair.get("secret").asText())
                  .put("recipient", java.publicKeyHex())
                  .put("message", text));
      // wrapManyEvents: [copy for the sender, copy for the recipient]
      Event forRecipient = Event.fromJsonVerified(Json.write(wraps.get(1)));
      assertThat(forRecipient.kind()).isEqualTo(1059);
      DirectMessage dm = Nip17.unwrap(forRecipient, java);
      assertThat(dm.content()).isEqualTo(text);
      assertThat(dm.senderPubkey()).isEqualTo(pair.get("pubkey").asText());
      assertThat(dm.kind()).isEqualTo(14);
      assertThat(dm.tags()).containsExactly(List.of("p", java.publicKeyHex()));
    }
  }

  @Test
  void nostrToolsUnwrapsJavaNip17() {
    for (int i = 0; i < ROUNDS / 2; i++) {
      NostrKeys java = NostrKeys.generate();
      JsonNode pair = node.call("generate", NodeSupport.Peer.args());
      String nodeSecret = pair.get("secret").asText();
      String nodePub = pair.get("pubkey").asText();
      String text = RandomText.any();
      Instant now = Instant.now();
      Nip17.GiftWraps wraps = Nip17.wrap(java, nodePub, text, now);

      JsonNode rumor =
          node.call(
              "nip17Unwrap",
              NodeSupport.Peer.args()
                  .put("secret", nodeSecret)
                  .set("wrap", wraps.forRecipient().toJsonNode()));
      assertThat(rumor.get("content").asText()).isEqualTo(text);
      assertThat(rumor.get("pubkey").asText()).isEqualTo(java.publicKeyHex());
      assertThat(rumor.get("kind").asInt()).isEqualTo(14);
      assertThat(rumor.get("created_at").asLong()).isEqualTo(now.getEpochSecond());
      assertThat(
              node.call(
                      "verify",
                      NodeSupport.Peer.args().set("event", wraps.forRecipient().toJsonNode()))
                  .asBoolean())
          .isTrue();

      // The sender's own copy opens with the sender's key, on both sides.
      assertThat(Nip17.unwrap(wraps.forSender(), java).content()).isEqualTo(text);
      assertThat(wraps.forSender().tagValue("p")).contains(java.publicKeyHex());
    }
  }

  private static List<List<String>> randomTags() {
    List<List<String>> tags = new ArrayList<>();
    int n = RandomText.nextInt(4);
    for (int i = 0; i < n; i++) {
      tags.add(List.of(RandomText.of(1), RandomText.of(5), RandomText.of(2)));
    }
    tags.add(List.of("p", NostrKeys.generate().publicKeyHex()));
    return tags;
  }
}
