package dev.caravel.billing.nwc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.nostr.ConversationKey;
import dev.caravel.billing.nostr.Event;
import dev.caravel.billing.nostr.Filter;
import dev.caravel.billing.nostr.Nip44;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.PublishResult;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nostr.Subscription;
import dev.caravel.billing.nostr.SubscriptionListener;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One NWC connection: the client key from the URI, a {@link RelayClient} on the URI's relays,
 * the wallet's info (read once), and request/response round trips. Thread-safe.
 */
final class NwcSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NwcSession.class);
  /** Added to the reply timeout for the request's {@code expiration} tag (clock skew). */
  static final Duration EXPIRATION_SLACK = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(100);
  /** How long other relays may still answer once one has delivered the info event. */
  private static final Duration INFO_GRACE = Duration.ofMillis(500);
  private static final int RESENDS_AFTER_RECONNECT = 5;
  private static final Duration RESEND_SPACING = Duration.ofSeconds(1);

  private final String walletPubkey;
  private final List<URI> relayUris;
  private final NostrKeys keys;
  private final ConversationKey conversation;
  private final NwcWallet.Options options;
  private final RelayClient relays;
  private volatile Nip47.WalletInfo info;
  private volatile boolean closed;

  NwcSession(NwcUri uri, NwcWallet.Options options) {
    this.walletPubkey = uri.walletPubkey();
    this.relayUris = uri.relays();
    this.keys = NostrKeys.fromSecretHex(uri.secret());
    this.conversation = Nip44.conversationKey(keys, walletPubkey);
    this.options = options;
    this.relays =
        RelayClient.builder()
            .relays(relayUris.stream().map(URI::toString).toList())
            .publishTimeout(options.replyTimeout())
            .connectTimeout(options.connectTimeout())
            .reconnectBackoff(
                min(Duration.ofMillis(100), options.reconnectBackoffMax()),
                options.reconnectBackoffMax())
            .build();
    relays.connect();
  }

  String walletPubkey() {
    return walletPubkey;
  }

  String clientPubkey() {
    return keys.publicKeyHex();
  }

  boolean isClosed() {
    return closed;
  }

  /** The wallet's info event, read once per session. */
  Nip47.WalletInfo info() {
    Nip47.WalletInfo known = info;
    if (known != null) {
      return known;
    }
    synchronized (this) {
      if (info == null) {
        info = fetchInfo();
      }
      return info;
    }
  }

  private Nip47.WalletInfo fetchInfo() {
    AtomicReference<Event> newest = new AtomicReference<>();
    CompletableFuture<Void> allEose = new CompletableFuture<>();
    Set<URI> eose = new HashSet<>();
    Filter filter =
        Filter.builder().kinds(Nip47.INFO_KIND).authors(walletPubkey).limit(1).build();
    SubscriptionListener listener =
        new SubscriptionListener() {
          @Override
          public void onEvent(Event event, URI relay) {
            if (event.kind() != Nip47.INFO_KIND
                || !event.pubkey().equals(walletPubkey)
                || !event.verify()) {
              log.debug("ignoring event {} while reading wallet info: not the wallet's info", event.id());
              return;
            }
            newest.accumulateAndGet(event, (a, b) -> a == null || b.createdAt() > a.createdAt() ? b : a);
          }

          @Override
          public void onEose(URI relay) {
            synchronized (eose) {
              eose.add(relay);
              if (eose.size() >= relays.relays().size()) {
                allEose.complete(null);
              }
            }
          }

          @Override
          public void onClosed(URI relay, String reason) {
            onEose(relay);
          }
        };
    try (Subscription sub = relays.subscribe(List.of(filter), listener)) {
      // Wait until every relay has said what it stores (EOSE), or until time is up; once one
      // relay has delivered the event, the others get a short grace, not the whole timeout.
      long deadline = System.nanoTime() + options.infoTimeout().toNanos();
      long graceEnd = Long.MAX_VALUE;
      while (!allEose.isDone()) {
        long now = System.nanoTime();
        if (newest.get() != null && graceEnd == Long.MAX_VALUE) {
          graceEnd = now + INFO_GRACE.toNanos();
        }
        long until = Math.min(deadline, graceEnd);
        if (now >= until) {
          break;
        }
        try {
          allEose.get(Math.min(until - now, POLL.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
          // keep waiting until the deadline or the grace ends
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NwcException(NwcException.Code.TIMEOUT, "interrupted while reading the wallet's info");
    }
    Event event = newest.get();
    if (event == null) {
      if (allEose.isDone()) {
        throw new NwcException(
            NwcException.Code.NO_INFO,
            "wallet " + walletPubkey + " has published no info event (kind 13194) on its relays");
      }
      throw new NwcException(
          NwcException.Code.TIMEOUT,
          "no answer from the wallet's relays within " + options.infoTimeout() + " (wallet info)");
    }
    Nip47.WalletInfo parsed = Nip47.WalletInfo.parse(event);
    log.debug(
        "wallet {} offers {} with encryption {}", walletPubkey, parsed.methods(), parsed.encryptions());
    return parsed;
  }

  /**
   * Sends {@code method} and waits for the wallet's answer. {@code retryable} requests (all but
   * payments) are sent again, as new events, after a relay reconnects, since a request or reply
   * in flight while the relay was down is lost; a payment is never sent twice by this client.
   */
  Reply call(String method, ObjectNode params, boolean retryable) {
    if (closed) {
      throw new IllegalStateException("the NWC session is closed");
    }
    Nip47.WalletInfo walletInfo = info();
    if (!walletInfo.methods().contains(method)) {
      return new Reply.Err(
          NwcException.Code.NOT_IMPLEMENTED.name(), "the wallet does not offer " + method, true);
    }
    try (Exchange exchange =
        new Exchange(method, Nip47.requestJson(method, params), walletInfo.preferred())) {
      exchange.send(relays.relays());
      return exchange.await(retryable);
    }
  }

  /** One request: its events (the first, and any sent again), their subscriptions, the answer. */
  private final class Exchange implements SubscriptionListener, AutoCloseable {
    private final String method;
    private final String plaintext;
    private final Nip47.Encryption encryption;
    private final CompletableFuture<Reply> answer = new CompletableFuture<>();
    private final Set<String> requestIds = ConcurrentHashMap.newKeySet();
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final long deadline;

    Exchange(String method, String plaintext, Nip47.Encryption encryption) {
      this.method = method;
      this.plaintext = plaintext;
      this.encryption = encryption;
      this.deadline = System.nanoTime() + options.replyTimeout().toNanos();
    }

    /** Signs a new request event, subscribes to its replies, then publishes it to {@code to}. */
    void send(List<URI> to) {
      Instant now = options.clock().instant().truncatedTo(ChronoUnit.SECONDS);
      long expiration = now.plus(options.replyTimeout()).plus(EXPIRATION_SLACK).getEpochSecond();
      Event request =
          Event.sign(
              keys,
              Nip47.REQUEST_KIND,
              List.of(
                  List.of("p", walletPubkey),
                  List.of("encryption", encryption.tag),
                  List.of("expiration", Long.toString(expiration))),
              encryption.encrypt(keys, conversation, walletPubkey, plaintext),
              now);
      requestIds.add(request.id());
      Filter filter =
          Filter.builder()
              .kinds(Nip47.RESPONSE_KIND)
              .authors(walletPubkey)
              .tag("e", request.id())
              .build();
      log.debug("NWC {} request {} to wallet {} ({})", method, request.id(), walletPubkey, encryption.tag);
      // Subscribe first, so a fast reply cannot slip past.
      subscriptions.add(relays.subscribe(List.of(filter), to, this));
      relays.publish(request, to).thenAccept(this::onPublished);
    }

    private void onPublished(List<PublishResult> results) {
      if (requestIds.size() == 1
          && !results.isEmpty()
          && results.stream().allMatch(r -> r instanceof PublishResult.Rejected)) {
        answer.complete(
            new Reply.NotDelivered(
                "every relay refused the "
                    + method
                    + " request: "
                    + results.stream().map(PublishResult::describe).toList()));
      } else if (results.stream().noneMatch(PublishResult::accepted)) {
        log.debug("no relay confirmed the {} request yet: {}", method,
            results.stream().map(PublishResult::describe).toList());
      }
    }

    Reply await(boolean retryable) {
      Resends resends = new Resends();
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          log.debug("NWC {} request {}: no reply within {}", method, requestIds, options.replyTimeout());
          return new Reply.NoReply(
              "no reply from the wallet within " + options.replyTimeout() + " (" + method + ")");
        }
        try {
          return answer.get(Math.min(left, POLL.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          if (retryable) {
            resends.tick(this);
          }
        } catch (ExecutionException e) {
          return new Reply.Malformed("the reply could not be handled");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return new Reply.NoReply("interrupted while waiting for the wallet (" + method + ")");
        }
      }
    }

    /** Believes only the wallet's signed answer to one of this exchange's requests. */
    @Override
    public void onEvent(Event event, URI relay) {
      if (!Nip47.isResponseTo(event, walletPubkey, keys.publicKeyHex(), requestIds)) {
        log.warn(
            "ignoring event {} (kind {}, by {}) from {}: not the wallet's reply to {} request {}",
            event.id(), event.kind(), event.pubkey(), relay, method, requestIds);
        return;
      }
      String text = decrypt(event.content());
      if (text == null) {
        answer.complete(new Reply.Malformed("the wallet's reply could not be decrypted"));
        return;
      }
      Reply reply = Nip47.parseReply(text, method);
      log.debug("NWC {} request {}: wallet replied {}", method, requestIds, reply.getClass().getSimpleName());
      answer.complete(reply);
    }

    @Override
    public void onClosed(URI relay, String reason) {
      log.warn("relay {} closed a reply subscription for the {} request: {}", relay, method,
          Nip47.safe(reason));
    }

    private String decrypt(String payload) {
      // The wallet should answer in the request's encryption; accept the other one too.
      for (Nip47.Encryption e :
          encryption == Nip47.Encryption.NIP44_V2
              ? List.of(Nip47.Encryption.NIP44_V2, Nip47.Encryption.NIP04)
              : List.of(Nip47.Encryption.NIP04, Nip47.Encryption.NIP44_V2)) {
        try {
          return e.decrypt(keys, conversation, walletPubkey, payload);
        } catch (RuntimeException ex) {
          log.debug("a reply to the {} request is not {}: {}", method, e.tag, ex.getClass().getSimpleName());
        }
      }
      return null;
    }

    @Override
    public void close() {
      subscriptions.forEach(Subscription::close);
    }
  }

  /**
   * After a relay comes back, a request that may not have reached the wallet (or whose reply was
   * lost) is sent there again a few times, a second apart, each time as a new event (relays
   * drop an event id they have seen): the wallet service may take a moment to subscribe again.
   * Only for requests that are safe to repeat.
   */
  private final class Resends {
    private final Set<URI> down = new HashSet<>();
    private final Map<URI, Integer> left = new HashMap<>();
    private final Map<URI, Long> next = new HashMap<>();

    void tick(Exchange exchange) {
      long now = System.nanoTime();
      for (URI relay : relays.relays()) {
        if (!relays.isConnected(relay)) {
          down.add(relay);
          continue;
        }
        if (down.remove(relay)) {
          left.put(relay, RESENDS_AFTER_RECONNECT);
          next.put(relay, now);
        }
        int remaining = left.getOrDefault(relay, 0);
        if (remaining > 0 && now >= next.get(relay)) {
          log.debug("relay {} is back: sending the {} request again", relay, exchange.method);
          exchange.send(List.of(relay));
          left.put(relay, remaining - 1);
          next.put(relay, now + RESEND_SPACING.toNanos());
        }
      }
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      relays.close();
      log.debug("closed NWC session with wallet {}", walletPubkey);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  @Override
  public String toString() {
    return "NwcSession[wallet=" + walletPubkey + ", relays=" + relayUris.size() + "]";
  }
}
