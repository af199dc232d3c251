package dev.caravel.billing.nostr.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.caravel.billing.nostr.NostrFormatException;

/** One shared, strict Jackson mapper. */
public final class Json {
  public static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  private Json() {}

  public static JsonNode parse(String text, String what) {
    if (text == null) {
      throw new NostrFormatException(what + " is missing");
    }
    try {
      JsonNode node = MAPPER.readTree(text);
      if (node == null || node.isMissingNode()) {
        throw new NostrFormatException(what + " is empty");
      }
      return node;
    } catch (JsonProcessingException e) {
      // Jackson's message quotes the input, which may be secret plaintext: keep only the kind.
      throw new NostrFormatException(what + " is not valid JSON");
    }
  }

  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
