package dev.caravel.billing.nostr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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
    requireHex(id, 64, "id");
    requireHex(pubkey, 64, "pubkey");
    requireHex(sig, 128, "sig");
    checkFields(createdAt, kind, content);
    tags = copyTags(tags);
  }

  /** Signs a new event by {@code keys} dated {@code createdAt}. */
  public static Event sign(
      NostrKeys keys, int kind, List<List<String>> tags, String content, Instant createdAt) {
    long at = createdAt.getEpochSecond();
    checkFields(at, kind, content);
    List<List<String>> safeTags = copyTags(tags);
    byte[] id = idBytes(keys.publicKeyHex(), at, kind, safeTags, content);
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
        text(node, "id"),
        text(node, "pubkey"),
        integer(node, "created_at"),
        (int) Math.min(Integer.MAX_VALUE, Math.max(-1, integer(node, "kind"))),
        tags(node),
        text(node, "content"),
        text(node, "sig"));
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
    byte[] computed = idBytes(pubkey, createdAt, kind, tags, content);
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
    node.set("tags", tagsNode(tags));
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

  // --- shared with rumors (unsigned events, NIP-59) ---

  static byte[] idBytes(
      String pubkey, long createdAt, int kind, List<List<String>> tags, String content) {
    return Secp256k1.sha256(canonical(pubkey, createdAt, kind, tags, content));
  }

  /** [0,pubkey,created_at,kind,tags,content] exactly as JSON.stringify writes it. */
  static byte[] canonical(
      String pubkey, long createdAt, int kind, List<List<String>> tags, String content) {
    StringBuilder sb = new StringBuilder(content.length() + 128);
    sb.append("[0,");
    quote(sb, pubkey);
    sb.append(',').append(createdAt).append(',').append(kind).append(",[");
    for (int i = 0; i < tags.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append('[');
      List<String> tag = tags.get(i);
      for (int j = 0; j < tag.size(); j++) {
        if (j > 0) {
          sb.append(',');
        }
        quote(sb, tag.get(j));
      }
      sb.append(']');
    }
    sb.append("],");
    quote(sb, content);
    sb.append(']');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          // Other control characters as lower-case hex escapes (u001f), like JavaScript.
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  static void checkFields(long createdAt, int kind, String content) {
    if (createdAt < 0) {
      throw new NostrFormatException("created_at must not be negative");
    }
    if (kind < 0 || kind > 65535) {
      throw new NostrFormatException("kind must be between 0 and 65535");
    }
    if (content == null) {
      throw new NostrFormatException("content is missing");
    }
    requireWellFormed(content, "content");
  }

  /**
   * Unpaired surrogates cannot travel as UTF-8, so an event holding one could never be sent (or
   * verified) as signed: refuse it.
   */
  static void requireWellFormed(String s, String field) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new NostrFormatException(field + " holds an unpaired surrogate");
      }
    }
  }

  static void requireHex(String value, int length, String field) {
    if (value == null || value.length() != length) {
      throw new NostrFormatException(field + " must be " + length + " lower-case hex characters");
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw new NostrFormatException(field + " must be " + length + " lower-case hex characters");
      }
    }
  }

  static List<List<String>> copyTags(List<List<String>> tags) {
    if (tags == null) {
      throw new NostrFormatException("tags are missing");
    }
    List<List<String>> copy = new ArrayList<>(tags.size());
    for (List<String> tag : tags) {
      if (tag == null || tag.stream().anyMatch(java.util.Objects::isNull)) {
        throw new NostrFormatException("a tag is missing or holds a null");
      }
      tag.forEach(v -> requireWellFormed(v, "a tag"));
      copy.add(List.copyOf(tag));
    }
    return List.copyOf(copy);
  }

  static ArrayNode tagsNode(List<List<String>> tags) {
    ArrayNode array = Json.MAPPER.createArrayNode();
    for (List<String> tag : tags) {
      ArrayNode t = array.addArray();
      tag.forEach(t::add);
    }
    return array;
  }

  static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new NostrFormatException("event field " + field + " must be a string");
    }
    return v.textValue();
  }

  static long integer(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new NostrFormatException("event field " + field + " must be an integer");
    }
    return v.longValue();
  }

  static List<List<String>> tags(JsonNode node) {
    JsonNode v = node.get("tags");
    if (v == null || !v.isArray()) {
      throw new NostrFormatException("event field tags must be an array of arrays of strings");
    }
    List<List<String>> tags = new ArrayList<>(v.size());
    for (JsonNode tag : v) {
      if (!tag.isArray()) {
        throw new NostrFormatException("event field tags must be an array of arrays of strings");
      }
      List<String> values = new ArrayList<>(tag.size());
      for (JsonNode s : tag) {
        if (!s.isTextual()) {
          throw new NostrFormatException("event field tags must be an array of arrays of strings");
        }
        values.add(s.textValue());
      }
      tags.add(values);
    }
    return tags;
  }
}
