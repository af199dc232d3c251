package dev.caravel.billing.nwc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravel.billing.nostr.Event;
import dev.caravel.billing.nostr.NostrKeys;
import dev.caravel.billing.nostr.protocol.ConversationKey;
import dev.caravel.billing.nostr.protocol.Nip04;
import dev.caravel.billing.nostr.protocol.Nip44;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The NIP-47 wire format: kinds, the info event, request content, which replies to believe. */
final class Nip47 {
  static final int INFO_KIND = 13194;
  static final int REQUEST_KIND = 23194;
  static final int RESPONSE_KIND = 23195;

  /** NIP-47 notifications: 23196 encrypted with NIP-04 (legacy), 23197 with NIP-44 v2. */
  static final int NOTIFICATION_KIND_NIP04 = 23196;

  static final int NOTIFICATION_KIND = 23197;

  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
          .build();

  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  private Nip47() {}

  /** The two encryptions NIP-47 knows, in this client's order of preference. */
  enum Encryption {
    NIP44_V2("nip44_v2"),
    NIP04("nip04");

    final String tag;

    Encryption(String tag) {
      this.tag = tag;
    }

    static Encryption ofTag(String tag) {
      for (Encryption e : values()) {
        if (e.tag.equals(tag)) {
          return e;
        }
      }
      return null;
    }

    String encrypt(NostrKeys keys, ConversationKey conversation, String walletPubkey, String text) {
      return this == NIP44_V2
          ? Nip44.encrypt(text, conversation)
          : Nip04.encrypt(keys, walletPubkey, text);
    }

    String decrypt(
        NostrKeys keys, ConversationKey conversation, String walletPubkey, String payload) {
      return this == NIP44_V2
          ? Nip44.decrypt(payload, conversation)
          : Nip04.decrypt(keys, walletPubkey, payload);
    }
  }

  /**
   * What the wallet's info event (kind 13194) says.
   *
   * @param methods the capabilities, e.g. {@code pay_invoice}
   * @param encryptions what the wallet accepts, as written; no tag means NIP-04 only
   * @param notifications notification types offered
   */
  record WalletInfo(Set<String> methods, List<String> encryptions, Set<String> notifications) {
    WalletInfo {
      methods = Collections.unmodifiableSet(new LinkedHashSet<>(methods));
      encryptions = List.copyOf(encryptions);
      notifications = Collections.unmodifiableSet(new LinkedHashSet<>(notifications));
    }

    static WalletInfo parse(Event info) {
      Set<String> methods = new LinkedHashSet<>(split(info.content()));
      List<String> encryptions =
          info.tags().stream()
              .filter(t -> t.size() >= 2 && t.get(0).equals("encryption"))
              .findFirst()
              .map(t -> split(t.get(1)))
              .orElse(List.of(Encryption.NIP04.tag));
      List<String> notifications =
          info.tags().stream()
              .filter(t -> t.size() >= 2 && t.get(0).equals("notifications"))
              .findFirst()
              .map(t -> split(t.get(1)))
              .orElse(List.of());
      return new WalletInfo(methods, encryptions, new LinkedHashSet<>(notifications));
    }

    /** NIP-44 v2 when offered, NIP-04 otherwise; none in common is an error. */
    Encryption preferred() {
      if (encryptions.contains(Encryption.NIP44_V2.tag)) {
        return Encryption.NIP44_V2;
      }
      if (encryptions.contains(Encryption.NIP04.tag)) {
        return Encryption.NIP04;
      }
      throw new NwcException(
          NwcException.Code.UNSUPPORTED_ENCRYPTION,
          "the wallet offers no encryption this client speaks (it offers " + encryptions + ")");
    }

    private static List<String> split(String s) {
      List<String> out = new ArrayList<>();
      // The spec separates with spaces; some wallets used commas.
      for (String part : s.split("[\\s,]+")) {
        if (!part.isEmpty() && part.length() <= 64) {
          out.add(part.toLowerCase(Locale.ROOT));
        }
      }
      return out;
    }
  }

