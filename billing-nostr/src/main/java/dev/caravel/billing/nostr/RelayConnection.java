package dev.caravel.billing.nostr;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.nostr.internal.Json;
import java.net.URI;
import java.net.http.WebSocket;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One relay: a WebSocket that reconnects with backoff, the subscriptions and unanswered publishes
 * to restore after a reconnect, and a bounded send queue (WebSocket allows one outstanding send at
 * a time). All state is guarded by {@code this}; listener callbacks run outside the lock.
 *
 * <p>NIP-42: every key that publishes or subscribes through this connection with an auth key is
 * authenticated when the relay sends {@code ["AUTH", challenge]} (and again after each new
 * challenge). An {@code auth-required:} answer to an event ({@code OK}) or a subscription ({@code
 * CLOSED}) is answered by authenticating that key, then sending once more.
 *
 * <p>A relay the host configured is dialled by the JDK's WebSocket; any other by {@link
 * PinnedWebSocket}, which resolves and checks its addresses afresh at every (re)connect. When the
 * policy refuses the relay, what waits on it ends at once with the reason: publishes fail,
 * subscriptions are closed, and no reconnect is scheduled.
 */
final class RelayConnection implements WebSocket.Listener {
  private static final Logger log = LoggerFactory.getLogger(RelayConnection.class);

  private enum State {
    IDLE,
    CONNECTING,
    OPEN,
    CLOSED
  }

  private record Pending(
      Event event, String message, CompletableFuture<PublishResult> result, NostrKeys auth) {}

  /** The NIP-42 event kind. */
  static final int AUTH_KIND = 22242;

  private final URI uri;
  private final RelayClient client;

  /** Configured or trusted by the host: no address rules, the JDK's WebSocket. */
  private final boolean hostConfigured;

  private final RelayPoolSettings settings;

  // Everything from here to the listener-only fields is guarded by `this`.
  /**
   * Where the socket is in its life; moves only forward within one socket, to CLOSED at the end.
   */
  private State state = State.IDLE;

  /** The open socket, or null while connecting or after losing it. */
  private WebSocket socket;

  /** Consecutive failed connects: the reconnect backoff's exponent; reset when a socket opens. */
  private int attempts;

  private String lastError = "not connected yet";

  /** Publishes sent and not yet answered by OK, by event id: resent after a reconnect. */
  private final Map<String, Pending> pending = new LinkedHashMap<>();

  /** Live subscriptions by id: re-sent after a reconnect. */
  private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();

  /** Frames waiting for the socket; WebSocket allows one outstanding send at a time. */
  private final ArrayDeque<String> outbox = new ArrayDeque<>();

  /** Whether a send is outstanding on the socket (the outbox drains when it completes). */
  private boolean sending;

  private boolean hasReconnectScheduled;
  private ScheduledFuture<?> heartbeat;
  private boolean awaitingPong;
  private long pingSentNanos;

  /** When the connection last had work: the pool closes it once idle past its timeout. */
  private long lastBusyNanos = System.nanoTime();

  // NIP-42 state, guarded by `this`; keys outlive a connection, the rest is per connection
  // (reset on open).
  private final Map<String, NostrKeys> authKeys = new LinkedHashMap<>();
  private String challenge;
  private final Map<String, String> authEvents = new HashMap<>(); // AUTH event id -> pubkey
  private final Set<String> authenticated = new HashSet<>();
  private final Map<String, List<Consumer<Boolean>>> afterAuth = new HashMap<>();
  private final Set<String> authRetried = new HashSet<>();

  // Touched only by the WebSocket's listener callbacks, which the JDK serializes.
  private final StringBuilder incoming = new StringBuilder();
  private boolean oversized;

  RelayConnection(URI uri, RelayClient client, boolean hostConfigured) {
    this.uri = uri;
    this.client = client;
    this.hostConfigured = hostConfigured;
    this.settings = client.settings();
  }

  synchronized void start() {
    if (state == State.IDLE && !hasReconnectScheduled) {
      connectNow();
    }
  }

  synchronized boolean isOpen() {
    return state == State.OPEN;
  }

