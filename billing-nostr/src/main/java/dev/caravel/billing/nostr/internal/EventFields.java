package dev.caravel.billing.nostr.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.caravel.billing.nostr.NostrFormatException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of a NIP-01 event, checked and serialized: shared by {@link
 * dev.caravel.billing.nostr.Event} and the unsigned events (rumors) of NIP-59. In a package the
 * module does not export: not part of the API.
 */
public final class EventFields {
  private EventFields() {}

  public static byte[] idBytes(
      String pubkey, long createdAt, int kind, List<List<String>> tags, String content) {
    return Secp256k1.sha256(canonical(pubkey, createdAt, kind, tags, content));
  }

  /** [0,pubkey,created_at,kind,tags,content] exactly as JSON.stringify writes it. */
  public static byte[] canonical(
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

  public static void checkFields(long createdAt, int kind, String content) {
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
  public static void requireWellFormed(String s, String field) {
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

  public static void requireHex(String value, int length, String field) {
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

  public static List<List<String>> copyTags(List<List<String>> tags) {
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

  public static ArrayNode tagsNode(List<List<String>> tags) {
    ArrayNode array = Json.MAPPER.createArrayNode();
    for (List<String> tag : tags) {
      ArrayNode t = array.addArray();
      tag.forEach(t::add);
    }
    return array;
  }

  public static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new NostrFormatException("event field " + field + " must be a string");
    }
    return v.textValue();
  }

  public static long integer(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new NostrFormatException("event field " + field + " must be an integer");
    }
    return v.longValue();
  }

  public static List<List<String>> tags(JsonNode node) {
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
