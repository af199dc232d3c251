package dev.caravel.billing.nwc;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.nostr.NostrKeys;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A tenant's request to connect their wallet with a budget (NWC-08, client-initiated): a fresh
 * client key pair made for this request, a random {@code state}, and the {@code
 * nostr+walletauth://} URI to show as a QR code and a link. The wallet that accepts it publishes
 * its info event for the client key; {@link WalletAuthWaiter} waits for it and yields the
 * connection, whose secret is this request's client secret.
 *
 * <pre>{@code
 * WalletAuthRequest request = WalletAuthRequest.builder()
 *     .relay("wss://relay.example.com")
 *     .name("Caravel Relays")
 *     .maxAmountMsats(WalletAuthBudget.maxAmountMsats(monthlyTotal, "usd", rates, floor))
 *     .build();
 * show(request.uri());
 * }</pre>
 *
 * <p>The client secret never appears in {@link #toString()}. A host that keeps a pending request
 * beyond this process (several instances, a restart) seals {@link #clientSecretHex()} as it seals a
 * tenant's NWC URI and rebuilds the request with {@link #resume}. Thread-safe and immutable.
 */
public final class WalletAuthRequest {
  /** What a tenant wallet must grant: paying invoices, and reading the budget left. */
  public static final List<String> DEFAULT_REQUEST_METHODS = List.of("pay_invoice", "get_budget");

  /**
   * Asked so that the wallet may say when a payment of this connection went out, which could settle
   * an unclear payment early. This library does not listen for it yet ({@link NwcWallet} subscribes
   * to {@code payment_received} only); {@code notificationTypes()} asks for none.
   */
  public static final List<String> DEFAULT_NOTIFICATION_TYPES = List.of("payment_sent");

  /** 128 bits, NWC-08's minimum for the state. */
  static final int STATE_BYTES = 16;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_NAME_CHARS = 100;

  private final NostrKeys keys;
  private final WalletAuthUri request;
  private final Instant createdAt;

  private WalletAuthRequest(NostrKeys keys, WalletAuthUri request, Instant createdAt) {
    this.keys = keys;
    this.request = request;
    this.createdAt = createdAt;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A request made earlier, from its URI and its sealed-and-opened client secret.
   *
   * @param createdAt when it was made: info events dated well before it are not believed
   * @throws InvalidInputException when the URI is malformed or has no state, or the secret is not
   *     the URI's client key
   */
  public static WalletAuthRequest resume(
      String walletAuthUri, String clientSecretHex, Instant createdAt) {
    Objects.requireNonNull(createdAt, "createdAt");
    WalletAuthUri parsed = WalletAuthUri.parse(walletAuthUri);
    if (parsed.state().isEmpty()) {
      throw new InvalidInputException("a pending walletauth request must carry a state");
    }
    NostrKeys keys;
    try {
      keys = NostrKeys.fromSecretHex(Objects.requireNonNull(clientSecretHex, "clientSecretHex"));
    } catch (RuntimeException e) {
      throw new InvalidInputException("the client secret is not a valid key");
    }
    if (!keys.publicKeyHex().equals(parsed.clientPubkey())) {
      throw new InvalidInputException("the client secret does not belong to this request");
    }
    return new WalletAuthRequest(keys, parsed, createdAt);
  }

  /** The {@code nostr+walletauth://} URI: the QR code's and the link's content. */
  public String uri() {
    return request.toUri();
  }

  /** What the URI says, field by field. */
  public WalletAuthUri request() {
    return request;
  }

  /** The client's public key: the info event's {@code p} tag names it. */
  public String clientPubkey() {
    return keys.publicKeyHex();
  }

  /** The correlation value the wallet must echo in its info event's {@code state} tag. */
  public String state() {
    return request.state().orElseThrow();
  }

  /** When the request was made (by the builder's clock). */
  public Instant createdAt() {
    return createdAt;
  }

  /**
   * The client's secret key, 64 hex: the future connection's secret. Seal it before storing it,
   * never log it.
   */
  public String clientSecretHex() {
    return keys.secretKeyHex();
  }

  NostrKeys keys() {
    return keys;
  }

  @Override
  public String toString() {
    return "WalletAuthRequest[client="
        + clientPubkey()
        + ", relays="
        + request.relays()
        + ", maxAmountMsats="
        + request.maxAmountMsats()
        + ", secret=<redacted>]";
  }

  /**
   * Configures a request; each setter checks its argument at once (null: NPE, out of range: IAE).
   * {@link #relay} (one or more), {@link #name} and {@link #maxAmountMsats} are required.
   */
  public static final class Builder {
    private final List<URI> relays = new ArrayList<>();
    private String name;
    private String icon;
    private long maxAmountMsats;
    private BudgetRenewal renewal = BudgetRenewal.MONTHLY;
    private List<String> requestMethods = DEFAULT_REQUEST_METHODS;
    private List<String> notificationTypes = DEFAULT_NOTIFICATION_TYPES;
    private Instant expiresAt;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** A relay the client listens on for the wallet's answer ({@code ws://} or {@code wss://}). */
    public Builder relay(String url) {
      Objects.requireNonNull(url, "url");
      try {
        URI relay = RelayUrl.check(url);
        if (!relays.contains(relay)) {
          relays.add(relay);
        }
      } catch (RelayUrl.Malformed e) {
        throw new IllegalArgumentException("relay: " + e.getMessage());
      }
      return this;
    }

    /** The name the wallet shows, e.g. the host's service name. */
    public Builder name(String value) {
      Objects.requireNonNull(value, "name");
      if (value.isBlank() || value.length() > MAX_NAME_CHARS) {
        throw new IllegalArgumentException("name must be 1 to " + MAX_NAME_CHARS + " characters");
      }
      name = value.strip();
      return this;
    }

    /** The {@code https://} URL of an icon the wallet may show. Optional. */
    public Builder icon(String url) {
      Objects.requireNonNull(url, "icon");
      URI u;
      try {
        u = new URI(url);
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("icon must be an https:// URL");
      }
      if (!"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
        throw new IllegalArgumentException("icon must be an https:// URL");
      }
      icon = url;
      return this;
    }

    /** The spending limit per renewal period, in msats (see {@link WalletAuthBudget}). */
    public Builder maxAmountMsats(long value) {
      if (value <= 0) {
        throw new IllegalArgumentException("maxAmountMsats must be positive, got " + value);
      }
      maxAmountMsats = value;
      return this;
    }

    /** How often the limit starts again. Default {@link BudgetRenewal#MONTHLY}, as bills come. */
    public Builder budgetRenewal(BudgetRenewal value) {
      renewal = Objects.requireNonNull(value, "budgetRenewal");
      return this;
    }

    /** The methods the wallet must grant. Default {@link #DEFAULT_REQUEST_METHODS}. */
    public Builder requestMethods(String... methods) {
      requestMethods = names(methods, "requestMethods", false);
      return this;
    }

    /**
     * The notifications asked for; none is allowed. Default {@link #DEFAULT_NOTIFICATION_TYPES}.
     */
    public Builder notificationTypes(String... types) {
      notificationTypes = names(types, "notificationTypes", true);
      return this;
    }

    /** When the connection stops working. Optional: by default it does not expire. */
    public Builder expiresAt(Instant value) {
      expiresAt = Objects.requireNonNull(value, "expiresAt");
      return this;
    }

    /** Dates the request (info events much older than it are not believed). */
    public Builder clock(Clock value) {
      clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /**
     * Makes the request: a fresh client key pair and a fresh state, each time it is called.
     *
     * @throws IllegalStateException when a relay, the name or the spending limit is missing, or
     *     {@code pay_invoice} is not among the methods asked
     */
    public WalletAuthRequest build() {
      if (relays.isEmpty()) {
        throw new IllegalStateException("a walletauth request needs at least one relay");
      }
      if (name == null) {
        throw new IllegalStateException("a walletauth request needs the name the wallet shows");
      }
      if (maxAmountMsats == 0) {
        throw new IllegalStateException("a walletauth request needs maxAmountMsats (the budget)");
      }
      if (!requestMethods.contains("pay_invoice")) {
        throw new IllegalStateException("a tenant's wallet connection must ask for pay_invoice");
      }
      Instant now = clock.instant();
      if (expiresAt != null && !expiresAt.isAfter(now)) {
        throw new IllegalStateException("expiresAt must be in the future");
      }
      NostrKeys keys = NostrKeys.generate();
      byte[] state = new byte[STATE_BYTES];
      RANDOM.nextBytes(state);
      WalletAuthUri uri =
          new WalletAuthUri(
              keys.publicKeyHex(),
              relays,
              Optional.of(HexFormat.of().formatHex(state)),
              Optional.of(name),
              Optional.ofNullable(icon),
              requestMethods,
              List.of(),
              notificationTypes,
              OptionalLong.of(maxAmountMsats),
              Optional.of(renewal),
              Optional.ofNullable(expiresAt).map(t -> Instant.ofEpochSecond(t.getEpochSecond())),
              Optional.empty());
      return new WalletAuthRequest(keys, uri, now);
    }

    private static List<String> names(String[] values, String what, boolean emptyAllowed) {
      Objects.requireNonNull(values, what);
      if (values.length == 0 && !emptyAllowed) {
        throw new IllegalArgumentException(what + " must name at least one");
      }
      List<String> out = new ArrayList<>();
      for (String v : values) {
        Objects.requireNonNull(v, what);
        if (!v.matches("[a-z0-9_]{1,64}")) {
          throw new IllegalArgumentException(what + ": not a NIP-47 name: " + v);
        }
        if (!out.contains(v)) {
          out.add(v);
        }
      }
      return List.copyOf(out);
    }
  }
}
