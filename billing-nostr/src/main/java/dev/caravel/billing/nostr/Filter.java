package dev.caravel.billing.nostr;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.nostr.internal.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A NIP-01 subscription filter. Empty lists and null bounds mean "any". Tag filters map a
 * single-letter tag name (e.g. {@code "p"}) to accepted values and serialize as {@code "#p"}.
 */
public record Filter(
    List<String> ids,
    List<String> authors,
    List<Integer> kinds,
    Map<String, List<String>> tags,
    Long since,
    Long until,
    Integer limit) {

  public Filter {
    ids = List.copyOf(ids == null ? List.of() : ids);
    authors = List.copyOf(authors == null ? List.of() : authors);
    kinds = List.copyOf(kinds == null ? List.of() : kinds);
    Map<String, List<String>> t = new LinkedHashMap<>();
    if (tags != null) {
      tags.forEach(
          (name, values) -> {
            if (name == null || name.length() != 1) {
              throw new NostrFormatException("tag filters take single-letter tag names");
            }
            t.put(name, List.copyOf(values));
          });
    }
    tags = Map.copyOf(t);
    if (limit != null && limit < 0) {
      throw new NostrFormatException("limit must not be negative");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public ObjectNode toJsonNode() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    if (!ids.isEmpty()) {
      ids.forEach(node.putArray("ids")::add);
    }
    if (!authors.isEmpty()) {
      authors.forEach(node.putArray("authors")::add);
    }
    if (!kinds.isEmpty()) {
      ArrayNode k = node.putArray("kinds");
      kinds.forEach(k::add);
    }
    tags.forEach((name, values) -> values.forEach(node.putArray("#" + name)::add));
    if (since != null) {
      node.put("since", since);
    }
    if (until != null) {
      node.put("until", until);
    }
    if (limit != null) {
      node.put("limit", limit);
    }
    return node;
  }

  /** True when the event passes this filter (NIP-01 semantics). */
  public boolean matches(Event event) {
    if (!ids.isEmpty() && !ids.contains(event.id())) {
      return false;
    }
    if (!authors.isEmpty() && !authors.contains(event.pubkey())) {
      return false;
    }
    if (!kinds.isEmpty() && !kinds.contains(event.kind())) {
      return false;
    }
    if (since != null && event.createdAt() < since) {
      return false;
    }
    if (until != null && event.createdAt() > until) {
      return false;
    }
    for (Map.Entry<String, List<String>> e : tags.entrySet()) {
      boolean any =
          event.tags().stream()
              .anyMatch(
                  tag ->
                      tag.size() >= 2
                          && tag.get(0).equals(e.getKey())
                          && e.getValue().contains(tag.get(1)));
      if (!any) {
        return false;
      }
    }
    return true;
  }

  /** Builds a {@link Filter}; every method adds to what was set before. */
  public static final class Builder {
    private final List<String> ids = new ArrayList<>();
    private final List<String> authors = new ArrayList<>();
    private final List<Integer> kinds = new ArrayList<>();
    private final Map<String, List<String>> tags = new LinkedHashMap<>();
    private Long since;
    private Long until;
    private Integer limit;

    private Builder() {}

    public Builder ids(String... values) {
      ids.addAll(List.of(values));
      return this;
    }

    public Builder authors(String... values) {
      authors.addAll(List.of(values));
      return this;
    }

    public Builder kinds(int... values) {
      for (int k : values) {
        kinds.add(k);
      }
      return this;
    }

    public Builder tag(String name, String... values) {
      tags.computeIfAbsent(name, n -> new ArrayList<>()).addAll(List.of(values));
      return this;
    }

    public Builder since(long unixSeconds) {
      since = unixSeconds;
      return this;
    }

    public Builder until(long unixSeconds) {
      until = unixSeconds;
      return this;
    }

    public Builder limit(int value) {
      limit = value;
      return this;
    }

    public Filter build() {
      return new Filter(ids, authors, kinds, tags, since, until, limit);
    }
  }
}
