package dev.caravel.billing.nwc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.nostr.Event;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.protocol.ConversationKey;
import dev.caravel.billing.nostr.protocol.Nip44;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class Nip47Test {
  static final NostrKeys WALLET = NostrKeys.generate();
  static final NostrKeys CLIENT = NostrKeys.generate();
  static final NostrKeys OTHER = NostrKeys.generate();
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final String REQUEST = "ab".repeat(32);

  static Event info(List<List<String>> tags, String content) {
    return Event.sign(WALLET, Nip47.INFO_KIND, tags, content, NOW);
  }

  @Test
  void infoEventWithBothEncryptionsPrefersNip44() {
    Nip47.WalletInfo info =
        Nip47.WalletInfo.parse(
            info(
                List.of(
                    List.of("encryption", "nip04 nip44_v2"),
                    List.of("notifications", "payment_received")),
                "pay_invoice get_balance make_invoice lookup_invoice get_info"));
    assertThat(info.methods())
        .containsExactly(
            "pay_invoice", "get_balance", "make_invoice", "lookup_invoice", "get_info");
    assertThat(info.notifications()).containsExactly("payment_received");
    assertThat(info.preferred()).isEqualTo(Nip47.Encryption.NIP44_V2);
  }

  @Test
  void infoEventWithoutEncryptionTagMeansNip04() {
    Nip47.WalletInfo info = Nip47.WalletInfo.parse(info(List.of(), "pay_invoice,get_balance"));
    assertThat(info.methods()).containsExactly("pay_invoice", "get_balance");
    assertThat(info.encryptions()).containsExactly("nip04");
    assertThat(info.preferred()).isEqualTo(Nip47.Encryption.NIP04);
    assertThat(
            Nip47.WalletInfo.parse(info(List.of(List.of("encryption", "nip04")), "x")).preferred())
        .isEqualTo(Nip47.Encryption.NIP04);
  }

  @Test
  void infoEventWithOnlyUnknownEncryptionsIsAnError() {
    Nip47.WalletInfo info =
        Nip47.WalletInfo.parse(info(List.of(List.of("encryption", "nip99")), "pay_invoice"));
    assertThatThrownBy(info::preferred)
        .isInstanceOfSatisfying(
            NwcException.class,
            e -> assertThat(e.error()).isEqualTo(NwcException.Code.UNSUPPORTED_ENCRYPTION));
  }

  static Event reply(NostrKeys author, int kind, List<List<String>> tags) {
    return Event.sign(author, kind, tags, "payload", NOW);
  }

  @Test
  void onlyTheWalletsSignedReplyToOurRequestIsBelieved() {
    String wallet = WALLET.publicKeyHex();
    String client = CLIENT.publicKeyHex();
    // Alby's NWCWalletService sends no p tag: still a reply.
    assertThat(
            Nip47.isResponseTo(
                reply(WALLET, 23195, List.of(List.of("e", REQUEST))), wallet, client, REQUEST))
        .isTrue();
    assertThat(
            Nip47.isResponseTo(
                reply(WALLET, 23195, List.of(List.of("e", REQUEST), List.of("p", client))),
                wallet,
                client,
                REQUEST))
        .isTrue();

    // Another author, even naming our request and us.
    assertThat(
            Nip47.isResponseTo(
                reply(OTHER, 23195, List.of(List.of("e", REQUEST), List.of("p", client))),
                wallet,
                client,
                REQUEST))
        .isFalse();
    // Another request.
    assertThat(
            Nip47.isResponseTo(
                reply(WALLET, 23195, List.of(List.of("e", "cd".repeat(32)))),
                wallet,
                client,
                REQUEST))
        .isFalse();
    // No e tag at all.
    assertThat(Nip47.isResponseTo(reply(WALLET, 23195, List.of()), wallet, client, REQUEST))
        .isFalse();
    // Another kind (a notification naming the request).
    assertThat(
            Nip47.isResponseTo(
                reply(WALLET, 23196, List.of(List.of("e", REQUEST))), wallet, client, REQUEST))
        .isFalse();
    // For another client.
    assertThat(
            Nip47.isResponseTo(
                reply(
                    WALLET,
                    23195,
                    List.of(List.of("e", REQUEST), List.of("p", OTHER.publicKeyHex()))),
                wallet,
                client,
                REQUEST))
        .isFalse();
  }

  @Test
  void aReplyWithABrokenSignatureIsNotBelieved() {
    Event good = reply(WALLET, 23195, List.of(List.of("e", REQUEST)));
    Event forged =
        new Event(
            good.id(),
            good.pubkey(),
            good.createdAt(),
            good.kind(),
            good.tags(),
            "other content",
            good.sig());
    assertThat(Nip47.isResponseTo(forged, WALLET.publicKeyHex(), CLIENT.publicKeyHex(), REQUEST))
        .isFalse();
    String badSig = (good.sig().charAt(0) == 'a' ? "b" : "a") + good.sig().substring(1);
    Event resigned =
        new Event(
            good.id(),
            good.pubkey(),
            good.createdAt(),
            good.kind(),
            good.tags(),
            good.content(),
            badSig);
    assertThat(Nip47.isResponseTo(resigned, WALLET.publicKeyHex(), CLIENT.publicKeyHex(), REQUEST))
        .isFalse();
  }

  @Test
  void repliesAreReadStrictly() {
    assertThat(
            Nip47.parseReply(
                "{\"result_type\":\"get_balance\",\"result\":{\"balance\":5}}", "get_balance"))
        .isInstanceOfSatisfying(
            Reply.Ok.class, ok -> assertThat(ok.result().path("balance").asLong()).isEqualTo(5));
    assertThat(
            Nip47.parseReply(
                "{\"result_type\":\"pay_invoice\",\"error\":{\"code\":\"QUOTA_EXCEEDED\",\"message\":\"budget\"}}",
                "pay_invoice"))
        .isEqualTo(new Reply.Err("QUOTA_EXCEEDED", "budget"));
    assertThat(
            Nip47.parseReply(
                "{\"result_type\":\"pay_invoice\",\"error\":{\"message\":\"?\"}}", "pay_invoice"))
        .isEqualTo(new Reply.Err("OTHER", "?"));
    assertThat(Nip47.parseReply("{\"result_type\":\"get_info\",\"result\":{}}", "get_balance"))
        .isInstanceOf(Reply.Malformed.class);
    assertThat(Nip47.parseReply("not json", "get_balance")).isInstanceOf(Reply.Malformed.class);
    assertThat(Nip47.parseReply("[1]", "get_balance")).isInstanceOf(Reply.Malformed.class);
    assertThat(Nip47.parseReply("{\"result_type\":\"get_balance\"}", "get_balance"))
        .isInstanceOf(Reply.Malformed.class);
    assertThat(Nip47.parseReply("{\"result_type\":\"get_balance\",\"error\":\"x\"}", "get_balance"))
        .isInstanceOf(Reply.Malformed.class);
    // A null error with a result is a success, as NIP-47 writes it.
    assertThat(
            Nip47.parseReply(
                "{\"result_type\":\"get_balance\",\"error\":null,\"result\":{\"balance\":1}}",
                "get_balance"))
        .isInstanceOf(Reply.Ok.class);
  }

  @Test
  void encryptionsRoundTripWithTheWalletsKeys() {
    ConversationKey mine = Nip44.conversationKey(CLIENT, WALLET.publicKeyHex());
    ConversationKey theirs = Nip44.conversationKey(WALLET, CLIENT.publicKeyHex());
    for (Nip47.Encryption e : Nip47.Encryption.values()) {
      String sealed = e.encrypt(CLIENT, mine, WALLET.publicKeyHex(), "{\"method\":\"get_info\"}");
      assertThat(e.decrypt(WALLET, theirs, CLIENT.publicKeyHex(), sealed))
          .isEqualTo("{\"method\":\"get_info\"}");
      assertThat(Nip47.Encryption.ofTag(e.tag)).isEqualTo(e);
    }
  }

  @Test
  void paymentHashOfAPreimage() {
    // sha256 of 32 zero bytes
    assertThat(Nip47.paymentHashOf("00".repeat(32)))
        .isEqualTo("66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
    assertThat(Nip47.paymentHashOf("00".repeat(31))).isNull();
    assertThat(Nip47.paymentHashOf("zz".repeat(32))).isNull();
    assertThat(Nip47.safe("a\nb\u0000c")).isEqualTo("a b c");
    assertThat(Nip47.safe("x".repeat(400))).hasSize(303);
  }
}
