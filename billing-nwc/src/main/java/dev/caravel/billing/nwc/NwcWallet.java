package dev.caravel.billing.nwc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.LightningWallet;
import dev.caravel.billing.LightningWallet.LightningInvoice;
import dev.caravel.billing.LightningWallet.PayOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LightningWallet} over Nostr Wallet Connect (NIP-47).
 *
 * <p>Reads the wallet's info event (kind 13194) once per connection for its methods and encryption
 * (NIP-44 v2 when offered, NIP-04 otherwise). Every request is a kind 23194 event tagged {@code p},
 * {@code encryption} and {@code expiration}; the reply subscription is opened before the request is
 * published, and the only event believed is a kind 23195 event signed by the wallet's key that
 * names the request in an {@code e} tag (and, if it has a {@code p} tag, this client). Everything
 * else is ignored and logged.
 *
 * <p>Configure with {@link #builder(NwcUri)}; {@link Builder#relayPool} puts the wallet on the
 * host's shared relay pool (one connection per relay URL for the messenger and every wallet).
 *
 * <ul>
 *   <li>{@link #makeInvoice}: the amount asked is rounded <b>up</b> to whole sats (many wallets
 *       invoice only in sats): {@code ceil(msats / 1000) × 1000}. The invoice must be a BOLT11 for
 *       at least the msats asked and at most that rounded amount, whose payment hash is the one the
 *       wallet reports; the returned {@link LightningInvoice} carries the BOLT11's own msats and
 *       expiry.
 *   <li>{@link #payInvoice}: on a connection offering {@code get_budget}, a payment the budget left
 *       cannot cover is not sent: {@code Failed(QUOTA_EXCEEDED)}. {@code Paid} only with a preimage
 *       whose sha256 is the invoice's payment hash; {@code Failed} for an error the wallet is sure
 *       of (PAYMENT_FAILED, INSUFFICIENT_BALANCE, QUOTA_EXCEEDED, RESTRICTED, UNAUTHORIZED,
 *       RATE_LIMITED, NOT_IMPLEMENTED, ...) or a request that never left; {@code Unknown} for
 *       silence, a timeout, an INTERNAL/OTHER/unknown error, a missing or wrong preimage, or an
 *       unreadable reply: the payment may have gone through. A payment request is never sent twice.
 *   <li>{@link #isSettled}: settled when {@code state} is {@code settled} or {@code settled_at} is
 *       set; a preimage, when present, must hash to the payment hash; a missing preimage does not
 *       mean unpaid. A {@code payment_received} notification (kinds 23196/23197, used when the
 *       wallet's info offers them) already seen for the invoice answers without a round trip.
 * </ul>
 *
 * Errors are {@link NwcException}s with a typed {@link NwcException.Code}. Thread-safe. The client
 * secret never appears in logs, messages or {@link #toString()}.
 */
public final class NwcWallet implements LightningWallet {
  private static final Logger log = LoggerFactory.getLogger(NwcWallet.class);

  /** BOLT11 caps a description at 639 bytes. */
  static final int MAX_DESCRIPTION_BYTES = 639;

  /** Errors after which the wallet certainly did not pay. */
  private static final Set<NwcException.Code> CERTAIN_PAY_FAILURES =
      EnumSet.of(
          NwcException.Code.RATE_LIMITED,
          NwcException.Code.NOT_IMPLEMENTED,
          NwcException.Code.INSUFFICIENT_BALANCE,
          NwcException.Code.QUOTA_EXCEEDED,
          NwcException.Code.RESTRICTED,
          NwcException.Code.UNAUTHORIZED,
          NwcException.Code.PAYMENT_FAILED,
          NwcException.Code.NOT_FOUND,
          NwcException.Code.UNSUPPORTED_ENCRYPTION);

  /**
   * Timeouts and clock.
   *
   * @param replyTimeout how long a request waits for the wallet's reply (default 30 s)
   * @param infoTimeout how long reading the wallet's info event may take (default 10 s)
   * @param connectTimeout the WebSocket handshake timeout (default 10 s)
   * @param reconnectBackoffMax the longest pause between reconnect attempts (default 30 s)
   * @param clock dates requests and their expiration (default the system UTC clock)
   */
  record Options(
      Duration replyTimeout,
      Duration infoTimeout,
      Duration connectTimeout,
      Duration reconnectBackoffMax,
      Clock clock) {
    Options {
      positive(replyTimeout, "replyTimeout");
      positive(infoTimeout, "infoTimeout");
      positive(connectTimeout, "connectTimeout");
      positive(reconnectBackoffMax, "reconnectBackoffMax");
      Objects.requireNonNull(clock, "clock");
    }

    static Options defaults() {
      return new Options(
          Duration.ofSeconds(30),
          Duration.ofSeconds(10),
          Duration.ofSeconds(10),
          Duration.ofSeconds(30),
          Clock.systemUTC());
    }

    Options withReplyTimeout(Duration value) {
      return new Options(value, infoTimeout, connectTimeout, reconnectBackoffMax, clock);
    }

    Options withInfoTimeout(Duration value) {
      return new Options(replyTimeout, value, connectTimeout, reconnectBackoffMax, clock);
    }

    Options withConnectTimeout(Duration value) {
      return new Options(replyTimeout, infoTimeout, value, reconnectBackoffMax, clock);
    }

    Options withReconnectBackoffMax(Duration value) {
      return new Options(replyTimeout, infoTimeout, connectTimeout, value, clock);
    }

    Options withClock(Clock value) {
      return new Options(replyTimeout, infoTimeout, connectTimeout, reconnectBackoffMax, value);
    }

    /** A builder's check of a duration argument, shared by every NWC builder. */
    static Duration positive(Duration d, String what) {
      if (d == null) {
        throw new NullPointerException(what);
      }
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive");
      }
      return d;
    }
  }

  /**
   * What {@code get_info} says, plus the encryption in use.
   *
   * @param alias the node's alias, may be empty
   * @param network mainnet, testnet, signet or regtest, may be empty
   * @param nodePubkey the Lightning node's public key, may be empty
   * @param methods the methods this connection may use
   * @param encryption {@code nip44_v2} or {@code nip04}
   */
  public record Info(
      String alias, String network, String nodePubkey, List<String> methods, String encryption) {
    public Info {
      methods = List.copyOf(methods);
    }
  }

  /** Where a wallet gets its session from: its own, or a connector's shared one. */
  interface SessionSource {
    <T> T use(Function<NwcSession, T> work);

    String walletPubkey();

    void close();
  }

  private final SessionSource sessions;

  NwcWallet(SessionSource sessions) {
    this.sessions = sessions;
  }

  /**
   * Opens a wallet with the defaults, on its own connection; {@link #close()} closes it. The URI's
   * relays are dialled as a tenant's: {@code wss://} only, on public addresses only (see {@link
   * Builder#relayPool} for a relay the host configured).
   */
  public static NwcWallet connect(NwcUri uri) {
    return builder(uri).build();
  }

  /** Configures a wallet for {@code uri}. */
  public static Builder builder(NwcUri uri) {
    return new Builder(uri);
  }

  /** Opens a wallet on {@code ownPool}, which {@link #close()} closes with it. */
  static NwcWallet connect(
      NwcUri uri, Options options, dev.caravel.billing.nostr.RelayClient ownPool) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(ownPool, "ownPool");
    return of(new NwcSession(uri, options, ownPool, true, hash -> {}));
  }

  private static NwcWallet of(NwcSession session) {
    return new NwcWallet(
        new SessionSource() {
          @Override
          public <T> T use(Function<NwcSession, T> work) {
            return work.apply(session);
          }

          @Override
          public String walletPubkey() {
            return session.walletPubkey();
          }

          @Override
          public void close() {
            session.close();
          }
        });
  }

  @Override
  public LightningInvoice makeInvoice(long msats, String description, Duration expiry) {
    if (msats <= 0) {
      throw new InvalidInputException("msats must be positive, got " + msats);
    }
    String desc = description == null ? "" : description;
    if (desc.getBytes(StandardCharsets.UTF_8).length > MAX_DESCRIPTION_BYTES) {
      throw new InvalidInputException(
          "description must be at most " + MAX_DESCRIPTION_BYTES + " bytes of UTF-8");
    }
    if (expiry == null || expiry.isNegative() || expiry.isZero()) {
      throw new InvalidInputException("expiry must be positive");
    }
    long expirySeconds = Math.max(1, expiry.toSeconds() + (expiry.toNanosPart() > 0 ? 1 : 0));
    long asked = wholeSats(msats);
    ObjectNode params = Nip47.JSON.createObjectNode();
    params.put("amount", asked);
    params.put("description", desc);
    params.put("expiry", expirySeconds);
    JsonNode result = resultOf(call("make_invoice", params, true), "make_invoice");

    String bolt11 = result.path("invoice").asText("");
    if (bolt11.isBlank()) {
      throw bad("make_invoice", "the wallet's reply has no invoice");
    }
    Bolt11 decoded;
    try {
      decoded = Bolt11.decode(bolt11);
    } catch (InvalidInputException e) {
      throw bad("make_invoice", "the wallet made an invoice that is " + e.getMessage());
    }
    String reportedHash = result.path("payment_hash").asText("");
    if (!reportedHash.isEmpty() && !reportedHash.equalsIgnoreCase(decoded.paymentHash())) {
      throw bad("make_invoice", "the wallet's payment_hash is not the invoice's");
    }
    if (decoded.msats().isEmpty()
        || decoded.msats().get() < msats
        || decoded.msats().get() > asked) {
      throw bad(
          "make_invoice",
          "the wallet made an invoice for "
              + decoded.msats().map(m -> m + " msats").orElse("no amount")
              + ", not "
              + (asked == msats ? Long.toString(msats) : "between " + msats + " and " + asked));
    }
    long invoiced = decoded.msats().get();
    // The BOLT11 is what a payer sees: its own amount and expiry are the invoice's.
    long expiresAt = decoded.expiresAt();
    log.debug(
        "wallet {} made invoice {} for {} msats (asked {}), expiring at {}",
        sessions.walletPubkey(),
        decoded.paymentHash(),
        invoiced,
        msats,
        expiresAt);
    return new LightningInvoice(
        bolt11, decoded.paymentHash(), invoiced, Instant.ofEpochSecond(expiresAt));
  }

  /** {@code msats} rounded up to whole sats: the amount {@link #makeInvoice} asks for. */
  static long wholeSats(long msats) {
    long sats = msats / 1000 + (msats % 1000 == 0 ? 0 : 1);
    return Math.multiplyExact(sats, 1000L);
  }

  @Override
  public PayOutcome payInvoice(String bolt11) {
    Bolt11 decoded = Bolt11.decode(bolt11);
    if (decoded.msats().isEmpty()) {
      throw new InvalidInputException(
          "the invoice has no amount; this wallet pays only invoices with one");
    }
    long msats = decoded.msats().get();
    Optional<PayOutcome> overBudget = sessions.use(session -> BudgetGate.refusal(session, msats));
    if (overBudget.isPresent()) {
      return overBudget.get();
    }
    ObjectNode params = Nip47.JSON.createObjectNode();
    params.put("invoice", Bolt11.normalize(bolt11));
    Reply reply;
    try {
      reply = call("pay_invoice", params, false);
    } catch (NwcException e) {
      // The wallet's info could not be read: the request was never sent.
      return new PayOutcome.Failed(e.code(), "payment not attempted: " + e.getMessage());
    }
    PayOutcome outcome = payOutcome(reply, decoded.paymentHash());
    log.debug(
        "wallet {} pay_invoice {}: {}",
        sessions.walletPubkey(),
        decoded.paymentHash(),
        outcome.getClass().getSimpleName());
    return outcome;
  }

  static PayOutcome payOutcome(Reply reply, String paymentHash) {
    if (reply instanceof Reply.Ok ok) {
      String preimage = ok.result().path("preimage").asText("");
      if (preimage.isEmpty()) {
        return new PayOutcome.Unknown("the wallet reported success without a preimage");
      }
      if (!paymentHash.equals(Nip47.paymentHashOf(preimage))) {
        return new PayOutcome.Unknown(
            "the wallet reported success with a preimage that does not match the payment hash");
      }
      return new PayOutcome.Paid(preimage.toLowerCase(Locale.ROOT));
    } else if (reply instanceof Reply.Err err) {
      NwcException.Code code = NwcException.Code.ofWallet(err.code());
      String message = err.code() + ": " + err.message();
      if (err.local() || CERTAIN_PAY_FAILURES.contains(code)) {
        return new PayOutcome.Failed(err.code(), message);
      }
      return new PayOutcome.Unknown(
          "the wallet answered " + message + "; the payment may have gone through");
    } else if (reply instanceof Reply.NoReply none) {
      return new PayOutcome.Unknown(none.why());
    } else if (reply instanceof Reply.NotDelivered nd) {
      return new PayOutcome.Failed(NwcException.Code.NOT_DELIVERED.name(), nd.why());
    } else {
      return new PayOutcome.Unknown(((Reply.Malformed) reply).why());
    }
  }

  @Override
  public boolean isSettled(String bolt11) {
    Bolt11 decoded = Bolt11.decode(bolt11);
    if (sessions.use(session -> session.notifiedPaid(decoded.paymentHash()))) {
      log.debug(
          "invoice {} settled, as the wallet's payment_received notification said",
          decoded.paymentHash());
      return true;
    }
    ObjectNode params = Nip47.JSON.createObjectNode();
    params.put("payment_hash", decoded.paymentHash());
    params.put("invoice", Bolt11.normalize(bolt11));
    JsonNode tx = resultOf(call("lookup_invoice", params, true), "lookup_invoice");
    return settled(tx, decoded.paymentHash());
  }

  /**
   * The settlement rule over a {@code lookup_invoice} result.
   *
   * @throws NwcException BAD_RESPONSE when the result describes another invoice, carries a preimage
   *     that does not hash to the payment hash, or contradicts itself
   */
  static boolean settled(JsonNode tx, String paymentHash) {
    String hash = tx.path("payment_hash").asText("");
    if (!hash.isEmpty() && !hash.equalsIgnoreCase(paymentHash)) {
      throw bad("lookup_invoice", "the wallet described another invoice");
    }
    String state =
        tx.path("state").isTextual() ? tx.path("state").asText().toLowerCase(Locale.ROOT) : "";
    JsonNode settledAtNode = tx.get("settled_at");
    boolean settledAt =
        settledAtNode != null
            && settledAtNode.isNumber()
            && settledAtNode.decimalValue().signum() > 0;
    String preimage = tx.path("preimage").isTextual() ? tx.path("preimage").asText() : "";
    if (!preimage.isEmpty() && !paymentHash.equals(Nip47.paymentHashOf(preimage))) {
      throw bad("lookup_invoice", "the wallet's preimage does not hash to the payment hash");
    }
    if (settledAt && !state.isEmpty() && !state.equals("settled")) {
      throw bad("lookup_invoice", "the wallet says both " + Nip47.safe(state) + " and settled_at");
    }
    return state.equals("settled") || settledAt;
  }

  /**
   * The wallet's {@code get_info}; for a connection that does not offer {@code get_info} (a
   * restricted one), what its kind 13194 info event says (alias, network and node empty).
   */
  public Info getInfo() {
    return sessions.use(
        session -> {
          Nip47.WalletInfo event = session.info();
          if (!event.methods().contains("get_info")) {
            return new Info("", "", "", List.copyOf(event.methods()), event.preferred().tag);
          }
          Reply reply = session.call("get_info", Nip47.JSON.createObjectNode(), true);
          JsonNode result = resultOf(reply, "get_info");
          List<String> methods = new ArrayList<>();
          if (result.path("methods").isArray()) {
            result.path("methods").forEach(m -> methods.add(Nip47.safe(m.asText())));
          } else {
            methods.addAll(session.info().methods());
          }
          return new Info(
              Nip47.safe(result.path("alias").asText("")),
              Nip47.safe(result.path("network").asText("")),
              Nip47.safe(result.path("pubkey").asText("")),
              methods,
              session.info().preferred().tag);
        });
  }

  /** The wallet's balance in msats ({@code get_balance}). */
  public long getBalanceMsats() {
    JsonNode result =
        resultOf(call("get_balance", Nip47.JSON.createObjectNode(), true), "get_balance");
    JsonNode balance = result.get("balance");
    if (balance == null
        || !balance.isIntegralNumber()
        || !balance.canConvertToLong()
        || balance.longValue() < 0) {
      throw bad("get_balance", "the wallet's balance is not a non-negative whole number of msats");
    }
    return balance.longValue();
  }

  /**
   * The connection's budget ({@code get_budget}): empty when the wallet says the connection has
   * none (an empty result).
   *
   * @throws NwcException {@code NOT_IMPLEMENTED} when the connection does not offer {@code
   *     get_budget}; {@code BAD_RESPONSE} when the amounts are not whole msats
   */
  public Optional<NwcBudget> getBudget() {
    JsonNode result =
        resultOf(call("get_budget", Nip47.JSON.createObjectNode(), true), "get_budget");
    return NwcBudget.ofResult(result);
  }

  /** The wallet service's public key (not secret). */
  public String walletPubkey() {
    return sessions.walletPubkey();
  }

  /**
   * Closes this wallet's own connection. A wallet from {@link NwcWalletConnector} shares its
   * connection, which the connector closes when idle or on its own close: this does nothing.
   */
  @Override
  public void close() {
    sessions.close();
  }

  @Override
  public String toString() {
    return "NwcWallet[wallet=" + sessions.walletPubkey() + "]";
  }

  private Reply call(String method, ObjectNode params, boolean retryable) {
    return sessions.use(session -> session.call(method, params, retryable));
  }

  private static JsonNode resultOf(Reply reply, String method) {
    if (reply instanceof Reply.Ok ok) {
      return ok.result();
    } else if (reply instanceof Reply.Err err) {
      NwcException.Code code =
          err.local() ? NwcException.Code.NOT_IMPLEMENTED : NwcException.Code.ofWallet(err.code());
      return throwing(
          new NwcException(
              code, err.code(), method + " failed: " + err.code() + ": " + err.message()));
    } else if (reply instanceof Reply.NoReply none) {
      return throwing(new NwcException(NwcException.Code.TIMEOUT, none.why()));
    } else if (reply instanceof Reply.NotDelivered nd) {
      return throwing(new NwcException(NwcException.Code.NOT_DELIVERED, nd.why()));
    } else {
      return throwing(bad(method, ((Reply.Malformed) reply).why()));
    }
  }

  private static JsonNode throwing(NwcException e) {
    throw e;
  }

  private static NwcException bad(String method, String why) {
    return new NwcException(NwcException.Code.BAD_RESPONSE, method + ": " + why);
  }

  /**
   * Configures an {@link NwcWallet}. Setters check their argument at once; {@link #build()} opens
   * nothing until the first request.
   */
  public static final class Builder {
    private final NwcUri uri;
    private Options options = Options.defaults();
    private dev.caravel.billing.nostr.RelayClient pool;
    private java.util.function.Consumer<String> onPaymentReceived = hash -> {};

    private Builder(NwcUri uri) {
      this.uri = Objects.requireNonNull(uri, "uri");
    }

    /** How long a request waits for the wallet's reply, retries included. Default 30 s. */
    public Builder replyTimeout(Duration value) {
      options = options.withReplyTimeout(Options.positive(value, "replyTimeout"));
      return this;
    }

    /** How long reading the wallet's info event may take. Default 10 s. */
    public Builder infoTimeout(Duration value) {
      options = options.withInfoTimeout(Options.positive(value, "infoTimeout"));
      return this;
    }

    /** WebSocket handshake timeout of the wallet's own pool. Default 10 s. */
    public Builder connectTimeout(Duration value) {
      options = options.withConnectTimeout(Options.positive(value, "connectTimeout"));
      return this;
    }

    /** The longest pause between reconnects of the wallet's own pool. Default 30 s. */
    public Builder reconnectBackoffMax(Duration value) {
      options = options.withReconnectBackoffMax(Options.positive(value, "reconnectBackoffMax"));
      return this;
    }

    /** Dates requests and their expiration. Default the system UTC clock. */
    public Builder clock(Clock value) {
      options = options.withClock(Objects.requireNonNull(value, "clock"));
      return this;
    }

    /**
     * The host's shared relay pool; the wallet neither closes it nor treats the URI's relays as
     * configured ones: the pool's address rules apply to them unless its builder configured or
     * trusts them ({@code relay(url)}, {@code trustedRelay(url)}), which is how the service's own
     * wallet may use a relay on a private network. Without one, the wallet has its own pool, closed
     * with the wallet, whose rules apply to every relay of the URI.
     */
    public Builder relayPool(dev.caravel.billing.nostr.RelayClient value) {
      pool = Objects.requireNonNull(value, "pool");
      return this;
    }

    /** Called with the payment hash of each {@code payment_received} notification. */
    public Builder onPaymentReceived(java.util.function.Consumer<String> handler) {
      onPaymentReceived = Objects.requireNonNull(handler, "handler");
      return this;
    }

    public NwcWallet build() {
      return pool == null
          ? of(
              new NwcSession(
                  uri, options, NwcSession.ownPool(options).build(), true, onPaymentReceived))
          : of(new NwcSession(uri, options, pool, false, onPaymentReceived));
    }
  }
}
