package dev.caravel.billing.nostr;

import dev.caravel.billing.Rail;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.RailException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Messenger} over Nostr direct messages.
 *
 * <p>NIP-17 (default): the message goes to the relays in the recipient's kind 10050 list, looked
 * up on the client's configured relays; with {@link Builder#fallbackToConfiguredRelays} it goes
 * to the configured relays when the recipient has no list. A second copy, wrapped for the
 * sender, goes to the sender's own kind 10050 relays (else the configured relays) so the host's
 * inbox keeps the conversation.
 *
 * <p>NIP-04 (legacy, by option): one kind 4 event to the configured relays.
 *
 * <p>{@link #send} returns when at least one relay accepted the recipient's copy and throws
 * {@link RailException} with every relay's reason otherwise.
 */
public final class NostrMessenger implements Messenger {
  private static final Logger log = LoggerFactory.getLogger(NostrMessenger.class);
  private static final int MAX_INBOX_RELAYS = 10;

  /** How messages are encrypted and routed. */
  public enum Mode {
    NIP17,
    NIP04
  }

  private final NostrKeys sender;
  private final RelayClient client;
  private final Mode mode;
  private final boolean fallbackToConfiguredRelays;
  private final Duration lookupTimeout;
  private final Clock clock;

  private NostrMessenger(Builder b) {
    this.sender = b.sender;
    this.client = b.client;
    this.mode = b.mode;
    this.fallbackToConfiguredRelays = b.fallback;
    this.lookupTimeout = b.lookupTimeout;
    this.clock = b.clock;
  }

  /** {@code client} provides the configured relays; the messenger does not close it. */
  public static Builder builder(NostrKeys sender, RelayClient client) {
    return new Builder(sender, client);
  }

  @Override
  public void send(String recipientPubkey, String text) {
    String recipient;
    try {
      recipient = Nip19.publicKeyHex(recipientPubkey);
    } catch (NostrFormatException e) {
      throw new InvalidInputException("recipient is not a Nostr public key: " + e.getMessage(), e);
    }
    if (text == null || text.isEmpty()) {
      throw new InvalidInputException("message text is empty");
    }
    List<PublishResult> results =
        mode == Mode.NIP17 ? sendNip17(recipient, text) : sendNip04(recipient, text);
    if (results.stream().noneMatch(PublishResult::accepted)) {
      throw new RailException(Rail.DM, RailException.UNDELIVERED, 
          "no relay accepted the message to "
              + recipient
              + ": "
              + results.stream().map(PublishResult::describe).collect(Collectors.joining("; ")));
    }
    log.debug("message to {} accepted by {}", recipient,
        results.stream().filter(PublishResult::accepted).map(PublishResult::relay).toList());
  }

  private List<PublishResult> sendNip17(String recipient, String text) {
    Map<String, List<URI>> lists = relayLists(List.of(recipient, sender.publicKeyHex()));
    List<URI> inbox = lists.getOrDefault(recipient, List.of());
    if (inbox.isEmpty()) {
      if (!fallbackToConfiguredRelays) {
        throw new RailException(Rail.DM, RailException.UNDELIVERED, 
            "recipient " + recipient + " publishes no kind 10050 DM relay list on "
                + client.relays() + " and the fallback to configured relays is off");
      }
      inbox = client.relays();
    }
    if (inbox.isEmpty()) {
      throw new RailException(Rail.DM, RailException.UNDELIVERED, "no relays configured to send a message to " + recipient);
    }
    // The sender's copy goes to the sender's own DM relays, else to the configured ones.
    List<URI> own = lists.getOrDefault(sender.publicKeyHex(), client.relays());
    Nip17.GiftWraps wraps = Nip17.wrap(sender, recipient, text, clock.instant());
    CompletableFuture<List<PublishResult>> toRecipient = client.publish(wraps.forRecipient(), inbox);
    CompletableFuture<List<PublishResult>> toSelf =
        own.isEmpty()
            ? CompletableFuture.completedFuture(List.of())
            : client.publish(wraps.forSender(), own);
    List<PublishResult> results = toRecipient.join();
    if (toSelf.join().stream().noneMatch(PublishResult::accepted)) {
      log.warn("no relay kept the sender's copy of a DM to {}", recipient);
    }
    return results;
  }

  private List<PublishResult> sendNip04(String recipient, String text) {
    if (client.relays().isEmpty()) {
      throw new RailException(Rail.DM, RailException.UNDELIVERED, "no relays configured to send a message to " + recipient);
    }
    Event dm =
        Event.sign(
            sender, 4, List.of(List.of("p", recipient)), Nip04.encrypt(sender, recipient, text),
            clock.instant());
    return client.publish(dm).join();
  }

  /**
   * The relays of each author's newest kind 10050 list, looked up on the configured relays in
   * one subscription; authors without a (usable) list are absent from the map.
   */
  Map<String, List<URI>> relayLists(List<String> authors) {
    if (client.relays().isEmpty()) {
      return Map.of();
    }
    Map<String, Event> newest = new ConcurrentHashMap<>();
    Set<URI> done = ConcurrentHashMap.newKeySet();
    CountDownLatch allDone = new CountDownLatch(1);
    int expected = client.relays().size();
    SubscriptionListener listener =
        new SubscriptionListener() {
          @Override
          public void onEvent(Event event, URI relay) {
            newest.merge(event.pubkey(), event, (a, b) -> b.createdAt() > a.createdAt() ? b : a);
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
            if (done.add(relay) && done.size() >= expected) {
              allDone.countDown();
            }
          }
        };
    // One filter per author: "limit" counts across a filter's authors.
    List<Filter> filters =
        authors.stream()
            .distinct()
            .map(a -> Filter.builder().authors(a).kinds(Nip17.KIND_DM_RELAYS).limit(1).build())
            .toList();
    Subscription lookup = client.subscribe(filters, listener);
    try {
      if (!allDone.await(lookupTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.debug("kind 10050 lookup timed out; using what arrived");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RailException(Rail.DM, RailException.UNDELIVERED, "interrupted while looking up DM relays", e);
    } finally {
      lookup.close();
    }
    Map<String, List<URI>> lists = new HashMap<>();
    newest.forEach(
        (author, list) -> {
          LinkedHashSet<URI> relays = new LinkedHashSet<>();
          for (List<String> tag : list.tags()) {
            if (tag.size() >= 2 && tag.get(0).equals("relay") && relays.size() < MAX_INBOX_RELAYS) {
              try {
                relays.add(RelayClient.relayUri(tag.get(1)));
              } catch (NostrFormatException e) {
                log.debug("skipping a bad relay URL in {}'s kind 10050 list", author);
              }
            }
          }
          if (!relays.isEmpty()) {
            lists.put(author, new ArrayList<>(relays));
          }
        });
    return lists;
  }

  @Override
  public String toString() {
    return "NostrMessenger[" + mode + ", sender=" + sender.publicKeyHex() + "]";
  }

  /** Configures a {@link NostrMessenger}. */
  public static final class Builder {
    private final NostrKeys sender;
    private final RelayClient client;
    private Mode mode = Mode.NIP17;
    private boolean fallback;
    private Duration lookupTimeout = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();

    private Builder(NostrKeys sender, RelayClient client) {
      this.sender = Objects.requireNonNull(sender, "sender");
      this.client = Objects.requireNonNull(client, "client");
    }

    public Builder mode(Mode value) {
      mode = Objects.requireNonNull(value, "mode");
      return this;
    }

    /** Send NIP-17 messages to the configured relays when the recipient has no 10050 list. */
    public Builder fallbackToConfiguredRelays(boolean value) {
      fallback = value;
      return this;
    }

    /** How long to wait for the recipient's kind 10050 list. Default 5 s. */
    public Builder lookupTimeout(Duration value) {
      if (value == null || value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("lookupTimeout must be positive");
      }
      lookupTimeout = value;
      return this;
    }

    public Builder clock(Clock value) {
      clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    public NostrMessenger build() {
      return new NostrMessenger(this);
    }
  }
}
