package dev.caravel.billing.nostr;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.RailException;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.nostr.protocol.Nip04;
import dev.caravel.billing.nostr.protocol.Nip17;
import dev.caravel.billing.nostr.protocol.Nip19;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Messenger} over Nostr direct messages.
 *
 * <p>NIP-17 (default): the message goes only to the relays in the recipient's kind 10050 list,
 * looked up on the client's configured relays and the {@link Builder#indexerRelays}, and then on
 * the write relays of the recipient's NIP-65 kind 10002 list (found lists are cached for {@link
 * Builder#relayListTtl}); with {@link Builder#fallbackToConfiguredRelays} it goes to the configured
 * relays when the recipient has no list. A gift wrap larger than an inbox relay's NIP-11 limits (64
 * KiB when the relay states none) is refused before anything is sent. The messenger authenticates
 * (NIP-42) as the sender wherever a relay asks. A second copy, wrapped for the sender, goes to the
 * sender's own kind 10050 relays (else the configured relays) so the host's inbox keeps the
 * conversation.
 *
 * <p>NIP-04 (legacy, by option): one kind 4 event to the configured relays.
 *
 * <p>{@link #send} returns when at least one relay accepted the recipient's copy and throws {@link
 * RailException} with every relay's reason otherwise.
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
  private final InboxRelays inboxes;

  private NostrMessenger(Builder b) {
    this.sender = b.sender;
    this.client = b.client;
    this.mode = b.mode;
    this.fallbackToConfiguredRelays = b.fallback;
    this.lookupTimeout = b.lookupTimeout;
    this.clock = b.clock;
    this.inboxes =
        new InboxRelays(client, sender, b.indexers, b.lookupTimeout, b.relayListTtl, b.clock);
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
      throw new RailException(
          Rail.DM,
          RailException.UNDELIVERED,
          "no relay accepted the message to "
              + recipient
              + ": "
              + results.stream().map(PublishResult::describe).collect(Collectors.joining("; ")));
    }
    log.debug(
        "message to {} accepted by {}",
        recipient,
        results.stream().filter(PublishResult::accepted).map(PublishResult::relay).toList());
  }

  private List<PublishResult> sendNip17(String recipient, String text) {
    Map<String, List<URI>> lists = relayLists(List.of(recipient, sender.publicKeyHex()));
    List<URI> inbox = lists.getOrDefault(recipient, List.of());
    if (inbox.isEmpty()) {
      if (!fallbackToConfiguredRelays) {
        throw new RailException(
            Rail.DM,
            RailException.UNDELIVERED,
            "recipient "
                + recipient
                + " publishes no kind 10050 DM relay list on "
                + client.relays()
                + ", the indexer relays or its kind 10002 write relays,"
                + " and the fallback to configured relays is off");
      }
      inbox = client.relays();
    }
    if (inbox.isEmpty()) {
      throw new RailException(
          Rail.DM,
          RailException.UNDELIVERED,
          "no relays configured to send a message to " + recipient);
    }
    // The sender's copy goes to the sender's own DM relays, else to the configured ones.
    List<URI> own = lists.getOrDefault(sender.publicKeyHex(), client.relays());
    Nip17.GiftWraps wraps = Nip17.wrap(sender, recipient, text, clock.instant());
    List<String> tooLarge = new ArrayList<>();
    for (URI relay : inbox) {
      String why = client.info(relay).tooLarge(wraps.forRecipient());
      if (why != null) {
        tooLarge.add(relay + ": " + why);
      }
    }
    if (!tooLarge.isEmpty()) {
      throw new RailException(
          Rail.DM,
          RailException.UNDELIVERED,
          "the message to "
              + recipient
              + " is too large for its DM relays, so nothing was sent: "
              + String.join("; ", tooLarge));
    }
    own = own.stream().filter(r -> client.info(r).tooLarge(wraps.forSender()) == null).toList();
    CompletableFuture<List<PublishResult>> toRecipient =
        client.publish(wraps.forRecipient(), inbox, sender);
    CompletableFuture<List<PublishResult>> toSelf =
        own.isEmpty()
            ? CompletableFuture.completedFuture(List.of())
            : client.publish(wraps.forSender(), own, sender);
    List<PublishResult> results = toRecipient.join();
    if (toSelf.join().stream().noneMatch(PublishResult::accepted)) {
      log.warn("no relay kept the sender's copy of a DM to {}", recipient);
    }
    return results;
  }

  private List<PublishResult> sendNip04(String recipient, String text) {
    if (client.relays().isEmpty()) {
      throw new RailException(
          Rail.DM,
          RailException.UNDELIVERED,
          "no relays configured to send a message to " + recipient);
    }
    Event dm =
        Event.sign(
            sender,
            4,
            List.of(List.of("p", recipient)),
            Nip04.encrypt(sender, recipient, text),
            clock.instant());
    return client.publish(dm, client.relays(), sender).join();
  }

  /** The relays of each author's newest kind 10050 list; authors without one are absent. */
  Map<String, List<URI>> relayLists(List<String> authors) {
    try {
      return inboxes.lookup(authors);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RailException(
          Rail.DM, RailException.UNDELIVERED, "interrupted while looking up DM relays", e);
    }
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
    private final List<URI> indexers = new ArrayList<>();
    private Duration relayListTtl = Duration.ofMinutes(10);

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
      Objects.requireNonNull(value, "lookupTimeout");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("lookupTimeout must be positive");
      }
      lookupTimeout = value;
      return this;
    }

    /**
     * Relays that index kind 10050/10002 lists (e.g. {@code wss://purplepag.es}), searched with the
     * configured relays. They are not configured relays of the pool: its address rules apply to
     * them. Default none.
     */
    public Builder indexerRelays(java.util.Collection<String> urls) {
      Objects.requireNonNull(urls, "urls");
      List<URI> parsed = urls.stream().map(RelayClient::relayUri).toList();
      indexers.addAll(parsed);
      return this;
    }

    /** How long a recipient's DM relay list found is reused. Default 10 min. */
    public Builder relayListTtl(Duration value) {
      Objects.requireNonNull(value, "relayListTtl");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("relayListTtl must be positive");
      }
      relayListTtl = value;
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
