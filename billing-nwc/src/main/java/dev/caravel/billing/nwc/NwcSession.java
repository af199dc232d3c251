package dev.caravel.billing.nwc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.nostr.Event;
import dev.caravel.billing.nostr.Filter;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.PublishResult;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nostr.Subscription;
import dev.caravel.billing.nostr.SubscriptionListener;
import dev.caravel.billing.nostr.protocol.ConversationKey;
import dev.caravel.billing.nostr.protocol.Nip44;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One NWC connection: the client key from the URI, the URI's relays on a {@link RelayClient} pool
 * (shared with other sessions and the messenger, or its own), the wallet's info (read once), and
 * request/response round trips. Thread-safe.
 *
 * <p>One response subscription per session ({@code kinds [23195], authors [wallet]}, plus the
 * wallet's {@code payment_received} notifications when its info offers them) carries every reply;
 * each is routed to its request by its {@code e} tag. The pool resubscribes it after a reconnect.
 * Every request and subscription authenticates (NIP-42) as the session's key where a relay asks. A
 * {@code RATE_LIMITED} answer is retried, as a new event, with backoff, within the request's own
 * deadline.
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
  private static final Duration RATE_LIMIT_BACKOFF = Duration.ofMillis(250);
  private static final Duration RATE_LIMIT_BACKOFF_MAX = Duration.ofSeconds(5);

  private final RelayClient relays;
  private final boolean ownsPool;
  private final java.util.function.Consumer<String> onPaymentReceived;
  private final Map<String, Exchange> inFlight = new ConcurrentHashMap<>();
  private final Set<String> notifiedPaid = ConcurrentHashMap.newKeySet();
  private Subscription responses;
  private volatile Nip47.WalletInfo info;
  private volatile boolean closed;

  /** A session on {@code pool}; {@code ownsPool}: close it with the session. */
  NwcSession(
      NwcUri uri,
      NwcWallet.Options options,
      RelayClient pool,
      boolean ownsPool,
      java.util.function.Consumer<String> onPaymentReceived) {
    this.walletPubkey = uri.walletPubkey();
    this.relayUris = uri.relays();
    this.keys = NostrKeys.fromSecretHex(uri.secret());
    this.conversation = Nip44.conversationKey(keys, walletPubkey);
    this.options = options;
    this.relays = pool;
    this.ownsPool = ownsPool;
    this.onPaymentReceived = onPaymentReceived;
  }

  /**
   * The pool of a wallet that has none from the host: the options' timeouts, and no relay
   * configured, so the URI's relays are a tenant's — {@code wss://} only, every address checked at
   * every connect. Connections open on the first request.
   */
  static RelayClient.Builder ownPool(NwcWallet.Options options) {
    return RelayClient.builder()
        .publishTimeout(options.replyTimeout())
        .connectTimeout(options.connectTimeout())
        .reconnectBackoff(
            min(Duration.ofMillis(100), options.reconnectBackoffMax()),
            options.reconnectBackoffMax());
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
    Map<URI, String> closedWhy = new ConcurrentHashMap<>();
    Filter filter = Filter.builder().kinds(Nip47.INFO_KIND).authors(walletPubkey).limit(1).build();
    SubscriptionListener listener =
        new SubscriptionListener() {
          @Override
          public void onEvent(Event event, URI relay) {
            if (event.kind() != Nip47.INFO_KIND
                || !event.pubkey().equals(walletPubkey)
                || !event.verify()) {
              log.debug(
                  "ignoring event {} while reading wallet info: not the wallet's info", event.id());
              return;
            }
            newest.accumulateAndGet(
                event, (a, b) -> a == null || b.createdAt() > a.createdAt() ? b : a);
          }

          @Override
          public void onEose(URI relay) {
            synchronized (eose) {
              eose.add(relay);
              if (eose.size() >= relayUris.size()) {
                allEose.complete(null);
              }
            }
          }

          @Override
          public void onClosed(URI relay, String reason) {
            closedWhy.put(relay, Nip47.safe(reason));
            onEose(relay);
          }
        };
    try (Subscription sub = relays.subscribe(List.of(filter), relayUris, listener, keys)) {
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
      throw new NwcException(
          NwcException.Code.TIMEOUT, "interrupted while reading the wallet's info");
    }
    Event event = newest.get();
    if (event == null) {
      if (closedWhy.size() == relayUris.size()) {
        // Not one relay would serve the read: refused by the pool (address, cap) or by the relay.
        throw new NwcException(
            NwcException.Code.NOT_DELIVERED,
            "could not read wallet " + walletPubkey + "'s info event: " + closedWhy.values());
      }
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
        "wallet {} offers {} with encryption {}",
        walletPubkey,
        parsed.methods(),
        parsed.encryptions());
    return parsed;
  }

  /**
   * Sends {@code method} and waits for the wallet's answer. {@code retryable} requests (all but
   * payments) are sent again, as new events, after a relay reconnects, since a request or reply in
   * flight while the relay was down is lost; a payment is never sent twice by this client, except
   * after {@code RATE_LIMITED}, which says the wallet did not act on it.
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
    ensureResponses(walletInfo);
    long deadline = System.nanoTime() + options.replyTimeout().toNanos();
    Duration backoff = RATE_LIMIT_BACKOFF;
    while (true) {
      Reply reply;
      try (Exchange exchange =
          new Exchange(
              method, Nip47.requestJson(method, params), walletInfo.preferred(), deadline)) {
        exchange.send(relayUris);
        reply = exchange.await(retryable);
      }
      if (!(reply instanceof Reply.Err err)
          || err.local()
          || NwcException.Code.ofWallet(err.code()) != NwcException.Code.RATE_LIMITED) {
        return reply;
      }
      long left = deadline - System.nanoTime();
      if (left <= backoff.toNanos()) {
        log.debug("NWC {}: rate limited, and the deadline leaves no room to retry", method);
        return reply;
      }
      log.debug(
          "NWC {}: rate limited by wallet {}; retrying in {} ms",
          method,
          walletPubkey,
          backoff.toMillis());
      try {
        TimeUnit.NANOSECONDS.sleep(backoff.toNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return reply;
      }
      backoff = min(backoff.multipliedBy(2), RATE_LIMIT_BACKOFF_MAX);
    }
  }

  /** Whether a {@code payment_received} notification has named {@code paymentHash}. */
  boolean notifiedPaid(String paymentHash) {
    return notifiedPaid.contains(paymentHash.toLowerCase(java.util.Locale.ROOT));
  }

  /** Opens the session's one response subscription, if not yet open. */
  private synchronized void ensureResponses(Nip47.WalletInfo walletInfo) {
    if (responses != null || closed) {
      return;
    }
    long since = options.clock().instant().getEpochSecond() - EXPIRATION_SLACK.toSeconds();
    List<Filter> filters = new java.util.ArrayList<>();
    filters.add(
        Filter.builder().kinds(Nip47.RESPONSE_KIND).authors(walletPubkey).since(since).build());
    if (walletInfo.notifications().contains("payment_received")) {
      filters.add(
          Filter.builder()
              .kinds(Nip47.NOTIFICATION_KIND_NIP04, Nip47.NOTIFICATION_KIND)
              .authors(walletPubkey)
              .tag("p", keys.publicKeyHex())
              .since(since)
              .build());
    }
    responses = relays.subscribe(filters, relayUris, new Router(), keys);
  }

  /** Routes each reply on the session's subscription to its request by the {@code e} tag. */
  private final class Router implements SubscriptionListener {
    @Override
    public void onEvent(Event event, URI relay) {
      if (event.kind() == Nip47.NOTIFICATION_KIND
          || event.kind() == Nip47.NOTIFICATION_KIND_NIP04) {
        onNotification(event);
        return;
      }
      for (List<String> tag : event.tags()) {
        if (tag.size() >= 2 && tag.get(0).equals("e")) {
          Exchange exchange = inFlight.get(tag.get(1));
          if (exchange != null) {
            exchange.onEvent(event, relay);
            return;
          }
        }
      }
      log.debug(
          "ignoring event {} from {}: no request of this session is waiting for it",
          event.id(),
          relay);
    }

    @Override
    public void onClosed(URI relay, String reason) {
      log.warn("relay {} closed the NWC response subscription: {}", relay, Nip47.safe(reason));
    }
  }

  private void onNotification(Event event) {
    if (!event.pubkey().equals(walletPubkey) || !event.verify()) {
      return;
    }
    Nip47.Encryption encryption =
        event.kind() == Nip47.NOTIFICATION_KIND
            ? Nip47.Encryption.NIP44_V2
            : Nip47.Encryption.NIP04;
    String hash;
    try {
      hash =
          Nip47.paymentReceived(
              encryption.decrypt(keys, conversation, walletPubkey, event.content()));
    } catch (RuntimeException e) {
      log.debug("ignoring an unreadable notification {} from wallet {}", event.id(), walletPubkey);
      return;
    }
    if (hash != null && notifiedPaid.add(hash)) {
      log.debug("wallet {} notified payment_received for {}", walletPubkey, hash);
      try {
        onPaymentReceived.accept(hash);
      } catch (RuntimeException e) {
        log.warn("the payment_received handler failed", e);
      }
    }
  }

  /** One request: its events (the first, and any sent again), their subscriptions, the answer. */
  private final class Exchange implements AutoCloseable {
    private final String method;
    private final String plaintext;
    private final Nip47.Encryption encryption;
    private final CompletableFuture<Reply> answer = new CompletableFuture<>();
    private final Set<String> requestIds = ConcurrentHashMap.newKeySet();
    private final long deadline;

    Exchange(String method, String plaintext, Nip47.Encryption encryption, long deadline) {
      this.method = method;
      this.plaintext = plaintext;
      this.encryption = encryption;
      this.deadline = deadline;
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
      // Routed before it is published, so a fast reply cannot slip past.
      inFlight.put(request.id(), this);
      log.debug(
          "NWC {} request {} to wallet {} ({})",
          method,
          request.id(),
          walletPubkey,
          encryption.tag);
      relays.publish(request, to, keys).thenAccept(this::onPublished);
    }

    private void onPublished(List<PublishResult> results) {
      if (requestIds.size() == 1
          && !results.isEmpty()
          && results.stream()
              .allMatch(r -> !(r instanceof PublishResult.Accepted) && !isTimeout(r))) {
        answer.complete(
            new Reply.NotDelivered(
                "every relay refused the "
                    + method
                    + " request: "
                    + results.stream().map(PublishResult::describe).toList()));
      } else if (results.stream().noneMatch(PublishResult::accepted)) {
        log.debug(
            "no relay confirmed the {} request yet: {}",
            method,
            results.stream().map(PublishResult::describe).toList());
      }
    }

    Reply await(boolean retryable) {
      Resends resends = new Resends();
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          log.debug(
              "NWC {} request {}: no reply within {}", method, requestIds, options.replyTimeout());
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
    void onEvent(Event event, URI relay) {
      if (!Nip47.isResponseTo(event, walletPubkey, keys.publicKeyHex(), requestIds)) {
        log.warn(
            "ignoring event {} (kind {}, by {}) from {}: not the wallet's reply to {} request {}",
            event.id(),
            event.kind(),
            event.pubkey(),
            relay,
            method,
            requestIds);
        return;
      }
      String text = decrypt(event.content());
      if (text == null) {
        answer.complete(new Reply.Malformed("the wallet's reply could not be decrypted"));
        return;
      }
      Reply reply = Nip47.parseReply(text, method);
      log.debug(
          "NWC {} request {}: wallet replied {}",
          method,
          requestIds,
          reply.getClass().getSimpleName());
      answer.complete(reply);
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
          log.debug(
              "a reply to the {} request is not {}: {}",
              method,
              e.tag,
              ex.getClass().getSimpleName());
        }
      }
      return null;
    }

    @Override
    public void close() {
      requestIds.forEach(inFlight::remove);
    }
  }

  /** A publish that may still reach the relay (it was not refused outright). */
  private static boolean isTimeout(PublishResult r) {
    return r instanceof PublishResult.Failed f && f.reason().startsWith("no OK within");
  }

  /**
   * After a relay comes back, a request that may not have reached the wallet (or whose reply was
   * lost) is sent there again a few times, a second apart, each time as a new event (relays drop an
   * event id they have seen): the wallet service may take a moment to subscribe again. Only for
   * requests that are safe to repeat.
   */
  private final class Resends {
    private final Set<URI> down = new HashSet<>();
    private final Map<URI, Integer> left = new HashMap<>();
    private final Map<URI, Long> next = new HashMap<>();

    void tick(Exchange exchange) {
      long now = System.nanoTime();
      for (URI relay : relayUris) {
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
      Subscription sub;
      synchronized (this) {
        sub = responses;
        responses = null;
      }
      if (sub != null) {
        sub.close();
      }
      if (ownsPool) {
        relays.close();
      }
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
