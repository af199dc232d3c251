package dev.caravel.billing.nostr;

import dev.caravel.billing.nostr.protocol.Nip17;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a pubkey receives DMs (NIP-17 kind 10050), found as NIP-17 and NIP-65 say: on the pool's
 * configured relays and the indexer relays, and, failing that, on the relays the pubkey's kind
 * 10002 list names for writing. Found lists are cached for a TTL.
 */
final class InboxRelays {
  private static final Logger log = LoggerFactory.getLogger(InboxRelays.class);
  static final int KIND_RELAY_LIST = 10002;
  private static final int MAX_RELAYS = 10;

  private record Cached(List<URI> relays, Instant until) {}

  private final RelayClient client;
  private final NostrKeys authAs;
  private final List<URI> indexers;
  private final Duration timeout;
  private final Duration ttl;
  private final Clock clock;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  InboxRelays(
      RelayClient client,
      NostrKeys authAs,
      List<URI> indexers,
      Duration timeout,
      Duration ttl,
      Clock clock) {
    this.client = client;
    this.authAs = authAs;
    this.indexers = List.copyOf(indexers);
    this.timeout = timeout;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** Each author's DM relays; an author with no usable kind 10050 list is absent. */
  Map<String, List<URI>> lookup(List<String> authors) throws InterruptedException {
    Map<String, List<URI>> found = new HashMap<>();
    List<String> missing = new ArrayList<>();
    Instant now = clock.instant();
    for (String author : new LinkedHashSet<>(authors)) {
      Cached c = cache.get(author);
      if (c != null && now.isBefore(c.until())) {
        found.put(author, c.relays());
      } else {
        missing.add(author);
      }
    }
    if (missing.isEmpty()) {
      return found;
    }
    LinkedHashSet<URI> first = new LinkedHashSet<>(client.relays());
    first.addAll(indexers);
    Map<String, Event> lists = new HashMap<>();
    if (!first.isEmpty()) {
      lists.putAll(newest(query(missing, List.of(Nip17.KIND_DM_RELAYS, KIND_RELAY_LIST), first)));
    }
    for (String author : missing) {
      List<URI> inbox = relays(lists.get(author + "/" + Nip17.KIND_DM_RELAYS), "relay", false);
      if (inbox.isEmpty()) {
        // NIP-65: the author's write relays are where its own events, its 10050 among them, live.
        List<URI> outbox = relays(lists.get(author + "/" + KIND_RELAY_LIST), "r", true);
        outbox.removeAll(first);
        if (!outbox.isEmpty()) {
          Event list =
              newest(query(List.of(author), List.of(Nip17.KIND_DM_RELAYS), outbox))
                  .get(author + "/" + Nip17.KIND_DM_RELAYS);
          inbox = relays(list, "relay", false);
        }
      }
      if (!inbox.isEmpty()) {
        found.put(author, inbox);
        cache.put(author, new Cached(inbox, now.plus(ttl)));
      }
    }
    return found;
  }

  /** The events of {@code kinds} by {@code authors} on {@code relays}, waiting for every EOSE. */
  private List<Event> query(List<String> authors, List<Integer> kinds, Set<URI> relays)
      throws InterruptedException {
    return query(authors, kinds, new ArrayList<>(relays));
  }

  private List<Event> query(List<String> authors, List<Integer> kinds, List<URI> relays)
      throws InterruptedException {
    List<Event> events = java.util.Collections.synchronizedList(new ArrayList<>());
    Set<URI> done = ConcurrentHashMap.newKeySet();
    CountDownLatch allDone = new CountDownLatch(1);
    SubscriptionListener listener =
        new SubscriptionListener() {
          @Override
          public void onEvent(Event event, URI relay) {
            events.add(event);
          }

          @Override
          public void onEose(URI relay) {
            finished(relay);
          }

          @Override
          public void onClosed(URI relay, String reason) {
            finished(relay);
          }

          private void finished(URI relay) {
            if (done.add(relay) && done.size() >= relays.size()) {
              allDone.countDown();
            }
          }
        };
    // One filter per author and kind: "limit" counts across a filter's authors and kinds.
    List<Filter> filters = new ArrayList<>();
    for (String a : authors) {
      for (int kind : kinds) {
        filters.add(Filter.builder().authors(a).kinds(kind).limit(1).build());
      }
    }
    Subscription sub = client.subscribe(filters, relays, listener, authAs);
    try {
      if (!allDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.debug("relay list lookup on {} timed out; using what arrived", relays);
      }
    } finally {
      sub.close();
    }
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  /** The newest event per "author/kind". */
  private static Map<String, Event> newest(List<Event> events) {
    Map<String, Event> newest = new HashMap<>();
    for (Event e : events) {
      newest.merge(e.pubkey() + "/" + e.kind(), e, (a, b) -> b.createdAt() > a.createdAt() ? b : a);
    }
    return newest;
  }

  /** The relay URLs in {@code list}'s {@code tagName} tags (for 10002: write relays only). */
  private static List<URI> relays(Event list, String tagName, boolean writeOnly) {
    if (list == null) {
      return new ArrayList<>();
    }
    LinkedHashSet<URI> relays = new LinkedHashSet<>();
    for (List<String> tag : list.tags()) {
      if (tag.size() < 2 || !tag.get(0).equals(tagName) || relays.size() >= MAX_RELAYS) {
        continue;
      }
      if (writeOnly && tag.size() >= 3 && !tag.get(2).equals("write")) {
        continue; // a "read" relay
      }
      try {
        relays.add(RelayClient.relayUri(tag.get(1)));
      } catch (NostrFormatException e) {
        log.debug("skipping a bad relay URL in {}'s kind {} list", list.pubkey(), list.kind());
      }
    }
    return new ArrayList<>(relays);
  }
}
