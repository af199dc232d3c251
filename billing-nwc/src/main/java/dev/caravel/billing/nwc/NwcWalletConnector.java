package dev.caravel.billing.nwc;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.nostr.RelayClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens tenants' wallets from their NWC URIs: one {@link NwcWallet} per URI, whose session is
 * opened on first use, shared by every caller, and closed once it has been idle (no request in
 * flight) for the idle timeout; the next request opens it again. Every session runs on one relay
 * pool ({@link Builder#relayPool}, or the connector's own), so tenants whose wallets share a relay
 * share one connection. The URIs' relays are tenants': {@code wss://} only, and their addresses are
 * checked at every connect (loopback and private ones refused unless the pool allows them; see
 * {@code RelayClient}). {@link #close()} closes every session (and the connector's own pool).
 * Thread-safe.
 */
public final class NwcWalletConnector implements WalletConnector, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NwcWalletConnector.class);

  private final NwcWallet.Options options;
  private final Duration idleTimeout;
  private final Clock clock;
  private final ConcurrentHashMap<NwcUri, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<NwcUri, NwcWallet> wallets = new ConcurrentHashMap<>();
  private final ScheduledExecutorService reaper;
  private final RelayClient pool;
  private final boolean ownsPool;
  private volatile boolean closed;

  /** Default options and its own relay pool; sessions close after 5 idle minutes. */
  public NwcWalletConnector() {
    this(NwcWallet.Options.defaults(), Duration.ofMinutes(5), null, Clock.systemUTC(), true);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** For tests: a driven clock, and no background reaper (call {@link #closeIdle()}). */
  NwcWalletConnector(
      NwcWallet.Options options,
      Duration idleTimeout,
      RelayClient pool,
      Clock clock,
      boolean reap) {
    this.options = Objects.requireNonNull(options, "options");
    this.ownsPool = pool == null;
    this.pool = pool != null ? pool : NwcSession.ownPool(options).build();
    if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new InvalidInputException("idleTimeout must be positive");
    }
    this.idleTimeout = idleTimeout;
    this.clock = Objects.requireNonNull(clock, "clock");
    if (reap) {
      this.reaper =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "nwc-idle-reaper");
                t.setDaemon(true);
                return t;
              });
      long period = Math.max(1_000, idleTimeout.toMillis() / 2);
      reaper.scheduleWithFixedDelay(this::closeIdleQuietly, period, period, TimeUnit.MILLISECONDS);
    } else {
      this.reaper = null;
    }
  }

  /**
   * The wallet for {@code uri}: the same instance for the same URI while its connection is kept (a
   * wallet handed out earlier keeps working after an idle close, on the shared connection).
   *
   * @throws InvalidInputException when the URI is malformed (the message does not echo it)
   */
  @Override
  public NwcWallet connect(String uri) {
    NwcUri parsed = NwcUri.parse(uri);
    if (closed) {
      throw new IllegalStateException("the NWC connector is closed");
    }
    return wallets.computeIfAbsent(parsed, u -> new NwcWallet(new Shared(u)));
  }

  /** Parses the URI without connecting, so a bad one is refused when the tenant saves it. */
  @Override
  public void validate(String uri) {
    NwcUri.parse(uri);
  }

  /** Closes the connections idle for at least the idle timeout; returns how many. */
  int closeIdle() {
    Instant now = clock.instant();
    int count = 0;
    for (Entry entry : List.copyOf(entries.values())) {
      if (entry.closeIfIdle(now)) {
        count++;
      }
    }
    return count;
  }

  /** How many relay connections (sessions) are open. */
  int openConnections() {
    return (int) entries.values().stream().filter(Entry::isOpen).count();
  }

  @Override
  public void close() {
    closed = true;
    if (reaper != null) {
      reaper.shutdownNow();
    }
    for (Entry entry : List.copyOf(entries.values())) {
      entry.retire();
    }
    entries.clear();
    wallets.clear();
    if (ownsPool) {
      pool.close();
    }
  }

  @Override
  public String toString() {
    return "NwcWalletConnector[wallets=" + wallets.size() + ", open=" + openConnections() + "]";
  }

  private void closeIdleQuietly() {
    try {
      int n = closeIdle();
      if (n > 0) {
        log.debug("closed {} idle NWC connection(s)", n);
      }
    } catch (RuntimeException e) {
      log.warn("closing idle NWC connections failed", e);
    }
  }

  /** A wallet's view: always the connector's live entry for its URI. */
  private final class Shared implements NwcWallet.SessionSource {
    private final NwcUri uri;

    Shared(NwcUri uri) {
      this.uri = uri;
    }

    @Override
    public <T> T use(Function<NwcSession, T> work) {
      while (true) {
        if (closed) {
          throw new IllegalStateException("the NWC connector is closed");
        }
        Entry entry = entries.computeIfAbsent(uri, Entry::new);
        NwcSession session = entry.acquire();
        if (session == null) {
          continue; // retired meanwhile: take the new entry
        }
        try {
          return work.apply(session);
        } finally {
          entry.release();
        }
      }
    }

    @Override
    public String walletPubkey() {
      return uri.walletPubkey();
    }

    @Override
    public void close() {
      // Shared: the connector closes it when idle.
    }
  }

  /** One URI's connection, opened on demand and closed when idle. */
  private final class Entry {
    private final NwcUri uri;
    private NwcSession session;
    private int inFlight;
    private Instant lastUsed;
    private boolean retired;

    Entry(NwcUri uri) {
      this.uri = uri;
      this.lastUsed = clock.instant();
    }

    synchronized NwcSession acquire() {
      if (retired) {
        return null;
      }
      if (session == null || session.isClosed()) {
        session = new NwcSession(uri, options, pool, false, hash -> {});
        log.debug("opened NWC connection to wallet {}", uri.walletPubkey());
      }
      inFlight++;
      return session;
    }

    synchronized void release() {
      inFlight--;
      lastUsed = clock.instant();
    }

    synchronized boolean isOpen() {
      return session != null && !session.isClosed();
    }

    synchronized boolean closeIfIdle(Instant now) {
      if (inFlight > 0 || now.isBefore(lastUsed.plus(idleTimeout))) {
        return false;
      }
      boolean wasOpen = session != null && !session.isClosed();
      retire();
      entries.remove(uri, this);
      wallets.remove(uri);
      return wasOpen;
    }

    synchronized void retire() {
      retired = true;
      if (session != null) {
        session.close();
        session = null;
      }
    }
  }

  /** Configures an {@link NwcWalletConnector}; setters check their argument at once. */
  public static final class Builder {
    private NwcWallet.Options options = NwcWallet.Options.defaults();
    private Duration idleTimeout = Duration.ofMinutes(5);
    private RelayClient pool;

    private Builder() {}

    /** The host's shared relay pool (not closed by the connector). Default: its own. */
    public Builder relayPool(RelayClient value) {
      pool = Objects.requireNonNull(value, "pool");
      return this;
    }

    /** A wallet's session closes after this long without a request. Default 5 min. */
    public Builder idleTimeout(Duration value) {
      idleTimeout = NwcWallet.Options.positive(value, "idleTimeout");
      return this;
    }

    /** How long a request waits for the wallet's reply, retries included. Default 30 s. */
    public Builder replyTimeout(Duration value) {
      options = options.withReplyTimeout(NwcWallet.Options.positive(value, "replyTimeout"));
      return this;
    }

    /** How long reading a wallet's info event may take. Default 10 s. */
    public Builder infoTimeout(Duration value) {
      options = options.withInfoTimeout(NwcWallet.Options.positive(value, "infoTimeout"));
      return this;
    }

    /** WebSocket handshake timeout of the connector's own pool. Default 10 s. */
    public Builder connectTimeout(Duration value) {
      options = options.withConnectTimeout(NwcWallet.Options.positive(value, "connectTimeout"));
      return this;
    }

    /** Dates requests and their expiration. Default the system UTC clock. */
    public Builder clock(Clock value) {
      options = options.withClock(Objects.requireNonNull(value, "clock"));
      return this;
    }

    public NwcWalletConnector build() {
      return new NwcWalletConnector(options, idleTimeout, pool, Clock.systemUTC(), true);
    }
  }
}
