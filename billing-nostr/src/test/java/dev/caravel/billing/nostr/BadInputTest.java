package dev.caravel.billing.nostr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.nostr.internal.EventFields;
import dev.caravel.billing.nostr.internal.Json;
import dev.caravel.billing.nostr.internal.Secp256k1;
import dev.caravel.billing.nostr.protocol.Nip19;
import dev.caravel.billing.nostr.protocol.Nip44;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every malformed input is a typed error, never a crash of another kind or a hang. */
class BadInputTest {
  private static final NostrKeys ALICE = NostrKeys.generate();
  private static final NostrKeys BOB = NostrKeys.generate();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "abc",
        "zz",
        "0g",
        "٣٣",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef"
      })
  void badHexKeys(String hex) {
    assertThatThrownBy(() -> NostrKeys.fromSecretHex(hex)).isInstanceOf(NostrFormatException.class);
    assertThatThrownBy(() -> Nip19.publicKeyHex(hex)).isInstanceOf(NostrFormatException.class);
  }

  @Test
  void secretKeysOutOfRange() {
    assertThatThrownBy(() -> NostrKeys.fromSecretHex("00".repeat(32)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("secret key is out of range");
    String n = Secp256k1.N.toString(16);
    assertThatThrownBy(() -> NostrKeys.fromSecretHex(n)).isInstanceOf(NostrFormatException.class);
    assertThatThrownBy(() -> NostrKeys.fromSecretHex(null))
        .isInstanceOf(NostrFormatException.class);
    assertThat(
            NostrKeys.fromSecretHex(Secp256k1.N.subtract(java.math.BigInteger.ONE).toString(16))
                .publicKeyHex())
        .hasSize(64);
  }

  @Test
  void publicKeysOffTheCurve() {
    // x = 5 has no square root on secp256k1 (x^3 + 7 = 132 is a non-residue mod p).
    assertThatThrownBy(() -> Nip19.publicKeyHex("00".repeat(31) + "05"))
        .isInstanceOf(NostrFormatException.class)
        .hasMessageContaining("not on the curve");
    assertThatThrownBy(() -> Nip19.publicKeyHex("ff".repeat(32)))
        .isInstanceOf(NostrFormatException.class);
    assertThatThrownBy(() -> Nip44.encrypt(ALICE, "ff".repeat(32), "x"))
        .isInstanceOf(NostrFormatException.class);
  }

  @Test
  void badBech32() {
    String npub = ALICE.npub();
    String nsec = ALICE.nsec();
    char last = npub.charAt(npub.length() - 1);
    String badChecksum = npub.substring(0, npub.length() - 1) + (last == 'q' ? 'p' : 'q');
    assertThatThrownBy(() -> Nip19.publicKeyHex(badChecksum))
        .isInstanceOf(NostrFormatException.class)
        .hasMessageContaining("checksum");
    String mixed = "npub1" + npub.substring(5, 10).toUpperCase() + npub.substring(10);
    assertThatThrownBy(() -> Nip19.publicKeyHex(mixed)).isInstanceOf(NostrFormatException.class);
    assertThatThrownBy(() -> Nip19.publicKeyHex("npub1bio"))
        .isInstanceOf(NostrFormatException.class);
    assertThatThrownBy(() -> Nip19.publicKeyHex(nsec)).isInstanceOf(NostrFormatException.class);
    assertThatThrownBy(() -> NostrKeys.fromNsec(npub))
        .isInstanceOf(NostrFormatException.class)
        .hasMessage("not an nsec key");
    assertThatThrownBy(() -> NostrKeys.fromNsec("nsec1" + "q".repeat(5000)))
        .isInstanceOf(NostrFormatException.class);
    // Upper-case bech32 is valid.
    assertThat(Nip19.publicKeyHex(npub.toUpperCase())).isEqualTo(ALICE.publicKeyHex());
    assertThat(NostrKeys.parse(nsec.toUpperCase())).isEqualTo(ALICE);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "not json",
        "[]",
        "42",
        "{\"id\":1}",
        "{",
        "{\"id\":\"a\",\"id\":\"b\"}",
      })
  void malformedEventJson(String json) {
    assertThatThrownBy(() -> Event.fromJson(json)).isInstanceOf(NostrFormatException.class);
  }

  @Test
  void wrongEventFieldTypes() {
    var good =
        Event.sign(ALICE, 1, List.of(List.of("t", "x")), "hello", Instant.now()).toJsonNode();
    assertThat(Event.fromJsonNode(good).verify()).isTrue();
    List<java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode>> breakers =
        List.of(
            n -> n.put("kind", "1"),
            n -> n.put("kind", 1.5),
            n -> n.put("kind", 70000),
            n -> n.put("kind", -1),
            n -> n.put("created_at", "now"),
            n -> n.put("created_at", 1.5),
            n -> n.put("created_at", -5),
            n -> n.put("content", 7),
            n -> n.putNull("content"),
            n -> n.remove("sig"),
            n -> n.put("sig", "ab"),
            n -> n.put("id", n.get("id").asText().toUpperCase()),
            n -> n.put("pubkey", "zz".repeat(32)),
            n -> n.put("tags", "[]"),
            n -> n.set("tags", Json.parse("[\"t\"]", "t")),
            n -> n.set("tags", Json.parse("[[\"t\", 1]]", "t")),
            n -> n.set("tags", Json.parse("[[null]]", "t")),
            n -> n.put("created_at", new java.math.BigInteger("99999999999999999999999")));
    for (var breaker : breakers) {
      var copy = good.deepCopy();
      breaker.accept(copy);
      assertThatThrownBy(() -> Event.fromJson(copy.toString()))
          .as("%s", copy)
          .isInstanceOf(NostrFormatException.class);
    }
  }

  @Test
  void tamperedEventsDoNotVerify() {
    Event e = Event.sign(ALICE, 1, List.of(), "hello", Instant.now());
    assertThat(e.verify()).isTrue();
    Event otherContent =
        new Event(e.id(), e.pubkey(), e.createdAt(), e.kind(), e.tags(), "bye", e.sig());
    Event otherAuthor =
        new Event(
            e.id(), BOB.publicKeyHex(), e.createdAt(), e.kind(), e.tags(), e.content(), e.sig());
    String flipped = (e.sig().charAt(0) == '0' ? "1" : "0") + e.sig().substring(1);
    Event badSig =
        new Event(e.id(), e.pubkey(), e.createdAt(), e.kind(), e.tags(), e.content(), flipped);
    assertThat(otherContent.verify()).isFalse();
    assertThat(otherAuthor.verify()).isFalse();
    assertThat(badSig.verify()).isFalse();
    assertThatThrownBy(() -> Event.fromJsonVerified(badSig.toJson()))
        .isInstanceOf(NostrFormatException.class)
        .hasMessageContaining("does not check out");
    assertThat(Schnorr.verify(new byte[32], new byte[31], new byte[64])).isFalse();
    assertThat(Schnorr.verify(new byte[32], ALICE.publicKeyBytes(), new byte[63])).isFalse();
    assertThat(Schnorr.verify(null, ALICE.publicKeyBytes(), new byte[64])).isFalse();
  }

  @Test
  void badFiltersAndRelayUrls() {
    assertThatThrownBy(() -> Filter.builder().tag("pp", "x").build())
        .isInstanceOf(NostrFormatException.class);
    assertThatThrownBy(() -> Filter.builder().limit(-1).build())
        .isInstanceOf(NostrFormatException.class);
    assertThatThrownBy(() -> RelayClient.relayUri("https://relay.example"))
        .isInstanceOf(NostrFormatException.class);
    assertThatThrownBy(() -> RelayClient.relayUri("ws://"))
        .isInstanceOf(NostrFormatException.class);
    assertThatThrownBy(() -> RelayClient.relayUri("not a url"))
        .isInstanceOf(NostrFormatException.class);
    assertThat(RelayClient.relayUri("WSS://Relay.Example.com/").toString())
        .isEqualTo("wss://relay.example.com");
    try (RelayClient client = RelayClient.builder().build()) {
      assertThatThrownBy(() -> client.subscribe(List.of(), (e, r) -> {}))
          .isInstanceOf(NostrFormatException.class);
    }
  }

  @Test
  void canonicalSerializationEscapesLikeJsonStringify() {
    String content = "a\"b\\c\nd\re\tf\bg\fh\u0000i\u001fj\u007fk/l\u2028m😀n";
    byte[] canonical =
        EventFields.canonical("ab".repeat(32), 1, 1, List.of(List.of("t", "\u0001")), content);
    assertThat(new String(canonical, StandardCharsets.UTF_8))
        .isEqualTo(
            "[0,\""
                + "ab".repeat(32)
                + "\",1,1,[[\"t\",\"\\u0001\"]],"
                + "\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0000i\\u001fj\u007fk/l\u2028m😀n\"]");
  }

  @Test
  void unpairedSurrogatesAreRefused() {
    assertThatThrownBy(() -> Event.sign(ALICE, 1, List.of(), "a\ud800b", Instant.now()))
        .isInstanceOf(NostrFormatException.class)
        .hasMessageContaining("unpaired surrogate");
    assertThatThrownBy(
            () -> Event.sign(ALICE, 1, List.of(List.of("t", "\udc00")), "x", Instant.now()))
        .isInstanceOf(NostrFormatException.class);
    var json =
        Event.sign(ALICE, 1, List.of(), "x", Instant.now()).toJsonNode().put("content", "\ud83d");
    assertThatThrownBy(() -> Event.fromJson(json.toString()))
        .isInstanceOf(NostrFormatException.class);
    assertThat(Event.sign(ALICE, 1, List.of(), "ok 😀", Instant.now()).verify()).isTrue();
  }
}