  /** Open or on its way there: counts against the pool's connection cap. */
  synchronized boolean isActive() {
    return state == State.OPEN || state == State.CONNECTING || hasReconnectScheduled;
  }

  synchronized boolean hasWork() {
    return !subscriptions.isEmpty() || !pending.isEmpty();
  }

  synchronized long idleSinceNanos() {
    return lastBusyNanos;
  }

  /**
   * Closes the socket when nothing has used it for {@code idleNanos} (no subscription, no publish
   * awaiting OK). The connection stays usable: the next publish or subscribe reopens it.
   */
  boolean closeIfIdle(long idleNanos) {
    WebSocket ws;
    synchronized (this) {
      if (!isActive() || hasWork() || System.nanoTime() - lastBusyNanos < idleNanos) {
        return false;
      }
      ws = socket;
      dropSocket("idle");
      authKeys.clear();
    }
    log.debug("closed idle connection to {}", uri);
    if (ws != null) {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "idle").whenComplete((r, e) -> ws.abort());
    }
    return true;
  }

  private void dropSocket(String why) {
    stopHeartbeat();
    socket = null;
    lastError = why;
    state = State.IDLE;
    outbox.clear();
    sending = false;
  }

  private void connectNow() {
    state = State.CONNECTING;
    hasReconnectScheduled = false;
    log.debug("connecting to {}", uri);
    try {
      (hostConfigured
              ? settings
                  .httpClient()
                  .newWebSocketBuilder()
                  .connectTimeout(settings.connectTimeout())
                  .buildAsync(uri, this)
              : PinnedWebSocket.open(uri, settings.untrustedDialer(), this))
          .whenComplete(
              (ws, error) -> {
                if (error != null) {
                  connectFailed(error);
                }
              });
    } catch (RuntimeException e) {
      connectFailed(e);
    }
  }

  private void connectFailed(Throwable error) {
    Throwable cause = error.getCause() != null ? error.getCause() : error;
    List<Pending> failed;
    List<Subscription> closedSubs;
    synchronized (this) {
      if (state != State.CONNECTING) {
        return;
      }
      state = State.IDLE;
      if (!(cause instanceof PinnedDialer.AddressRefusedException)) {
        lastError =
            "connect failed: "
                + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " " + cause.getMessage());
        log.debug("{}: {}", uri, lastError);
        scheduleReconnect();
        return;
      }
      // Refused now, even if it was allowed before (a name that rebinds to a private address):
      // nothing waits for a reconnect that must not happen.
      lastError = cause.getMessage();
      log.info("not dialling {}: {}", uri, lastError);
      failed = new ArrayList<>(pending.values());
      pending.clear();
      closedSubs = new ArrayList<>(subscriptions.values());
      subscriptions.clear();
    }
    String reason = cause.getMessage();
    failed.forEach(p -> p.result().complete(new PublishResult.Failed(uri, reason)));
    closedSubs.forEach(s -> s.closedByRelay(uri, reason));
  }

  private void scheduleReconnect() {
    if (state == State.CLOSED || hasReconnectScheduled) {
      return;
    }
    // A relay with nothing to do (e.g. a tenant's inbox after the DM went out) is not kept
    // alive; the next publish or subscribe reconnects it.
    if (subscriptions.isEmpty() && pending.isEmpty()) {
      log.debug("{} is idle; not reconnecting until there is work", uri);
      return;
    }
    long initial = settings.backoffInitial().toMillis();
    long max = settings.backoffMax().toMillis();
    long delay = Math.min(max, initial << Math.min(attempts, 20));
    delay += ThreadLocalRandom.current().nextLong(delay / 4 + 1);
    attempts++;
    hasReconnectScheduled = true;
    log.debug("reconnecting to {} in {} ms (attempt {})", uri, delay, attempts);
    try {
      client.scheduler().schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      hasReconnectScheduled = false; // the client is closing
    }
  }

  private synchronized void reconnect() {
    hasReconnectScheduled = false;
    if (state == State.IDLE) {
      connectNow();
    }
  }

  // --- WebSocket.Listener ---

  @Override
  public void onOpen(WebSocket webSocket) {
    synchronized (this) {
      if (state != State.CONNECTING) {
        webSocket.abort();
        return;
      }
      socket = webSocket;
      state = State.OPEN;
      incoming.setLength(0);
      oversized = false;
      awaitingPong = false;
      long ping = settings.pingInterval().toMillis();
      try {
        heartbeat =
            client
                .scheduler()
                .scheduleWithFixedDelay(
                    () -> heartbeat(webSocket), ping, ping, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // the client is closing
      }
      attempts = 0;
      lastError = "connected";
      outbox.clear();
      sending = false;
      challenge = null;
      authEvents.clear();
      authenticated.clear();
      afterAuth.clear();
      authRetried.clear();
      // Restore what the relay forgot: live subscriptions, then unanswered publishes.
      subscriptions.values().forEach(s -> enqueue(s.reqMessage()));
      pending.values().forEach(p -> enqueue(p.message()));
    }
    log.debug("connected to {}", uri);
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    if (webSocket != currentSocket()) {
      return null;
    }
    if (!oversized) {
      if (incoming.length() + data.length() > settings.maxMessageChars()) {
        oversized = true;
        incoming.setLength(0);
        incoming.trimToSize();
      } else {
        incoming.append(data);
      }
    }
    if (last) {
      if (oversized) {
        log.warn(
            "dropped a message from {} longer than {} characters", uri, settings.maxMessageChars());
        oversized = false;
      } else {
        String message = incoming.toString();
        incoming.setLength(0);
        try {
          handle(message);
        } catch (RuntimeException e) {
          log.warn("failed handling a message from {}", uri, e);
        }
      }
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, java.nio.ByteBuffer data, boolean last) {
    if (last) {
      log.debug("ignored a binary message from {}", uri);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onPong(WebSocket webSocket, java.nio.ByteBuffer message) {
    synchronized (this) {
      if (webSocket == socket) {
        awaitingPong = false;
      }
    }
    webSocket.request(1);
    return null;
  }

  /**
   * Liveness: a peer can vanish without closing TCP, and the JDK does not always report an EOF that
   * races with a send. So the connection is pinged every ping interval and right after each
   * publish; a ping unanswered for {@link #pongTimeoutNanos()} drops the connection, and the
   * reconnect re-sends what still waits for an answer.
   */
  private void heartbeat(WebSocket webSocket) {
    if (!checkLiveness(webSocket)) {
      return;
    }
    synchronized (this) {
      if (webSocket == socket && state == State.OPEN) {
        ping(webSocket);
      }
    }
  }

  /** Sends a ping unless one is outstanding; the caller holds the lock. */
  private void ping(WebSocket webSocket) {
    if (awaitingPong) {
      return;
    }
    awaitingPong = true;
    pingSentNanos = System.nanoTime();
    try {
      // Control frames may be sent while a text send is still in flight.
      webSocket.sendPing(java.nio.ByteBuffer.allocate(0));
    } catch (IllegalStateException e) {
      // the output is closed; the next liveness check drops the connection
    }
  }

  /** False (and the connection dropped) when a ping went unanswered for too long. */
  private boolean checkLiveness(WebSocket webSocket) {
    synchronized (this) {
      if (webSocket != socket || state != State.OPEN) {
        return false;
      }
      if (!awaitingPong || System.nanoTime() - pingSentNanos < pongTimeoutNanos()) {
        return true;
      }
    }
    lost(webSocket, "no pong within " + pongTimeoutNanos() / 1_000_000 + " ms");
    return false;
  }

  private long pongTimeoutNanos() {
    long half = settings.publishTimeout().toNanos() / 2;
    return Math.min(settings.pingInterval().toNanos(), half);
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    lost(
        webSocket, "closed by relay (" + statusCode + (reason.isEmpty() ? "" : " " + reason) + ")");
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    lost(webSocket, "connection error: " + error.getClass().getSimpleName());
  }

  private synchronized WebSocket currentSocket() {
    return socket;
  }

  private synchronized void lost(WebSocket webSocket, String why) {
    if (webSocket != socket || state != State.OPEN) {
      return;
    }
    log.info("lost connection to {}: {}", uri, why);
    webSocket.abort();
    dropSocket(why);
    scheduleReconnect();
  }

  /** Pings now and checks for the pong in time: an OK that cannot come is noticed early. */
  private void probe(WebSocket webSocket) {
    ping(webSocket);
    try {
      client
          .scheduler()
          .schedule(() -> checkLiveness(webSocket), pongTimeoutNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the client is closing
    }
  }

  private void stopHeartbeat() {
    if (heartbeat != null) {
      heartbeat.cancel(false);
      heartbeat = null;
    }
  }

  // --- publishing ---

  CompletableFuture<PublishResult> publish(Event event, NostrKeys auth) {
    CompletableFuture<PublishResult> result;
    synchronized (this) {
      lastBusyNanos = System.nanoTime();
      if (state == State.CLOSED) {
        return CompletableFuture.completedFuture(
            new PublishResult.Failed(uri, "relay client closed"));
      }
      Pending existing = pending.get(event.id());
      if (existing != null) {
        return existing.result();
      }
      if (pending.size() >= settings.maxQueuedMessages()) {
        return CompletableFuture.completedFuture(
            new PublishResult.Failed(uri, "too many publishes awaiting OK"));
      }
      String message =
          Json.write(Json.MAPPER.createArrayNode().add("EVENT").add(event.toJsonNode()));
      result = new CompletableFuture<>();
      register(auth);
      pending.put(event.id(), new Pending(event, message, result, auth));
      if (state == State.OPEN && !enqueue(message)) {
        pending.remove(event.id());
        return CompletableFuture.completedFuture(new PublishResult.Failed(uri, "send queue full"));
      }
      start(); // an idle connection (dropped while it had no work) comes back for this
      if (state == State.OPEN) {
        probe(socket);
      }
    }
    long timeout = settings.publishTimeout().toMillis();
    try {
      client
          .scheduler()
          .schedule(() -> timeOut(event.id(), result), timeout, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      finish(event.id(), new PublishResult.Failed(uri, "relay client closed"));
    }
    return result;
  }

  private void timeOut(String eventId, CompletableFuture<PublishResult> result) {
    String why;
    synchronized (this) {
      if (pending.get(eventId) == null || pending.get(eventId).result() != result) {
        return;
      }
      why =
          "no OK within "
              + settings.publishTimeout().toMillis()
              + " ms"
              + (state == State.OPEN ? "" : " (" + lastError + ")");
    }
    finish(eventId, new PublishResult.Failed(uri, why));
  }

  private void finish(String eventId, PublishResult outcome) {
    Pending p;
    synchronized (this) {
      p = pending.remove(eventId);
      lastBusyNanos = System.nanoTime();
    }
    if (p != null) {
      p.result().complete(outcome);
    }
  }

  // --- subscriptions ---

  void subscribe(Subscription sub) {
    synchronized (this) {
      if (state == State.CLOSED) {
        return;
      }
      lastBusyNanos = System.nanoTime();
      register(sub.authKey());
      subscriptions.put(sub.id(), sub);
      if (state == State.OPEN && !enqueue(sub.reqMessage())) {
        log.warn(
            "send queue to {} is full; subscription {} waits for the next reconnect",
            uri,
            sub.id());
      }
      start();
    }
  }

  synchronized void unsubscribe(String id) {
    lastBusyNanos = System.nanoTime();
    if (subscriptions.remove(id) != null && state == State.OPEN) {
      enqueue(Json.write(Json.MAPPER.createArrayNode().add("CLOSE").add(id)));
    }
  }

  // --- sending (caller holds the lock) ---

  private boolean enqueue(String message) {
    if (outbox.size() >= settings.maxQueuedMessages()) {
      return false;
    }
    outbox.add(message);
    if (!sending) {
      pump();
    }
    return true;
  }

  private void pump() {
    String next = outbox.poll();
    if (next == null || socket == null) {
      sending = false;
      return;
    }
    sending = true;
    WebSocket ws = socket;
    CompletableFuture<WebSocket> sent;
    try {
      sent = ws.sendText(next, true);
    } catch (RuntimeException e) {
      // Never leave the queue stuck on one bad message.
      log.warn("could not send a message to {}: {}", uri, e.getClass().getSimpleName());
      pump();
      return;
    }
    sent.whenComplete(
        (r, error) -> {
          synchronized (this) {
            if (ws != socket) {
              return;
            }
            if (error != null) {
              // onError/onClose follows and triggers the reconnect.
              sending = false;
              log.debug("send to {} failed: {}", uri, error.toString());
              return;
            }
            pump();
          }
        });
  }

  // --- incoming relay messages ---

  private void handle(String text) {
    JsonNode msg;
    try {
      msg = Json.parse(text, "relay message");
    } catch (NostrFormatException e) {
      log.debug("dropped a message from {}: not JSON", uri);
      return;
    }
    if (!msg.isArray() || msg.isEmpty() || !msg.get(0).isTextual()) {
      log.debug("dropped a message from {}: not a relay message array", uri);
      return;
    }
    switch (msg.get(0).textValue()) {
      case "EVENT" -> onEvent(msg);
      case "OK" -> onOk(msg);
      case "EOSE" -> {
        Subscription s = subscription(msg, 1);
        if (s != null) {
          s.eose(uri);
        }
      }
      case "CLOSED" -> {
        Subscription s = subscription(msg, 1);
        if (s != null) {
          onClosed(s, textAt(msg, 2, ""));
        }
      }
      case "AUTH" -> onChallenge(textAt(msg, 1, ""));
      case "NOTICE" -> client.notice(uri, textAt(msg, 1, ""));
      default -> log.debug("ignored a {} message from {}", msg.get(0).textValue(), uri);
    }
  }

  private void onEvent(JsonNode msg) {
    Subscription s = subscription(msg, 1);
    if (s == null || msg.size() < 3) {
      return;
    }
    Event event;
    try {
      event = Event.fromJsonNode(msg.get(2));
    } catch (NostrFormatException e) {
      log.debug("dropped a malformed event from {}: {}", uri, e.getMessage());
      return;
    }
    if (!event.verify()) {
      log.debug("dropped event {} from {}: id or signature does not check out", event.id(), uri);
      return;
    }
    s.deliver(event, uri);
  }

  private void onOk(JsonNode msg) {
    if (msg.size() < 3 || !msg.get(1).isTextual() || !msg.get(2).isBoolean()) {
      log.debug("dropped a malformed OK from {}", uri);
      return;
    }
    String id = msg.get(1).textValue();
    boolean ok = msg.get(2).booleanValue();
    String reason = textAt(msg, 3, "");
    if (onAuthOk(id, ok, reason)) {
      return;
    }
    if (!ok && reason.startsWith("auth-required:") && retryAfterAuth(id, reason)) {
      return;
    }
    finish(
        id,
        ok
            ? new PublishResult.Accepted(uri, reason)
            : reason.startsWith("restricted:")
                ? new PublishResult.Restricted(uri, reason)
                : new PublishResult.Rejected(uri, reason));
  }

  // --- NIP-42 ---

  /** Remembers a key to authenticate as; authenticates at once when a challenge is known. */
  private void register(NostrKeys keys) {
    if (keys == null) {
      return;
    }
    if (authKeys.putIfAbsent(keys.publicKeyHex(), keys) == null
        && challenge != null
        && state == State.OPEN) {
      sendAuth(keys);
    }
  }

  /** Sends {@code ["AUTH", kind 22242]} for {@code keys}; the caller holds the lock. */
  private void sendAuth(NostrKeys keys) {
    Event auth =
        Event.sign(
            keys,
            AUTH_KIND,
            List.of(List.of("relay", uri.toString()), List.of("challenge", challenge)),
            "",
            Instant.now());
    authEvents.put(auth.id(), keys.publicKeyHex());
    log.debug("authenticating to {} as {}", uri, keys.publicKeyHex());
    enqueue(Json.write(Json.MAPPER.createArrayNode().add("AUTH").add(auth.toJsonNode())));
  }

  private synchronized void onChallenge(String value) {
    if (value.isEmpty() || value.length() > 1024) {
      log.debug("ignored an unusable AUTH challenge from {}", uri);
      return;
    }
    challenge = value;
    authEvents.clear();
    authenticated.clear();
    authKeys.values().forEach(this::sendAuth);
  }

  /** True when {@code id} was one of our AUTH events; runs what waited for it. */
  private boolean onAuthOk(String id, boolean ok, String reason) {
    String pubkey;
    List<Consumer<Boolean>> waiting;
    synchronized (this) {
      pubkey = authEvents.remove(id);
      if (pubkey == null) {
        return false;
      }
      if (ok) {
        authenticated.add(pubkey);
      }
      waiting = afterAuth.remove(pubkey);
    }
    if (ok) {
      log.debug("authenticated to {} as {}", uri, pubkey);
    } else {
      log.info("{} refused our AUTH as {}: {}", uri, pubkey, reason);
    }
    if (waiting != null) {
      waiting.forEach(action -> action.accept(ok));
    }
    return true;
  }

  /** Runs {@code action} once {@code keys} is authenticated (true) or refused (false). */
  private void whenAuthenticated(NostrKeys keys, Consumer<Boolean> action) {
    String pubkey = keys.publicKeyHex();
    synchronized (this) {
      if (!authenticated.contains(pubkey)) {
        afterAuth.computeIfAbsent(pubkey, k -> new ArrayList<>()).add(action);
        authKeys.putIfAbsent(pubkey, keys);
        if (challenge != null && state == State.OPEN && !authEvents.containsValue(pubkey)) {
          sendAuth(keys);
        }
        return; // without a challenge yet, the relay's AUTH message triggers it
      }
    }
    action.accept(true);
  }

  /** {@code auth-required:} on a publish: authenticate, then send it once more. */
  private boolean retryAfterAuth(String eventId, String reason) {
    NostrKeys keys;
    synchronized (this) {
      Pending p = pending.get(eventId);
      if (p == null || p.auth() == null || !authRetried.add(eventId)) {
        return false;
      }
      keys = p.auth();
    }
    log.debug("{} wants AUTH for event {}: authenticating, then sending it again", uri, eventId);
    whenAuthenticated(
        keys,
        ok -> {
          if (!ok) {
            finish(eventId, new PublishResult.Rejected(uri, reason));
            return;
          }
          synchronized (this) {
            Pending p = pending.get(eventId);
            if (p != null && state == State.OPEN) {
              enqueue(p.message());
            }
          }
        });
    return true;
  }

  /** A CLOSED subscription: after {@code auth-required:}, authenticate and subscribe again once. */
  private void onClosed(Subscription s, String reason) {
    NostrKeys keys = s.authKey();
    boolean retry;
    synchronized (this) {
      retry =
          keys != null && reason.startsWith("auth-required:") && authRetried.add("REQ " + s.id());
      if (!retry) {
        subscriptions.remove(s.id());
      }
    }
    if (!retry) {
      s.closedByRelay(uri, reason);
      return;
    }
    log.debug(
        "{} wants AUTH for subscription {}: authenticating, then subscribing again", uri, s.id());
    whenAuthenticated(
        keys,
        ok -> {
          boolean again;
          synchronized (this) {
            again = ok && subscriptions.get(s.id()) == s && state == State.OPEN;
            if (again) {
              enqueue(s.reqMessage());
            } else {
              subscriptions.remove(s.id(), s);
            }
          }
          if (!again) {
            s.closedByRelay(uri, reason);
          }
        });
  }

  private synchronized Subscription subscription(JsonNode msg, int index) {
    if (msg.size() <= index || !msg.get(index).isTextual()) {
      return null;
    }
    return subscriptions.get(msg.get(index).textValue());
  }

  private static String textAt(JsonNode msg, int index, String fallback) {
    return msg.size() > index && msg.get(index).isTextual() ? msg.get(index).textValue() : fallback;
  }

  // --- shutdown ---

  void close() {
    List<Pending> failed;
    WebSocket ws;
    synchronized (this) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      stopHeartbeat();
      ws = socket;
      socket = null;
      outbox.clear();
      subscriptions.clear();
      failed = new ArrayList<>(pending.values());
      pending.clear();
    }
    if (ws != null) {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").whenComplete((r, e) -> ws.abort());
    }
    failed.forEach(p -> p.result().complete(new PublishResult.Failed(uri, "relay client closed")));
  }
}
