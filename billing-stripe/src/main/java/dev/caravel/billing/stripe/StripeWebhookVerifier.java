package dev.caravel.billing.stripe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravel.billing.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies a Stripe webhook delivery and reads its event. Stripe signs {@code "<t>.<raw body>"}
 * with HMAC-SHA256 under the endpoint's signing secret ({@code whsec_...}) and sends {@code
 * Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]} (several {@code v1} while a secret is
 * being rolled). Pass the raw body exactly as received: re-serialised JSON will not match.
 * Thread-safe; the secret never appears in {@link #toString()} or in messages.
 *
 * <pre>{@code
 * StripeWebhookVerifier webhooks = StripeWebhookVerifier.of(System.getenv("STRIPE_WEBHOOK_SECRET"));
 * StripeEvent event = webhooks.verify(rawBody, request.header("Stripe-Signature"));
 * }</pre>
 */
public final class StripeWebhookVerifier {
  /** Stripe's recommended replay window. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  private static final String HMAC = "HmacSHA256";
  private static final int MAX_HEADER_LENGTH = 8192;

  private final SecretKeySpec key;
  private final Duration tolerance;
  private final Clock clock;

  private StripeWebhookVerifier(String endpointSecret, Duration tolerance, Clock clock) {
    if (endpointSecret == null || endpointSecret.isBlank()) {
      throw new InvalidInputException("webhook signing secret must not be blank");
    }
    if (tolerance == null || tolerance.isNegative() || tolerance.isZero()) {
      throw new InvalidInputException("webhook tolerance must be positive, got " + tolerance);
    }
    // Stripe's libraries use the whole secret, "whsec_" prefix included, as the HMAC key.
    this.key = new SecretKeySpec(endpointSecret.getBytes(StandardCharsets.UTF_8), HMAC);
    this.tolerance = tolerance;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Five minutes' tolerance against the system clock. */
  public static StripeWebhookVerifier of(String endpointSecret) {
    return new StripeWebhookVerifier(endpointSecret, DEFAULT_TOLERANCE, Clock.systemUTC());
  }

  /** A timestamp more than {@code tolerance} away from {@code clock} (either way) is refused. */
  public static StripeWebhookVerifier of(String endpointSecret, Duration tolerance, Clock clock) {
    return new StripeWebhookVerifier(endpointSecret, tolerance, clock);
  }

  /** {@link #verify(byte[], String)} for a body already held as text (UTF-8 on the wire). */
  public StripeEvent verify(String payload, String signatureHeader) {
    Objects.requireNonNull(payload, "payload");
    return verify(payload.getBytes(StandardCharsets.UTF_8), signatureHeader);
  }

  /**
   * Checks the signature, then the timestamp, then reads the event.
   *
   * @throws StripeWebhookException the delivery is not proven to come from Stripe, is stale, or its
   *     body is not an event
   */
  public StripeEvent verify(byte[] payload, String signatureHeader) {
    Objects.requireNonNull(payload, "payload");
    Header header = Header.parse(signatureHeader);
    byte[] expected = sign(header.timestamp(), payload);
    boolean matched = false;
    for (byte[] candidate : header.signatures()) {
      // Constant-time per candidate; which of the sender's own candidates matched is no secret.
      matched |= MessageDigest.isEqual(expected, candidate);
    }
    if (!matched) {
      throw new StripeWebhookException("no v1 signature in Stripe-Signature matches the payload");
    }
    // The past is bounded against replays (as stripe-java does). A timestamp ahead of our clock
    // is clock skew between Stripe and this host, accepted within the same tolerance.
    long age = clock.instant().getEpochSecond() - header.seconds();
    if (age > tolerance.getSeconds()) {
      throw new StripeWebhookException(
          "webhook timestamp is "
              + age
              + " s old, beyond the tolerance of "
              + tolerance.getSeconds()
              + " s (a replay, or a delivery held too long)");
    }
    if (-age > tolerance.getSeconds()) {
      throw new StripeWebhookException(
          "webhook timestamp is "
              + (-age)
              + " s ahead of this host's clock, beyond the tolerance of "
              + tolerance.getSeconds()
              + " s (is the host's clock right?)");
    }
    return parseEvent(new String(payload, StandardCharsets.UTF_8));
  }

  private byte[] sign(String timestamp, byte[] payload) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return mac.doFinal(payload);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }

  static StripeEvent parseEvent(String body) {
    JsonNode event =
        Json.parse(body)
            .orElseThrow(() -> new StripeWebhookException("webhook body is not a JSON object"));
    String id =
        Json.text(event, "id")
            .orElseThrow(() -> new StripeWebhookException("webhook event has no id"));
    String type =
        Json.text(event, "type")
            .orElseThrow(() -> new StripeWebhookException("webhook event " + id + " has no type"));
    Optional<String> apiVersion = Json.text(event, "api_version");
    boolean livemode = event.path("livemode").asBoolean(false);
    JsonNode object = event.path("data").path("object");
    if (type.equals("charge.refunded")) {
      String chargeId = objectId(object, "charge", id, type);
      String currency = Json.text(object, "currency").orElse("");
      return new StripeEvent.ChargeRefunded(
          id,
          apiVersion,
          chargeId,
          Json.id(object, "payment_intent"),
          Json.text(object.path("metadata"), "invoice_id"),
          ledger(amount(object, "amount", id), currency),
          ledger(amount(object, "amount_refunded", id), currency),
          currency,
          livemode);
    }
    if (type.equals("charge.dispute.created")) {
      String disputeId = objectId(object, "dispute", id, type);
      String currency = Json.text(object, "currency").orElse("");
      String chargeId =
          Json.id(object, "charge")
              .orElseThrow(
                  () -> new StripeWebhookException("event " + id + ": dispute names no charge"));
      return new StripeEvent.DisputeCreated(
          id,
          apiVersion,
          disputeId,
          chargeId,
          Json.id(object, "payment_intent"),
          ledger(amount(object, "amount", id), currency),
          currency,
          Json.text(object, "reason").orElse("general"),
          livemode);
    }
    if (type.equals("checkout.session.completed")) {
      return new StripeEvent.CheckoutSessionCompleted(
          id,
          apiVersion,
          objectId(object, "checkout.session", id, type),
          Json.text(object, "mode").orElse(""),
          Json.text(object, "status").orElse(""),
          Json.id(object, "customer"),
          Json.id(object, "setup_intent"),
          Json.text(object.path("metadata"), StripeCards.PURPOSE_KEY),
          livemode);
    }
    Optional<StripeEvent.IntentStatus> status = StripeEvent.IntentStatus.ofEventType(type);
    if (status.isEmpty()) {
      return new StripeEvent.Other(id, type, apiVersion);
    }
    String intentId = objectId(object, "payment_intent", id, type);
    String currency = Json.text(object, "currency").orElse("");
    return new StripeEvent.PaymentIntentEvent(
        id,
        type,
        apiVersion,
        status.get(),
        intentId,
        Json.text(object.path("metadata"), "invoice_id"),
        Json.text(object.path("metadata"), "round"),
        ledger(amount(object, "amount", id), currency),
        currency,
        livemode,
        Outcomes.fromIntent(object));
  }

  private static String objectId(JsonNode object, String kind, String eventId, String type) {
    return Json.text(object, "id")
        .filter(x -> kind.equals(Json.text(object, "object").orElse(kind)))
        .orElseThrow(
            () ->
                new StripeWebhookException(
                    "event " + eventId + " (" + type + ") carries no " + kind));
  }

  private static long amount(JsonNode object, String field, String eventId) {
    JsonNode amount = object.get(field);
    if (amount == null || !amount.canConvertToLong()) {
      throw new StripeWebhookException("event " + eventId + ": " + field + " is not an integer");
    }
    return amount.asLong();
  }

  // Stripe's units back to the ledger's (ISK ÷100, MGA ×100); an unknown currency is left as sent.
  private static long ledger(long stripeAmount, String currency) {
    try {
      return StripeCurrency.toLedger(stripeAmount, currency);
    } catch (InvalidInputException e) {
      return stripeAmount;
    }
  }

  @Override
  public String toString() {
    return "StripeWebhookVerifier[tolerance=" + tolerance + ", secret=<redacted>]";
  }

  /** {@code t=...,v1=...[,v1=...]}; other schemes (v0) and unknown items are ignored. */
  private record Header(String timestamp, long seconds, List<byte[]> signatures) {
    static Header parse(String header) {
      if (header == null || header.isBlank()) {
        throw new StripeWebhookException("missing Stripe-Signature header");
      }
      if (header.length() > MAX_HEADER_LENGTH) {
        throw new StripeWebhookException("Stripe-Signature header is too long");
      }
      String timestamp = null;
      List<byte[]> signatures = new ArrayList<>();
      int v1Items = 0;
      for (String item : header.split(",")) {
        int eq = item.indexOf('=');
        if (eq < 0) {
          continue;
        }
        String name = item.substring(0, eq).trim();
        String value = item.substring(eq + 1).trim();
        if (name.equals("t")) {
          if (timestamp != null) {
            throw new StripeWebhookException("Stripe-Signature has more than one timestamp");
          }
          timestamp = value;
        } else if (name.equals("v1")) {
          v1Items++;
          hex(value).ifPresent(signatures::add);
        }
      }
      if (timestamp == null || !timestamp.matches("[0-9]{1,12}")) {
        throw new StripeWebhookException("Stripe-Signature has no valid timestamp (t=)");
      }
      if (v1Items == 0) {
        throw new StripeWebhookException("Stripe-Signature has no v1 signature");
      }
      if (signatures.isEmpty()) {
        // There is a v1, it just cannot be one of Stripe's: say so rather than "none".
        throw new StripeWebhookException(
            v1Items == 1
                ? "Stripe-Signature's v1 signature is not 64 hex digits (an HMAC-SHA256),"
                    + " so it cannot match"
                : "none of Stripe-Signature's "
                    + v1Items
                    + " v1 signatures is 64 hex digits (an HMAC-SHA256), so none can match");
      }
      return new Header(timestamp, Long.parseLong(timestamp), signatures);
    }

    // A v1 that is not 32 bytes of hex can never match; skip it rather than fail the others.
    private static Optional<byte[]> hex(String value) {
      if (value.length() != 64) {
        return Optional.empty();
      }
      byte[] out = new byte[32];
      for (int i = 0; i < 32; i++) {
        int hi = Character.digit(value.charAt(2 * i), 16);
        int lo = Character.digit(value.charAt(2 * i + 1), 16);
        if (hi < 0 || lo < 0) {
          return Optional.empty();
        }
        out[i] = (byte) (hi << 4 | lo);
      }
      return Optional.of(out);
    }
  }
}
