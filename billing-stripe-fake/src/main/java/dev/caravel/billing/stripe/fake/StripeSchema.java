package dev.caravel.billing.stripe.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validates form-encoded Stripe parameters against the request schemas in {@code
 * openapi-excerpt.json} beside this class (cut from Stripe's published OpenAPI spec), the way
 * Stripe's API does before it runs an endpoint: unknown parameters, missing required ones, and
 * values of the wrong type are refused with Stripe's error codes.
 */
final class StripeSchema {
  /**
   * A refused parameter: Stripe's {@code code} (may be null), {@code message} and {@code param}.
   */
  record Violation(String code, String message, String param) {}

  private static final Pattern KEY = Pattern.compile("([^\\[\\]]+)((?:\\[[^\\[\\]]*\\])*)");
  private static final Pattern SEGMENT = Pattern.compile("\\[([^\\[\\]]*)\\]");

  private final JsonNode endpoints;
  private final String specVersion;

  private StripeSchema(JsonNode root) {
    this.endpoints = root.get("endpoints");
    this.specVersion = root.get("specVersion").asText();
  }

  private static final String EXCERPT = "openapi-excerpt.json";

  static StripeSchema load() {
    // Beside this class in the jar (same package), so the module reads it without opening it.
    try (InputStream in = StripeSchema.class.getResourceAsStream(EXCERPT)) {
      if (in == null) {
        throw new IllegalStateException(
            EXCERPT + " is missing from billing-stripe-fake's resources");
      }
      return new StripeSchema(new ObjectMapper().readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String specVersion() {
    return specVersion;
  }

  boolean knows(String endpoint) {
    return endpoints.has(endpoint);
  }

  /** The body of a POST (against its requestBody schema). */
  Optional<Violation> validateBody(String endpoint, Map<String, String> params) {
    JsonNode op = operation(endpoint);
    JsonNode schema = op.path("requestBody");
    Object tree;
    try {
      tree = nest(params);
    } catch (IllegalArgumentException e) {
      return Optional.of(new Violation(null, e.getMessage(), null));
    }
    return validate(schema, tree, "");
  }

  /** The query of a GET (against its {@code in: query} parameters). */
  Optional<Violation> validateQuery(String endpoint, Map<String, String> params) {
    JsonNode op = operation(endpoint);
    Map<String, JsonNode> query = new LinkedHashMap<>();
    for (JsonNode p : op.path("parameters")) {
      if (p.path("in").asText().equals("query")) {
        query.put(p.path("name").asText(), p.path("schema"));
      }
    }
    Map<String, Object> tree;
    try {
      tree = nest(params);
    } catch (IllegalArgumentException e) {
      return Optional.of(new Violation(null, e.getMessage(), null));
    }
    for (String name : tree.keySet()) {
      if (!query.containsKey(name)) {
        return Optional.of(unknown(name));
      }
    }
    for (Map.Entry<String, Object> e : tree.entrySet()) {
      Optional<Violation> v = validate(query.get(e.getKey()), e.getValue(), e.getKey());
      if (v.isPresent()) {
        return v;
      }
    }
    return Optional.empty();
  }

  private JsonNode operation(String endpoint) {
    JsonNode op = endpoints.get(endpoint);
    if (op == null) {
      throw new IllegalStateException(
          "the OpenAPI excerpt has no " + endpoint + "; add it before the gateway calls it");
    }
    return op;
  }

  private static Violation unknown(String param) {
    return new Violation("parameter_unknown", "Received unknown parameter: " + param, param);
  }

  @SuppressWarnings("unchecked")
  private static Optional<Violation> validate(JsonNode schema, Object value, String param) {
    if (schema.has("anyOf")) {
      Violation first = null;
      for (JsonNode alt : schema.get("anyOf")) {
        Optional<Violation> v = validate(alt, value, param);
        if (v.isEmpty()) {
          return Optional.empty();
        }
        if (first == null || "parameter_unknown".equals(v.get().code())) {
          first = v.get();
        }
      }
      return Optional.ofNullable(first);
    }
    String type = schema.path("type").asText("");
    switch (type) {
      case "object":
        {
          if (!(value instanceof Map)) {
            return Optional.of(new Violation("parameter_invalid_empty", "Invalid object", param));
          }
          Map<String, Object> map = (Map<String, Object>) value;
          JsonNode props = schema.path("properties");
          JsonNode additional = schema.get("additionalProperties");
          for (String k : map.keySet()) {
            if (!props.has(k) && (additional == null || !additional.isObject())) {
              return Optional.of(unknown(join(param, k)));
            }
          }
          for (JsonNode r : schema.path("required")) {
            if (!map.containsKey(r.asText())) {
              return Optional.of(
                  new Violation(
                      "parameter_missing",
                      "Missing required param: " + join(param, r.asText()) + ".",
                      join(param, r.asText())));
            }
          }
          for (Map.Entry<String, Object> e : map.entrySet()) {
            JsonNode sub = props.has(e.getKey()) ? props.get(e.getKey()) : additional;
            Optional<Violation> v = validate(sub, e.getValue(), join(param, e.getKey()));
            if (v.isPresent()) {
              return v;
            }
          }
          return Optional.empty();
        }
      case "array":
        {
          List<Object> items;
          if (value instanceof List) {
            items = (List<Object>) value;
          } else if (value instanceof Map<?, ?> m
              && m.keySet().stream().allMatch(k -> ((String) k).matches("[0-9]+"))) {
            items = new ArrayList<>(m.values());
          } else {
            return Optional.of(new Violation(null, "Invalid array", param));
          }
          for (Object item : items) {
            Optional<Violation> v = validate(schema.path("items"), item, param + "[]");
            if (v.isPresent()) {
              return v;
            }
          }
          return Optional.empty();
        }
      case "string":
        {
          if (!(value instanceof String s)) {
            return Optional.of(new Violation(null, "Invalid string: {...}", param));
          }
          if (schema.has("enum")) {
            boolean ok = false;
            for (JsonNode e : schema.get("enum")) {
              ok |= e.asText().equals(s);
            }
            if (!ok) {
              return Optional.of(
                  new Violation(
                      null, "Invalid " + param + ": must be one of " + schema.get("enum"), param));
            }
          }
          if (schema.has("maxLength") && s.length() > schema.get("maxLength").asInt()) {
            return Optional.of(
                new Violation(
                    null,
                    "Invalid string: "
                        + param
                        + " is too long (max "
                        + schema.get("maxLength")
                        + ")",
                    param));
          }
          return Optional.empty();
        }
      case "integer":
        return value instanceof String s && s.matches("-?[0-9]{1,18}")
            ? Optional.empty()
            : Optional.of(
                new Violation("parameter_invalid_integer", "Invalid integer: " + value, param));
      case "number":
        return value instanceof String s && s.matches("-?[0-9]+(\\.[0-9]+)?")
            ? Optional.empty()
            : Optional.of(new Violation(null, "Invalid decimal: " + value, param));
      case "boolean":
        return value instanceof String s && (s.equals("true") || s.equals("false"))
            ? Optional.empty()
            : Optional.of(new Violation(null, "Invalid boolean: " + value, param));
      default:
        return Optional.empty();
    }
  }

  private static String join(String parent, String key) {
    return parent.isEmpty() ? key : parent + "[" + key + "]";
  }

  /** {@code a[b][c]=v} and {@code list[]=x} into nested maps and lists. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> nest(Map<String, String> flat) {
    Map<String, Object> root = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : flat.entrySet()) {
      Matcher m = KEY.matcher(e.getKey());
      if (!m.matches()) {
        throw new IllegalArgumentException("Invalid parameter name: " + e.getKey());
      }
      List<String> path = new ArrayList<>();
      path.add(m.group(1));
      Matcher seg = SEGMENT.matcher(m.group(2));
      while (seg.find()) {
        path.add(seg.group(1));
      }
      Object node = root;
      for (int i = 0; i < path.size(); i++) {
        String k = path.get(i);
        boolean last = i == path.size() - 1;
        if (k.isEmpty()) {
          if (!(node instanceof List)) {
            throw new IllegalArgumentException("Invalid array parameter: " + e.getKey());
          }
          if (!last) {
            throw new IllegalArgumentException(
                "Nested arrays are not supported here: " + e.getKey());
          }
          ((List<Object>) node).add(e.getValue());
          break;
        }
        if (!(node instanceof Map)) {
          throw new IllegalArgumentException("Invalid parameter: " + e.getKey());
        }
        Map<String, Object> map = (Map<String, Object>) node;
        if (last) {
          map.put(k, e.getValue());
        } else {
          boolean nextIsList = path.get(i + 1).isEmpty();
          node =
              map.computeIfAbsent(k, x -> nextIsList ? new ArrayList<>() : new LinkedHashMap<>());
        }
      }
    }
    return root;
  }

  @Override
  public String toString() {
    Iterator<String> names = endpoints.fieldNames();
    List<String> list = new ArrayList<>();
    names.forEachRemaining(list::add);
    return "StripeSchema[" + specVersion + ", " + list + "]";
  }
}
