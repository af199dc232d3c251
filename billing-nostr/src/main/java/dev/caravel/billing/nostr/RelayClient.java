package dev.caravel.billing.nostr;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool of Nostr relay connections over {@code java.net.http.WebSocket}. Thread-safe.
 *
 * <p>Connections open lazily (or on {@link #connect()}). While a connection has work (live
 * subscriptions or events waiting for their {@code OK}) it reconnects with exponential backoff,
 * then sends the subscriptions again and re-sends the waiting events; an idle connection that drops
 * stays down until the next publish or subscribe. Incoming messages above {@link
 * Builder#maxMessageChars} are dropped, events failing verification are dropped, and each
 * connection bounds its outgoing queue and the publishes awaiting an answer.
 *
 * <p>It is meant to be <b>the one pool</b> of a host: the messenger and every NWC session share it,
 * so there is one connection per relay URL. A connection with nothing to do (no subscription, no
 * publish awaiting OK) is closed after {@link Builder#idleTimeout}; at most {@link
 * Builder#maxConnections} are open at once.
 *
 * <p>Relays the host did not configure (or list with {@link Builder#trustedRelay}), such as
 * tenants' relay lists and NWC URIs, are untrusted: {@code wss://} only (unless {@link
 * Builder#allowUnencryptedRelays}); at every connect the name is resolved once, every address is
 * checked against the IANA special-purpose registries (loopback and private ones only when {@link
 * Builder#allowLoopback} / {@link Builder#allowPrivateAddresses}), and a checked address is dialled
 * with the name kept for TLS and the HTTP {@code Host}. A refusal fails the relay's waiting
 * publishes and closes its subscriptions with the reason. Their NIP-11 documents come the same way.
 *
 * <p>NIP-42: publishes and subscriptions made with an auth key authenticate as that key when the
 * relay asks ({@code AUTH} challenge, or an {@code auth-required:} answer, after which the event or
 * subscription is sent once more). {@code restricted:} answers are {@link
 * PublishResult.Restricted}.
 */
public final class RelayClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RelayClient.class);

  private final List<URI> relays;
  private final RelayPoolSettings settings;
  private final ScheduledExecutorService scheduler;
  private final ConcurrentHashMap<URI, RelayConnection> connections = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<URI, RelayInfo.Cached> infos = new ConcurrentHashMap<>();
  private final AtomicLong subscriptionCounter = new AtomicLong();
  private volatile boolean closed;

  private RelayClient(List<URI> relays, RelayPoolSettings settings) {
    this.relays = List.copyOf(relays);
    this.settings = settings;
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "nostr-relay-client");
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    this.scheduler = executor;
    long idle = settings.idleTimeout().toMillis();
    long every = Math.max(50, Math.min(idle / 4, 5_000));
    scheduler.scheduleWithFixedDelay(
        this::closeIdle, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The configured relays: the default target of publish and subscribe. */
  public List<URI> relays() {
    return relays;
  }

  /** Starts connecting to every configured relay; returns at once. */
  public void connect() {
    relays.forEach(r -> connection(r).start());
  }

  /** True while the WebSocket to {@code relay} is open. */
  public boolean isConnected(URI relay) {
    RelayConnection c = connections.get(RelayUrls.normalize(relay));
    return c != null && c.isOpen();
  }

  /** Publishes to the configured relays. */
  public CompletableFuture<List<PublishResult>> publish(Event event) {
    return publish(event, relays);
  }

  /**
   * Publishes to {@code targets} (connecting to any not yet in the pool). The future completes with
   * one result per relay, at the latest after the publish timeout; it never fails.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public CompletableFuture<List<PublishResult>> publish(Event event, Collection<URI> targets) {
    return publish(event, targets, null);
  }

  /**
   * Publishes to {@code targets}, authenticating (NIP-42) as {@code authAs} where a relay asks. A
   * relay the pool refuses to dial (see the class comment) is a {@link PublishResult.Failed}.
   */
  public CompletableFuture<List<PublishResult>> publish(
      Event event, Collection<URI> targets, NostrKeys authAs) {
    Objects.requireNonNull(event, "event");
    List<URI> uris = distinct(targets);
    List<CompletableFuture<PublishResult>> futures = new ArrayList<>(uris.size());
    for (URI uri : uris) {
      String refused = admit(uri);
      futures.add(
          refused != null
              ? CompletableFuture.completedFuture(new PublishResult.Failed(uri, refused))
              : connection(uri).publish(event, authAs));
    }
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
  }

  /** Subscribes on the configured relays. */
  public Subscription subscribe(List<Filter> filters, SubscriptionListener listener) {
    return subscribe(filters, relays, listener);
  }

  /** Subscribes on {@code targets}; close the returned subscription to end it. */
  public Subscription subscribe(
      List<Filter> filters, Collection<URI> targets, SubscriptionListener listener) {
    return subscribe(filters, targets, listener, null);
  }

  /**
   * Subscribes on {@code targets}, authenticating (NIP-42) as {@code authAs} where a relay asks. A
   * relay the pool refuses to dial gets {@link SubscriptionListener#onClosed} at once.
   */
  public Subscription subscribe(
      List<Filter> filters,
      Collection<URI> targets,
      SubscriptionListener listener,
      NostrKeys authAs) {
    if (filters == null || filters.isEmpty()) {
      throw new NostrFormatException("a subscription needs at least one filter");
    }
    Objects.requireNonNull(listener, "listener");
    List<URI> uris = distinct(targets);
    Subscription sub =
        new Subscription(
            "caravel-" + subscriptionCounter.incrementAndGet(),
            filters,
            uris,
            listener,
            this,
            authAs);
    for (URI uri : uris) {
      String refused = admit(uri);
      if (refused != null) {
        log.info("not subscribing on {}: {}", uri, refused);
        sub.closedByRelay(uri, refused);
      } else {
        connection(uri).subscribe(sub);
      }
    }
    return sub;
  }

  void unsubscribe(Subscription sub) {
    for (URI uri : sub.relays()) {
      RelayConnection c = connections.get(uri);
      if (c != null) {
        c.unsubscribe(sub.id());
      }
    }
  }

  /** Closes every connection; pending publishes complete as failed. Idempotent. */
  @Override
  public void close() {
    closed = true;
    connections.values().forEach(RelayConnection::close);
    scheduler.shutdownNow();
  }

  RelayPoolSettings settings() {
    return settings;
  }

  /** How many connections are open or opening (for tests and the cap). */
  int openConnections() {
    return (int) connections.values().stream().filter(RelayConnection::isActive).count();
  }

  /**
   * Null when {@code uri} may be used now, else why not: an untrusted relay whose scheme is
   * refused, or the connection cap reached with no idle connection to close for it. Its addresses
   * are checked when it is dialled, at every (re)connect.
   */
  String admit(URI uri) {
    if (closed) {
      throw new IllegalStateException("relay client is closed");
    }
    URI key = RelayUrls.normalize(uri);
    if (!isHostConfigured(key)) {
      String refusal = settings.untrustedDialer().policy().schemeRefusal(key);
      if (refusal != null) {
        return refusal;
      }
    }
    RelayConnection existing = connections.get(key);
    if (existing != null && existing.isActive()) {
      return null;
    }
    synchronized (connections) {
      if (openConnections() < settings.maxConnections()) {
        return null;
      }
      // Make room by closing the connection idle the longest, if any has nothing to do.
      RelayConnection idlest = null;
      for (RelayConnection c : connections.values()) {
        if (c.isActive()
            && !c.hasWork()
            && (idlest == null || c.idleSinceNanos() < idlest.idleSinceNanos())) {
          idlest = c;
        }
      }
      if (idlest != null && idlest.closeIfIdle(0)) {
        return null;
      }
    }
    return "refused by the relay pool: "
        + settings.maxConnections()
        + " connections are open and busy";
  }

  /** The relay's NIP-11 size limits (cached for an hour; 64 KiB when it states none). */
  RelayInfo info(URI relay) {
    URI key = RelayUrls.normalize(relay);
    RelayInfo.Cached cached = infos.get(key);
    if (cached != null && cached.fresh()) {
      return cached.info();
    }
    RelayInfo info =
        admit(key) != null
            ? RelayInfo.UNKNOWN
            : isHostConfigured(key)
                ? RelayInfo.fetch(settings.httpClient(), key, settings.connectTimeout())
                : RelayInfo.fetchPinned(settings.untrustedDialer(), key);
    infos.put(key, new RelayInfo.Cached(info, System.nanoTime()));
    return info;
  }

  private void closeIdle() {
    long idle = settings.idleTimeout().toNanos();
    try {
      connections.values().forEach(c -> c.closeIfIdle(idle));
    } catch (RuntimeException e) {
      log.warn("closing idle relay connections failed", e);
    }
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  void notice(URI relay, String message) {
    log.info("NOTICE from {}: {}", relay, message);
    try {
      settings.noticeHandler().accept(relay, message);
    } catch (RuntimeException e) {
      log.warn("notice handler failed", e);
    }
  }

  private RelayConnection connection(URI uri) {
    if (closed) {
      throw new IllegalStateException("relay client is closed");
    }
    URI key = RelayUrls.normalize(uri);
    return connections.computeIfAbsent(key, u -> new RelayConnection(u, this, isHostConfigured(u)));
  }

  /** A relay the host configured or trusts: dialled as it is, without the address rules. */
  private boolean isHostConfigured(URI key) {
    return relays.contains(key) || settings.trusted().contains(key);
  }

  private static List<URI> distinct(Collection<URI> targets) {
    if (targets == null || targets.isEmpty()) {
      throw new NostrFormatException("no relays to talk to");
    }
    LinkedHashSet<URI> set = new LinkedHashSet<>();
    targets.forEach(u -> set.add(RelayUrls.normalize(u)));
    return List.copyOf(set);
  }

  /** Parses a relay URL, e.g. from a kind 10050 list; an error when it is not ws/wss. */
  public static URI relayUri(String url) {
    return RelayUrls.parse(url);
  }

  /** Configures a {@link RelayClient}. */
  public static final class Builder {
    private final List<URI> relays = new ArrayList<>();
    private Duration publishTimeout = Duration.ofSeconds(10);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private int maxMessageChars = 1 << 20;
    private int maxQueuedMessages = 1_000;
    private Duration backoffInitial = Duration.ofMillis(250);
    private Duration backoffMax = Duration.ofSeconds(30);
    private Duration pingInterval = Duration.ofSeconds(30);
    private BiConsumer<URI, String> noticeHandler = (relay, message) -> {};
    private HttpClient httpClient;
    private Duration idleTimeout = Duration.ofMinutes(5);
    private int maxConnections = 256;
    private boolean allowLoopback;
    private boolean allowPrivate;
    private boolean allowUnencrypted;
    private AddressPolicy.HostResolver resolver = AddressPolicy.SYSTEM_RESOLVER;
    private PinnedDialer.SocketOpener socketOpener = PinnedDialer.DIRECT;
    private final Set<URI> trusted = new java.util.HashSet<>();

    private Builder() {}

    /**
     * A relay the host trusts without making it a default target (e.g. the service wallet's NWC
     * relay on a private network): the address and scheme rules do not apply to it, and it is
     * dialled by the HTTP client like a configured relay.
     */
    public Builder trustedRelay(String url) {
      trusted.add(relayUri(url));
      return this;
    }

    /** A connection with nothing to do is closed after this long. Default 5 min. */
    public Builder idleTimeout(Duration value) {
      idleTimeout = positive(value, "idleTimeout");
      return this;
    }

    /** At most this many connections open at once. Default 256. */
    public Builder maxConnections(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("maxConnections must be positive");
      }
      maxConnections = value;
      return this;
    }

    /** Dial untrusted relays that resolve to loopback addresses (tests). Default false. */
    public Builder allowLoopback(boolean value) {
      allowLoopback = value;
      return this;
    }

    /**
     * Dial untrusted relays on private (RFC 1918, fc00::/7) and carrier-grade NAT (100.64.0.0/10)
     * addresses. Link-local, and every other special-purpose address, stay refused. Default false.
     */
    public Builder allowPrivateAddresses(boolean value) {
      allowPrivate = value;
      return this;
    }

    /** Dial untrusted relays over {@code ws://}, without TLS (tests). Default false: wss only. */
    public Builder allowUnencryptedRelays(boolean value) {
      allowUnencrypted = value;
      return this;
    }

    /** Tests: how untrusted relay names resolve (a stub can answer differently each time). */
    Builder resolver(AddressPolicy.HostResolver value) {
      resolver = Objects.requireNonNull(value, "resolver");
      return this;
    }

    /** Tests: how a TCP connection to a checked address is opened. */
    Builder socketOpener(PinnedDialer.SocketOpener value) {
      socketOpener = Objects.requireNonNull(value, "socketOpener");
      return this;
    }

    public Builder relay(String url) {
      relays.add(relayUri(url));
      return this;
    }

    public Builder relays(Collection<String> urls) {
      urls.forEach(this::relay);
      return this;
    }

    /** How long a publish waits for a relay's {@code OK} (including connecting). Default 10 s. */
    public Builder publishTimeout(Duration value) {
      publishTimeout = positive(value, "publishTimeout");
      return this;
    }

    /** WebSocket handshake timeout. Default 10 s. */
    public Builder connectTimeout(Duration value) {
      connectTimeout = positive(value, "connectTimeout");
      return this;
    }

    /** Larger incoming messages are dropped unread. Default 1 Mi characters. */
    public Builder maxMessageChars(int value) {
      if (value < 1024) {
        throw new IllegalArgumentException("maxMessageChars must be at least 1024");
      }
      maxMessageChars = value;
      return this;
    }

    /** Per relay: bound on outgoing messages queued and on publishes awaiting OK. Default 1000. */
    public Builder maxQueuedMessages(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("maxQueuedMessages must be positive");
      }
      maxQueuedMessages = value;
      return this;
    }

    /** Reconnect delays double from {@code initial} up to {@code max}, with jitter. */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      backoffInitial = positive(initial, "initial backoff");
      backoffMax = positive(max, "max backoff");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("max backoff is below the initial backoff");
      }
      return this;
    }

    /**
     * An open connection is pinged this often; one that has not answered the previous ping is
     * treated as lost (a relay can vanish without closing TCP). Default 30 s.
     */
    public Builder pingInterval(Duration value) {
      pingInterval = positive(value, "pingInterval");
      return this;
    }

    public Builder onNotice(BiConsumer<URI, String> handler) {
      noticeHandler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    public Builder httpClient(HttpClient client) {
      httpClient = Objects.requireNonNull(client, "client");
      return this;
    }

    public RelayClient build() {
      HttpClient http =
          httpClient != null
              ? httpClient
              : HttpClient.newBuilder().connectTimeout(connectTimeout).build();
      return new RelayClient(
          relays,
          new RelayPoolSettings(
              publishTimeout,
              connectTimeout,
              maxMessageChars,
              maxQueuedMessages,
              backoffInitial,
              backoffMax,
              pingInterval,
              noticeHandler,
              http,
              idleTimeout,
              maxConnections,
              new PinnedDialer(
                  new AddressPolicy(allowLoopback, allowPrivate, allowUnencrypted, resolver),
                  socketOpener,
                  http.sslContext(),
                  connectTimeout),
              Set.copyOf(trusted)));
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive");
      }
      return d;
    }
  }
}
