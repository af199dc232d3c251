package dev.caravel.billing.nostr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.nostr.internal.EventFields;
import dev.caravel.billing.nostr.internal.Hex;
import dev.caravel.billing.nostr.internal.Json;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A signed NIP-01 event. Records built through {@link #sign} or {@link #fromJson} are well-formed;
 * {@link #verify()} checks the id and the signature.
 *
 * @param id 32-byte sha256 of the canonical serialization, lower-case hex
 * @param pubkey author's x-only public key, lower-case hex
 * @param createdAt unix seconds
 * @param kind 0..65535
 * @param tags each tag a non-empty list of strings
 * @param content arbitrary string
 * @param sig 64-byte BIP-340 signature over the id, lower-case hex
 */
public record Event(
    String id,
    String pubkey,
    long createdAt,
    int kind,
    List<List<String>> tags,
    String content,
    String sig) {

  public Event {
    EventFields.requireHex(id, 64, "id");
    EventFields.requireHex(pubkey, 64, "pubkey");
    EventFields.requireHex(sig, 128, "sig");
    EventFields.checkFields(createdAt, kind, content);
    tags = EventFields.copyTags(tags);
  }

  /** Signs a new event by {@code keys} dated {@code createdAt}. */
  public static Event sign(
      NostrKeys keys, int kind, List<List<String>> tags, String content, Instant createdAt) {
    long at = createdAt.getEpochSecond();
    EventFields.checkFields(at, kind, content);
    List<List<String>> safeTags = EventFields.copyTags(tags);
    byte[] id = EventFields.idBytes(keys.publicKeyHex(), at, kind, safeTags, content);
    return new Event(
        Hex.encode(id),
        keys.publicKeyHex(),
        at,
        kind,
        safeTags,
        content,
        Hex.encode(keys.sign(id)));
  }

  /** Parses an event object (structure and field types only; call {@link #verify()}). */
  public static Event fromJson(String json) {
    return fromJsonNode(Json.parse(json, "event"));
  }

  /** Parses an event object (structure and field types only; call {@link #verify()}). */
  public static Event fromJsonNode(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new NostrFormatException("event is not a JSON object");
    }
    return new Event(
        EventFields.text(node, "id"),
        EventFields.text(node, "pubkey"),
        EventFields.integer(node, "created_at"),
        (int) Math.min(Integer.MAX_VALUE, Math.max(-1, EventFields.integer(node, "kind"))),
        EventFields.tags(node),
        EventFields.text(node, "content"),
        EventFields.text(node, "sig"));
  }

  /** Parses and requires a valid id and signature. */
  public static Event fromJsonVerified(String json) {
    Event event = fromJson(json);
    if (!event.verify()) {
      throw new NostrFormatException("event id or signature does not check out");
    }
    return event;
  }

  /** True when the id is the hash of the content and the signature is the author's. */
  public boolean verify() {
    byte[] computed = EventFields.idBytes(pubkey, createdAt, kind, tags, content);
    if (!Hex.encode(computed).equals(id)) {
      return false;
    }
    return Schnorr.verify(computed, Hex.decode(pubkey, "pubkey"), Hex.decode(sig, "sig"));
  }

  public ObjectNode toJsonNode() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("id", id);
    node.put("pubkey", pubkey);
    node.put("created_at", createdAt);
    node.put("kind", kind);
    node.set("tags", EventFields.tagsNode(tags));
    node.put("content", content);
    node.put("sig", sig);
    return node;
  }

  public String toJson() {
    return Json.write(toJsonNode());
  }

  /** The first value of the first tag named {@code name}, e.g. {@code tagValue("p")}. */
  public Optional<String> tagValue(String name) {
    for (List<String> tag : tags) {
      if (tag.size() >= 2 && tag.get(0).equals(name)) {
        return Optional.of(tag.get(1));
      }
    }
    return Optional.empty();
  }

  public Instant createdAtInstant() {
    return Instant.ofEpochSecond(createdAt);
  }
}
