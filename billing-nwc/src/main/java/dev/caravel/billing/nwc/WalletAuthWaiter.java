package dev.caravel.billing.nwc;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.nostr.Event;
import dev.caravel.billing.nostr.Filter;
import dev.caravel.billing.nostr.RelayClient;
import dev.caravel.billing.nostr.Subscription;
import dev.caravel.billing.nostr.SubscriptionListener;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a wallet to accept a {@link WalletAuthRequest}, as NWC-08 specifies: a kind 13194 info
 * event, on the request's relays, carrying a {@code p} tag with our client key and a {@code state}
 * tag equal to our state. Its author is the wallet service's key; its content the methods granted;
 * its {@code relay} tags, when present, the relays to use from then on.
 *
 * <p>Not believed, and ignored (logged at debug): an event of another kind, with a bad signature,
 * by our own client key, without a {@code p} tag naming us, with another or no state, dated more
 * than {@link #CLOCK_SKEW} before the request, granting no method, or with a malformed relay tag. A
 * confirmation that arrives after the deadline is not seen: the answer is {@link
 * WalletAuthResult.TimedOut}.
 *
 * <p>The request's relays are dialled through the relay pool given ({@link Builder#relayPool}), its
 * address rules applying ({@code wss://} only unless it allows {@code ws://}, every address checked
 * at every connect); without one, through a pool of its own with the default rules, opened and
 * closed by each {@link #await}. Authenticates (NIP-42) as the client key where a relay asks.
 */
public final class WalletAuthWaiter {
  private static final Logger log = LoggerFactory.getLogger(WalletAuthWaiter.class);

  /** How much earlier than the request a wallet's clock may date its confirmation. */
  public static final Duration CLOCK_SKEW = Duration.ofMinutes(10);

  private static final Duration POLL = Duration.ofMillis(100);

  private final RelayClient pool;
  private final Duration budgetTimeout;

  private WalletAuthWaiter(RelayClient pool, Duration budgetTimeout) {
    this.pool = pool;
    this.budgetTimeout = budgetTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Waits up to {@code timeout} for the wallet's confirmation of {@code request}, then, when the
   * connection offers {@code get_budget}, asks for its budget (within {@link
   * Builder#budgetTimeout}; no answer leaves it empty).
   *
   * @throws IllegalArgumentException when {@code timeout} is not positive
   * @throws NwcException {@code NOT_DELIVERED} at once when every relay of the request refused the
   *     subscription (the pool's address rules, or the relay itself): the host's configuration, not
   *     the tenant, is at fault, and waiting could not end otherwise
   */
  public WalletAuthResult await(WalletAuthRequest request, Duration timeout) {
    Objects.requireNonNull(request, "request");
    NwcWallet.Options.positive(timeout, "timeout");
    RelayClient relays = pool != null ? pool : RelayClient.builder().build();
    try {
      Optional<Confirmation> confirmed = confirmation(request, relays, timeout);
      if (confirmed.isEmpty()) {
        return new WalletAuthResult.TimedOut(timeout);
      }
      Confirmation c = confirmed.get();
      log.debug("wallet {} accepted walletauth request of {}", c.uri.walletPubkey(), c.client);
      return new WalletAuthResult.Connected(c.uri, c.info.methods(), budget(c, relays));
    } finally {
      if (pool == null) {
        relays.close();
      }
    }
  }

  record Confirmation(NwcUri uri, Nip47.WalletInfo info, String client) {}

  private Optional<Confirmation> confirmation(
      WalletAuthRequest request, RelayClient relays, Duration timeout) {
    CompletableFuture<Confirmation> found = new CompletableFuture<>();
    Map<URI, String> closed = new ConcurrentHashMap<>();
    long since = request.createdAt().minus(CLOCK_SKEW).getEpochSecond();
    Filter filter =
        Filter.builder()
            .kinds(Nip47.INFO_KIND)
            .tag("p", request.clientPubkey())
            .since(since)
            .build();
    SubscriptionListener listener =
        new SubscriptionListener() {
          @Override
          public void onEvent(Event event, URI relay) {
            String why = whyNot(event, request, since);
            if (why != null) {
              log.debug(
                  "ignoring event {} from {} while awaiting a wallet: {}", event.id(), relay, why);
              return;
            }
            try {
              found.complete(confirmed(event, request));
            } catch (InvalidInputException e) {
              log.debug("ignoring event {} from {}: {}", event.id(), relay, e.getMessage());
            }
          }

          @Override
          public void onClosed(URI relay, String reason) {
            log.info("relay {} closed the walletauth subscription: {}", relay, Nip47.safe(reason));
            closed.put(relay, Nip47.safe(reason));
            if (closed.size() >= request.request().relays().size()) {
              found.completeExceptionally(
                  new NwcException(
                      NwcException.Code.NOT_DELIVERED,
                      "no relay of the walletauth request would carry the wallet's confirmation: "
                          + closed));
            }
          }
        };
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Subscription sub =
        relays.subscribe(List.of(filter), request.request().relays(), listener, request.keys())) {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return Optional.empty();
        }
        try {
          return Optional.of(found.get(Math.min(left, POLL.toNanos()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
          // keep waiting until the deadline
        } catch (ExecutionException e) {
          if (e.getCause() instanceof NwcException refused) {
            throw refused;
          }
          throw new IllegalStateException("the walletauth listener failed", e.getCause());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Why {@code event} is not the wallet's confirmation of {@code request}, or null when it is. */
  static String whyNot(Event event, WalletAuthRequest request, long since) {
    if (event.kind() != Nip47.INFO_KIND) {
      return "not an info event (kind " + event.kind() + ")";
    }
    if (event.pubkey().equals(request.clientPubkey())) {
      return "signed by our own client key";
    }
    if (!event.verify()) {
      return "its signature does not check out";
    }
    boolean namesUs = false;
    String state = null;
    for (List<String> tag : event.tags()) {
      if (tag.size() >= 2 && tag.get(0).equals("p") && tag.get(1).equals(request.clientPubkey())) {
        namesUs = true;
      }
      if (tag.size() >= 2 && tag.get(0).equals("state") && state == null) {
        state = tag.get(1);
      }
    }
    if (!namesUs) {
      return "its p tag does not name our client key";
    }
    if (state == null) {
      return "it has no state tag";
    }
    if (!MessageDigest.isEqual(
        state.getBytes(StandardCharsets.UTF_8), request.state().getBytes(StandardCharsets.UTF_8))) {
      return "its state is not ours";
    }
    if (event.createdAt() < since) {
      return "dated before the request";
    }
    return null;
  }

  /**
   * The connection an accepted request makes.
   *
   * @throws InvalidInputException when the event grants nothing or names a malformed relay
   */
  static Confirmation confirmed(Event event, WalletAuthRequest request) {
    Nip47.WalletInfo info = Nip47.WalletInfo.parse(event);
    if (info.methods().isEmpty()) {
      throw new InvalidInputException("the info event grants no method");
    }
    List<URI> relays = new ArrayList<>();
    for (List<String> tag : event.tags()) {
      if (tag.size() >= 2 && tag.get(0).equals("relay")) {
        try {
          relays.add(RelayUrl.check(tag.get(1)));
        } catch (RelayUrl.Malformed e) {
          throw new InvalidInputException(
              "the info event names a malformed relay: " + e.getMessage());
        }
      }
    }
    // NWC-08: the wallet's relay tags, when present, replace the request's relays.
    List<URI> use = relays.isEmpty() ? request.request().relays() : relays;
    StringBuilder uri =
        new StringBuilder("nostr+walletconnect://").append(event.pubkey()).append('?');
    for (URI relay : use) {
      uri.append("relay=").append(UriText.encode(relay.toString())).append('&');
    }
    uri.append("secret=").append(request.clientSecretHex());
    return new Confirmation(NwcUri.parse(uri.toString()), info, request.clientPubkey());
  }

  private Optional<NwcBudget> budget(Confirmation c, RelayClient relays) {
    if (!c.info.methods().contains("get_budget")) {
      return Optional.empty();
    }
    try (NwcWallet wallet =
        NwcWallet.builder(c.uri)
            .relayPool(relays)
            .replyTimeout(budgetTimeout)
            .infoTimeout(budgetTimeout)
            .build()) {
      return wallet.getBudget();
    } catch (RuntimeException e) {
      log.debug("wallet {} did not tell its budget: {}", c.uri.walletPubkey(), e.getMessage());
      return Optional.empty();
    }
  }

  /** Configures a {@link WalletAuthWaiter}; setters check their argument at once. */
  public static final class Builder {
    private RelayClient pool;
    private Duration budgetTimeout = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * The host's relay pool: not closed by the waiter; its address rules apply to the request's
     * relays and to the wallet's.
     */
    public Builder relayPool(RelayClient value) {
      pool = Objects.requireNonNull(value, "pool");
      return this;
    }

    /** How long the {@code get_budget} question after a confirmation may take. Default 10 s. */
    public Builder budgetTimeout(Duration value) {
      budgetTimeout = NwcWallet.Options.positive(value, "budgetTimeout");
      return this;
    }

    public WalletAuthWaiter build() {
      return new WalletAuthWaiter(pool, budgetTimeout);
    }
  }
}
