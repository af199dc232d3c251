package dev.caravel.billing.nostr.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.nostr.DecryptionException;
import dev.caravel.billing.nostr.Event;
import dev.caravel.billing.nostr.NostrFormatException;
import dev.caravel.billing.nostr.NostrKeys;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Malformed NIP-44, NIP-04 and NIP-17 input is a typed error (the rest of the module's bad input is
 * {@code BadInputTest}'s): beside the codecs, to reach their padding and rumor internals.
 */
class ProtocolBadInputTest {
  private static final NostrKeys ALICE = NostrKeys.generate();
  private static final NostrKeys BOB = NostrKeys.generate();

  @Test
  void nip44BadMacBadPaddingWrongKey() {
    ConversationKey key = Nip44.conversationKey(ALICE, BOB.publicKeyHex());
    String payload = Nip44.encrypt("pay 21 sats", key);
    byte[] raw = Base64.getDecoder().decode(payload);

    byte[] macFlipped = raw.clone();
    macFlipped[raw.length - 1] ^= 1;
    assertThatThrownBy(() -> Nip44.decrypt(Base64.getEncoder().encodeToString(macFlipped), key))
        .isInstanceOf(DecryptionException.class)
        .hasMessage("invalid MAC");
    byte[] ctFlipped = raw.clone();
    ctFlipped[40] ^= 1;
    assertThatThrownBy(() -> Nip44.decrypt(Base64.getEncoder().encodeToString(ctFlipped), key))
        .isInstanceOf(DecryptionException.class)
        .hasMessage("invalid MAC");
    ConversationKey wrong = Nip44.conversationKey(ALICE, NostrKeys.generate().publicKeyHex());
    assertThatThrownBy(() -> Nip44.decrypt(payload, wrong))
        .isInstanceOf(DecryptionException.class)
        .hasMessage("invalid MAC");
    assertThatThrownBy(() -> Nip44.decrypt(payload.substring(0, 100), key))
        .isInstanceOf(DecryptionException.class);
    assertThatThrownBy(() -> Nip44.decrypt("!" + payload.substring(1), key))
        .isInstanceOf(DecryptionException.class)
        .hasMessage("invalid base64");
    assertThatThrownBy(() -> Nip44.decrypt(null, key)).isInstanceOf(DecryptionException.class);

    // Padding: a well-MACed ciphertext whose length prefix lies.
    assertThatThrownBy(() -> Nip44.unpad(new byte[] {0, 5, 'a', 'b'}))
        .isInstanceOf(DecryptionException.class)
        .hasMessage("invalid padding");
    assertThatThrownBy(() -> Nip44.unpad(new byte[34])).isInstanceOf(DecryptionException.class);
    byte[] shortExtended = new byte[6 + 65536];
    shortExtended[5] = 10; // extended prefix with a length below 65536
    assertThatThrownBy(() -> Nip44.unpad(shortExtended)).isInstanceOf(DecryptionException.class);
    byte[] badUtf8 = new byte[34];
    badUtf8[1] = 1;
    badUtf8[2] = (byte) 0xff;
    assertThatThrownBy(() -> Nip44.unpad(badUtf8))
        .isInstanceOf(DecryptionException.class)
        .hasMessage("plaintext is not UTF-8");
  }

  @Test
  void nip04BadPayloads() {
    String payload = Nip04.encrypt(ALICE, BOB.publicKeyHex(), "hello");
    assertThat(Nip04.decrypt(BOB, ALICE.publicKeyHex(), payload)).isEqualTo("hello");
    for (String bad :
        new String[] {
          "",
          "abc",
          payload.replace("?iv=", "?xx="),
          payload + "?iv=AAAA",
          "!!!?iv=AAAAAAAAAAAAAAAAAAAAAA==",
          payload.substring(0, payload.indexOf('?')) + "?iv=AAAA",
          "AAAA?iv=AAAAAAAAAAAAAAAAAAAAAA=="
        }) {
      assertThatThrownBy(() -> Nip04.decrypt(BOB, ALICE.publicKeyHex(), bad))
          .as(bad)
          .isInstanceOf(DecryptionException.class);
    }
    // A wrong key either fails the padding/UTF-8 check or yields garbage; never the plaintext.
    NostrKeys eve = NostrKeys.generate();
    try {
      assertThat(Nip04.decrypt(eve, ALICE.publicKeyHex(), payload)).isNotEqualTo("hello");
    } catch (DecryptionException expected) {
      // the usual outcome
    }
  }

  @Test
  void forgedAndMisaddressedGiftWraps() {
    Nip17.GiftWraps wraps = Nip17.wrap(ALICE, BOB.publicKeyHex(), "hi bob", Instant.now());
    assertThat(Nip17.unwrap(wraps.forRecipient(), BOB).content()).isEqualTo("hi bob");
    assertThatThrownBy(() -> Nip17.unwrap(wraps.forRecipient(), ALICE))
        .isInstanceOf(DecryptionException.class);
    Event note = Event.sign(ALICE, 1, List.of(), "x", Instant.now());
    assertThatThrownBy(() -> Nip17.unwrap(note, BOB)).isInstanceOf(NostrFormatException.class);

    // Mallory seals a rumor that claims to be from Alice.
    NostrKeys mallory = NostrKeys.generate();
    var rumor =
        Nip17.rumor(
            ALICE.publicKeyHex(),
            14,
            List.of(List.of("p", BOB.publicKeyHex())),
            "send the money to mallory",
            Instant.now());
    Event forged = Nip17.giftWrap(rumor, mallory, BOB.publicKeyHex(), Instant.now());
    assertThatThrownBy(() -> Nip17.unwrap(forged, BOB))
        .isInstanceOf(NostrFormatException.class)
        .hasMessageContaining("rumor author differs");

    // A rumor whose id does not match its content.
    var badId =
        Nip17.rumor(ALICE.publicKeyHex(), 14, List.of(), "x", Instant.now()).put("content", "y");
    assertThatThrownBy(
            () ->
                Nip17.unwrap(Nip17.giftWrap(badId, ALICE, BOB.publicKeyHex(), Instant.now()), BOB))
        .isInstanceOf(NostrFormatException.class)
        .hasMessageContaining("rumor id");
  }
}
