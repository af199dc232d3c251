package dev.caravel.billing.nwc;

import dev.caravel.billing.InvalidInputException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A client-initiated connection request, {@code nostr+walletauth://<client pubkey>?relay=...}
 * (NWC-08, "Nostr Wallet Auth"): what a wallet reads from the QR code. It holds public values only
 * (the client's secret never leaves the client), so every part of it may be shown and logged.
 *
 * <p>{@link #toUri()} writes NWC-08's names ({@code state}, {@code request_methods}, {@code
 * notification_types}, {@code max_amount}, {@code renewal_period}) and also {@code budget_renewal},
 * the name Alby's SDK ({@code NWAClient}) and the wallets built on it read. {@link #parse} reads
 * those and the older names wallets still meet: {@code budget_renewal}; NIP-67's {@code
 * required_commands}, {@code optional_commands}, {@code budget=<sats>/<period>} and {@code secret}
 * (its correlation value, read as the state).
 *
 * @param clientPubkey the client's public key: 64 lower-case hex, a point on secp256k1
 * @param relays where the client listens, at least one, in order, without duplicates
 * @param state the correlation value the wallet must echo in its info event (lower-case hex)
 * @param name the client app's name, shown by the wallet
 * @param icon an {@code https://} URL of the client app's icon
 * @param requestMethods the methods the connection must grant, e.g. {@code pay_invoice}
 * @param optionalRequestMethods methods the client can do without
 * @param notificationTypes the notifications the client asks for
 * @param maxAmountMsats the spending limit per renewal period, in msats
 * @param budgetRenewal how often the limit starts again (meaningful only with a limit)
 * @param expiresAt when the connection stops working
 * @param walletName the wallet a {@code nostr+walletauth+<name>://} URI is meant for
 */
public record WalletAuthUri(
    String clientPubkey,
    List<URI> relays,
    Optional<String> state,
    Optional<String> name,
    Optional<String> icon,
    List<String> requestMethods,
    List<String> optionalRequestMethods,
    List<String> notificationTypes,
    OptionalLong maxAmountMsats,
    Optional<BudgetRenewal> budgetRenewal,
    Optional<Instant> expiresAt,
    Optional<String> walletName) {

  /** Longer URIs are refused unread. */
  static final int MAX_LENGTH = 4096;

  private static final Pattern HEX = Pattern.compile("[0-9a-f]+");
  private static final Pattern WORD = Pattern.compile("[a-z0-9_]{1,64}");
  private static final Pattern WALLET_NAME = Pattern.compile("[a-z0-9]{1,32}");
  private static final String SCHEME = "nostr+walletauth";

  public WalletAuthUri {
    Objects.requireNonNull(clientPubkey, "clientPubkey");
    relays = List.copyOf(new LinkedHashSet<>(Objects.requireNonNull(relays, "relays")));
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(icon, "icon");
    requestMethods = words(requestMethods, "requestMethods");
    optionalRequestMethods = words(optionalRequestMethods, "optionalRequestMethods");
    notificationTypes = words(notificationTypes, "notificationTypes");
    Objects.requireNonNull(maxAmountMsats, "maxAmountMsats");
    Objects.requireNonNull(budgetRenewal, "budgetRenewal");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(walletName, "walletName");
    if (!Nip47.isHex64(clientPubkey)
        || !clientPubkey.equals(clientPubkey.toLowerCase(Locale.ROOT))) {
      throw invalid("the client public key must be 64 lower-case hex characters");
    }
    try {
      dev.caravel.billing.nostr.protocol.Nip19.publicKeyHex(clientPubkey);
    } catch (RuntimeException e) {
      throw invalid("the client public key is not a point on secp256k1");
    }
    if (relays.isEmpty()) {
      throw invalid("it has no relay");
    }
    for (URI relay : relays) {
      try {
        RelayUrl.check(relay.toString());
      } catch (RelayUrl.Malformed e) {
        throw invalid(e.getMessage());
      }
    }
    if (state.isPresent() && (state.get().isEmpty() || !HEX.matcher(state.get()).matches())) {
      throw invalid("the state must be lower-case hex");
    }
    if (maxAmountMsats.isPresent() && maxAmountMsats.getAsLong() <= 0) {
      throw invalid("max_amount must be a positive number of msats");
    }
    if (icon.isPresent() && !isHttps(icon.get())) {
      throw invalid("the icon must be an https:// URL");
    }
    if (walletName.isPresent() && !WALLET_NAME.matcher(walletName.get()).matches()) {
      throw invalid("the wallet name must be lower-case letters and digits");
    }
  }

  /**
   * Reads a wallet auth URI: {@code nostr+walletauth://}, {@code nostr+walletauth:} or {@code
   * nostr+walletauth+<wallet>://}; values are form-decoded, as {@code URLSearchParams} does (a
   * {@code +} is a space). Unknown parameters are ignored.
   *
   * @throws InvalidInputException saying what is wrong when it is malformed
   */
  public static WalletAuthUri parse(String uri) {
    if (uri == null || uri.isBlank()) {
      throw invalid("it is empty");
    }
    if (uri.length() > MAX_LENGTH) {
      throw invalid("it is longer than " + MAX_LENGTH + " characters");
    }
    String s = uri.strip();
    int colon = s.indexOf(':');
    String scheme = colon < 0 ? "" : s.substring(0, colon).toLowerCase(Locale.ROOT);
    Optional<String> walletName = Optional.empty();
    if (scheme.startsWith(SCHEME + "+")) {
      walletName = Optional.of(scheme.substring(SCHEME.length() + 1));
    } else if (!scheme.equals(SCHEME)) {
      throw invalid("it must start with nostr+walletauth://");
    }
    String rest = s.substring(colon + 1);
    if (rest.startsWith("//")) {
      rest = rest.substring(2);
    }
    int q = rest.indexOf('?');
    if (q < 0) {
      throw invalid("it has no query (at least one relay is required)");
    }
    String pubkey = rest.substring(0, q);
    if (pubkey.endsWith("/")) {
      pubkey = pubkey.substring(0, pubkey.length() - 1);
    }
    if (!Nip47.isHex64(pubkey)) {
      throw invalid("the client public key must be 64 hex characters");
    }
    String query = rest.substring(q + 1);
    int hash = query.indexOf('#');
    if (hash >= 0) {
      query = query.substring(0, hash);
    }
    Fields f = new Fields();
    for (String pair : query.split("&", -1)) {
      if (!pair.isEmpty()) {
        int eq = pair.indexOf('=');
        f.read(
            decode(eq < 0 ? pair : pair.substring(0, eq)),
            eq < 0 ? "" : decode(pair.substring(eq + 1)));
      }
    }
    f.finish();
    return new WalletAuthUri(
        pubkey.toLowerCase(Locale.ROOT),
        f.relays,
        Optional.ofNullable(f.state),
        Optional.ofNullable(f.name),
        Optional.ofNullable(f.icon),
        f.requestMethods,
        f.optionalMethods,
        f.notificationTypes,
        f.maxAmount == null ? OptionalLong.empty() : OptionalLong.of(f.maxAmount),
        Optional.ofNullable(f.renewal),
        Optional.ofNullable(f.expiresAt),
        walletName);
  }

  /**
   * The URI a wallet reads: {@code nostr+walletauth://<client pubkey>?relay=...&state=...
   * &request_methods=...&notification_types=...&max_amount=...&budget_renewal=...
   * &renewal_period=...&name=...&icon=...}, values percent-encoded with {@code %20} for a space.
   */
  public String toUri() {
    StringBuilder b = new StringBuilder(SCHEME);
    walletName.ifPresent(w -> b.append('+').append(w));
    b.append("://").append(clientPubkey).append('?');
    List<String> params = new ArrayList<>();
    relays.forEach(r -> params.add("relay=" + UriText.encode(r.toString())));
    state.ifPresent(v -> params.add("state=" + v));
    if (!requestMethods.isEmpty()) {
      params.add("request_methods=" + UriText.encode(String.join(" ", requestMethods)));
    }
    if (!optionalRequestMethods.isEmpty()) {
      params.add(
          "optional_request_methods=" + UriText.encode(String.join(" ", optionalRequestMethods)));
    }
    if (!notificationTypes.isEmpty()) {
      params.add("notification_types=" + UriText.encode(String.join(" ", notificationTypes)));
    }
    maxAmountMsats.ifPresent(m -> params.add("max_amount=" + m));
    // Both names: NWC-08 says renewal_period; Alby's SDK and the wallets on it read
    // budget_renewal. A wallet ignores the one it does not know.
    budgetRenewal.ifPresent(
        r -> {
          params.add("budget_renewal=" + r.wire());
          params.add("renewal_period=" + r.wire());
        });
    expiresAt.ifPresent(t -> params.add("expires_at=" + t.getEpochSecond()));
    name.ifPresent(v -> params.add("name=" + UriText.encode(v)));
    icon.ifPresent(v -> params.add("icon=" + UriText.encode(v)));
    return b.append(String.join("&", params)).toString();
  }

  @Override
  public String toString() {
    return toUri();
  }

  /** The query parameters as read, the current names winning over the older ones. */
  private static final class Fields {
    final List<URI> relays = new ArrayList<>();
    String state;
    String legacySecret;
    String name;
    String icon;
    List<String> requestMethods = List.of();
    List<String> legacyRequired;
    List<String> optionalMethods = List.of();
    List<String> legacyOptional;
    List<String> notificationTypes = List.of();
    Long maxAmount;
    BudgetRenewal renewal;
    Long legacyMax;
    BudgetRenewal legacyRenewal;
    Instant expiresAt;

    void read(String key, String value) {
      switch (key) {
        case "relay" -> relays.add(relay(value));
        case "state" -> state = once(state, hexValue(value, "state"), "state");
        case "secret" -> legacySecret = hexValue(value, "secret");
        case "name" -> name = value.isBlank() ? null : value.strip();
        case "icon" -> icon = value.isBlank() ? null : value.strip();
        case "request_methods" -> requestMethods = list(value, "request_methods");
        case "required_commands" -> legacyRequired = list(value, "required_commands");
        case "optional_request_methods" ->
            optionalMethods = list(value, "optional_request_methods");
        case "optional_commands" -> legacyOptional = list(value, "optional_commands");
        case "notification_types" -> notificationTypes = list(value, "notification_types");
        case "max_amount" ->
            maxAmount = once(maxAmount, positive(value, "max_amount"), "max_amount");
        case "renewal_period", "budget_renewal" -> renewal = renewal(value, key);
        case "budget" -> legacyBudget(value);
        case "expires_at" -> expiresAt = Instant.ofEpochSecond(positive(value, "expires_at"));
        default -> {
          // return_to, isolated, metadata, identity, ...: not this library's concern
        }
      }
    }

    /** The older names count only where the current ones are missing. */
    Fields finish() {
      if (state == null) {
        state = legacySecret;
      }
      if (requestMethods.isEmpty() && legacyRequired != null) {
        requestMethods = legacyRequired;
      }
      if (optionalMethods.isEmpty() && legacyOptional != null) {
        optionalMethods = legacyOptional;
      }
      if (maxAmount == null && legacyMax != null) {
        maxAmount = legacyMax;
        renewal = renewal == null ? legacyRenewal : renewal;
      }
      return this;
    }

    private BudgetRenewal renewal(String value, String key) {
      BudgetRenewal r;
      try {
        r = BudgetRenewal.ofWire(value);
      } catch (InvalidInputException e) {
        throw invalid(key + " must be never, daily, weekly, monthly or yearly");
      }
      if (renewal != null && renewal != r) {
        throw invalid("renewal_period and budget_renewal disagree");
      }
      return r;
    }

    /** NIP-67: {@code budget=<sats>/<period>}, e.g. {@code 10000/daily}. */
    private void legacyBudget(String value) {
      int slash = value.indexOf('/');
      if (slash < 0) {
        throw invalid("budget must read <sats>/<period>");
      }
      long sats = positive(value.substring(0, slash), "budget");
      if (sats > Long.MAX_VALUE / 1000) {
        throw invalid("budget is too large");
      }
      String period = value.substring(slash + 1).toLowerCase(Locale.ROOT);
      // NIP-67's examples also wrote day, week, month, year.
      String wire = period.endsWith("ly") || period.equals("never") ? period : period + "ly";
      BudgetRenewal r;
      try {
        r = BudgetRenewal.ofWire(wire.equals("dayly") ? "daily" : wire);
      } catch (InvalidInputException e) {
        throw invalid("budget's period must be never, daily, weekly, monthly or yearly");
      }
      legacyMax = sats * 1000;
      legacyRenewal = r;
    }
  }

  private static URI relay(String value) {
    try {
      return RelayUrl.check(value);
    } catch (RelayUrl.Malformed e) {
      throw invalid(e.getMessage());
    }
  }

  private static <T> T once(T before, T value, String key) {
    if (before != null && !before.equals(value)) {
      throw invalid("it has more than one " + key);
    }
    return value;
  }

  private static String hexValue(String value, String key) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.isEmpty() || v.length() > 128 || !HEX.matcher(v).matches()) {
      throw invalid(key + " must be hex");
    }
    return v;
  }

  private static long positive(String value, String key) {
    try {
      long n = Long.parseLong(value.strip());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw invalid(key + " must be a positive whole number");
  }

  private static List<String> list(String value, String key) {
    List<String> out = new ArrayList<>();
    // Space-separated as specified; some writers used commas.
    for (String part : value.split("[\\s,]+")) {
      if (!part.isEmpty()) {
        String w = part.toLowerCase(Locale.ROOT);
        if (!WORD.matcher(w).matches()) {
          throw invalid(key + " has an entry that is not a method or notification name");
        }
        out.add(w);
      }
    }
    return out;
  }

  private static List<String> words(List<String> values, String what) {
    Objects.requireNonNull(values, what);
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String v : values) {
      if (v == null || !WORD.matcher(v).matches()) {
        throw invalid(what + " must be lower-case method or notification names");
      }
      out.add(v);
    }
    return List.copyOf(out);
  }

  private static boolean isHttps(String value) {
    try {
      URI u = new URI(value);
      return "https".equalsIgnoreCase(u.getScheme()) && u.getHost() != null;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static String decode(String raw) {
    try {
      return UriText.formDecode(raw);
    } catch (IllegalArgumentException e) {
      throw invalid("a value is not valid percent-encoding");
    }
  }

  private static InvalidInputException invalid(String why) {
    return new InvalidInputException("malformed walletauth URI: " + why);
  }
}
