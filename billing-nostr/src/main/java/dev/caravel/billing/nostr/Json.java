package dev.caravel.billing.nostr;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** One shared, strict Jackson mapper. */
final class Json {
  static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  private Json() {}

  static JsonNode parse(String text, String what) {
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

  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
