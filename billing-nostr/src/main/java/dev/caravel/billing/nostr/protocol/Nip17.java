package dev.caravel.billing.nostr.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.nostr.Event;
import dev.caravel.billing.nostr.NostrFormatException;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nostr.internal.EventFields;
import dev.caravel.billing.nostr.internal.Hex;
import dev.caravel.billing.nostr.internal.Json;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/**
 * NIP-17 private direct messages on NIP-59 gift wraps: a kind 14 rumor (unsigned), sealed in a kind
 * 13 event signed by the sender, wrapped in a kind 1059 event signed by a one-off key. Seal and
 * wrap timestamps are randomized up to two days into the past so relays cannot correlate them with
 * the rumor's real time.
 */
public final class Nip17 {
  public static final int KIND_CHAT = 14;
  public static final int KIND_SEAL = 13;
  public static final int KIND_GIFT_WRAP = 1059;
  public static final int KIND_DM_RELAYS = 10050;

  /** How far back NIP-59 dates seals and wraps, at most, so their times say nothing. */
  public static final long TWO_DAYS_SECONDS = 2L * 24 * 60 * 60;

  private static final SecureRandom RANDOM = new SecureRandom();

  /** The two wraps of one message: one for the recipient's inbox, one for the sender's own. */
  public record GiftWraps(Event forRecipient, Event forSender) {}

  private Nip17() {}

  /** Wraps {@code text} from {@code sender} to {@code recipientPubkeyHex}, dated {@code now}. */
  public static GiftWraps wrap(
      NostrKeys sender, String recipientPubkeyHex, String text, Instant now) {
    String recipient = Nip19.publicKeyHex(recipientPubkeyHex);
    ObjectNode rumor =
        rumor(sender.publicKeyHex(), KIND_CHAT, List.of(List.of("p", recipient)), text, now);
    return new GiftWraps(
        giftWrap(rumor, sender, recipient, now),
        giftWrap(rumor, sender, sender.publicKeyHex(), now));
  }

  /**
   * Opens a kind 1059 gift wrap addressed to {@code recipient}. Every check that nostr-tools makes
   * is made here, and the rumor's id must match its content.
   *
   * @throws NostrFormatException for a wrap that is not for us, malformed, or forged
   */
  public static DirectMessage unwrap(Event wrap, NostrKeys recipient) {
    if (wrap.kind() != KIND_GIFT_WRAP) {
      throw new NostrFormatException("not a gift wrap: kind " + wrap.kind());
    }
    if (!wrap.verify()) {
      throw new NostrFormatException("gift wrap id or signature does not check out");
    }
    Event seal =
        Event.fromJsonNode(
            Json.parse(Nip44.decrypt(recipient, wrap.pubkey(), wrap.content()), "seal"));
    if (seal.kind() != KIND_SEAL) {
      throw new NostrFormatException("not a seal: kind " + seal.kind());
    }
    if (!seal.verify()) {
      throw new NostrFormatException("seal id or signature does not check out");
    }
    JsonNode rumor = Json.parse(Nip44.decrypt(recipient, seal.pubkey(), seal.content()), "rumor");
    if (!rumor.isObject()) {
      throw new NostrFormatException("rumor is not a JSON object");
    }
    String pubkey = EventFields.text(rumor, "pubkey");
    if (!pubkey.equals(seal.pubkey())) {
      throw new NostrFormatException("rumor author differs from seal signer");
    }
    long createdAt = EventFields.integer(rumor, "created_at");
    long kindValue = EventFields.integer(rumor, "kind");
    if (kindValue < 0 || kindValue > 65535) {
      throw new NostrFormatException("rumor kind out of range");
    }
    int kind = (int) kindValue;
    List<List<String>> tags = EventFields.tags(rumor);
    String content = EventFields.text(rumor, "content");
    EventFields.checkFields(createdAt, kind, content);
    String id = Hex.encode(EventFields.idBytes(pubkey, createdAt, kind, tags, content));
    if (!id.equals(EventFields.text(rumor, "id"))) {
      throw new NostrFormatException("rumor id does not match its content");
    }
    return new DirectMessage(id, pubkey, kind, content, tags, Instant.ofEpochSecond(createdAt));
  }

  /** A kind 10050 relay list, e.g. to publish the host's own inbox relays. */
  public static Event relayList(NostrKeys owner, List<String> relayUrls, Instant now) {
    List<List<String>> tags =
        relayUrls.stream().map(u -> List.of("relay", RelayClient.relayUri(u).toString())).toList();
    return Event.sign(owner, KIND_DM_RELAYS, tags, "", now);
  }

  static ObjectNode rumor(
      String pubkey, int kind, List<List<String>> tags, String content, Instant now) {
    long at = now.getEpochSecond();
    EventFields.checkFields(at, kind, content);
    List<List<String>> safeTags = EventFields.copyTags(tags);
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("id", Hex.encode(EventFields.idBytes(pubkey, at, kind, safeTags, content)));
    node.put("pubkey", pubkey);
    node.put("created_at", at);
    node.put("kind", kind);
    node.set("tags", EventFields.tagsNode(safeTags));
    node.put("content", content);
    return node;
  }

  static Event giftWrap(ObjectNode rumor, NostrKeys sender, String recipient, Instant now) {
    Event seal =
        Event.sign(
            sender,
            KIND_SEAL,
            List.of(),
            Nip44.encrypt(sender, recipient, Json.write(rumor)),
            randomPast(now));
    NostrKeys oneOff = NostrKeys.generate();
    return Event.sign(
        oneOff,
        KIND_GIFT_WRAP,
        List.of(List.of("p", recipient)),
        Nip44.encrypt(oneOff, recipient, seal.toJson()),
        randomPast(now));
  }

  static Instant randomPast(Instant now) {
    return now.minusSeconds(RANDOM.nextLong(TWO_DAYS_SECONDS + 1));
  }
}