  /** The plaintext of a request: {@code {"method": ..., "params": {...}}}. */
  static String requestJson(String method, ObjectNode params) {
    ObjectNode node = JSON.createObjectNode();
    node.put("method", method);
    node.set("params", params);
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Whether {@code event} may be the wallet's answer to request {@code requestId}: a kind 23195
   * event, signed by the wallet's key (the signature is checked here again), that names the request
   * in an {@code e} tag and, if it has a {@code p} tag, names this client. Anything else (another
   * author, another request, another kind, a bad signature) is not believed.
   */
  static boolean isResponseTo(
      Event event, String walletPubkey, String clientPubkey, String requestId) {
    return isResponseTo(event, walletPubkey, clientPubkey, Set.of(requestId));
  }

  /** As above, for a request sent as several events (any of {@code requestIds}). */
  static boolean isResponseTo(
      Event event, String walletPubkey, String clientPubkey, Set<String> requestIds) {
    if (event.kind() != RESPONSE_KIND || !event.pubkey().equals(walletPubkey)) {
      return false;
    }
    boolean referencesRequest = false;
    for (List<String> tag : event.tags()) {
      if (tag.size() >= 2 && tag.get(0).equals("e") && requestIds.contains(tag.get(1))) {
        referencesRequest = true;
      }
      if (tag.size() >= 2 && tag.get(0).equals("p") && !tag.get(1).equals(clientPubkey)) {
        return false;
      }
    }
    return referencesRequest && event.verify();
  }

  /**
   * Reads a decrypted reply: {@code {"result_type": method, "error": {...}|null, "result": {...}}}.
   */
  static Reply parseReply(String plaintext, String method) {
    JsonNode root;
    try {
      root = JSON.readTree(plaintext);
    } catch (JsonProcessingException e) {
      return new Reply.Malformed("the reply is not JSON");
    }
    if (root == null || !root.isObject()) {
      return new Reply.Malformed("the reply is not a JSON object");
    }
    JsonNode type = root.get("result_type");
    if (type != null && !type.isNull() && !method.equals(type.asText())) {
      return new Reply.Malformed("the reply is for " + safe(type.asText()) + ", not " + method);
    }
    JsonNode error = root.get("error");
    if (error != null && !error.isNull()) {
      if (!error.isObject()) {
        return new Reply.Malformed("the reply's error is not an object");
      }
      String code = error.path("code").asText("");
      String message = error.path("message").asText("");
      return new Reply.Err(code.isBlank() ? "OTHER" : safe(code), safe(message));
    }
    JsonNode result = root.get("result");
    if (result == null || !result.isObject()) {
      return new Reply.Malformed("the reply has neither a result nor an error");
    }
    return new Reply.Ok(result);
  }

  /** Lower-case hex sha256 of the 32 bytes {@code preimageHex}, or null when it is not 64 hex. */
  static String paymentHashOf(String preimageHex) {
    if (preimageHex == null) {
      return null;
    }
    String p = preimageHex.toLowerCase(Locale.ROOT);
    if (!HEX64.matcher(p).matches()) {
      return null;
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(HexFormat.of().parseHex(p));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean isHex64(String s) {
    return s != null && HEX64.matcher(s.toLowerCase(Locale.ROOT)).matches();
  }

  /** Wallet-supplied text shortened and stripped of control characters before it is kept. */
  /**
   * The payment hash a decrypted {@code payment_received} notification names, or null when it is
   * another notification, or its preimage (when present) does not hash to the payment hash.
   */
  static String paymentReceived(String plaintext) {
    JsonNode root;
    try {
      root = JSON.readTree(plaintext);
    } catch (JsonProcessingException e) {
      return null;
    }
    if (!"payment_received".equals(root.path("notification_type").asText(""))) {
      return null;
    }
    JsonNode n = root.path("notification");
    String hash = n.path("payment_hash").asText("").toLowerCase(java.util.Locale.ROOT);
    if (!hash.matches("[0-9a-f]{64}")) {
      return null;
    }
    String preimage = n.path("preimage").asText("");
    if (!preimage.isEmpty() && !hash.equals(paymentHashOf(preimage))) {
      return null;
    }
    return hash;
  }

  static String safe(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 300; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? ' ' : c);
    }
    return s.length() > 300 ? b + "..." : b.toString();
  }
}
