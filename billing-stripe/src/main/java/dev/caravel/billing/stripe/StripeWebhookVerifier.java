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
 * with HMAC-SHA256 under the endpoint's signing secret ({@code whsec_...}) and sends
 * {@code Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]} (several {@code v1} while a
 * secret is being rolled). Pass the raw body exactly as received: re-serialised JSON will not
 * match. Thread-safe; the secret never appears in {@link #toString()} or in messages.
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
   * @throws StripeWebhookException the delivery is not proven to come from Stripe, is stale, or
   *     its body is not an event
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
    long skew = Math.abs(clock.instant().getEpochSecond() - header.seconds());
    if (skew > tolerance.getSeconds()) {
      throw new StripeWebhookException("webhook timestamp is " + skew + " s away from now, beyond the tolerance of "
          + tolerance.getSeconds() + " s");
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
    JsonNode event = Json.parse(body).orElseThrow(() -> new StripeWebhookException("webhook body is not a JSON object"));
    String id = Json.text(event, "id").orElseThrow(() -> new StripeWebhookException("webhook event has no id"));
    String type = Json.text(event, "type").orElseThrow(() -> new StripeWebhookException("webhook event " + id + " has no type"));
    Optional<StripeEvent.IntentStatus> status = StripeEvent.IntentStatus.ofEventType(type);
    if (status.isEmpty()) {
      return new StripeEvent.Other(id, type);
    }
    JsonNode intent = event.path("data").path("object");
    String intentId = Json.text(intent, "id")
        .filter(x -> "payment_intent".equals(Json.text(intent, "object").orElse("payment_intent")))
        .orElseThrow(() -> new StripeWebhookException("event " + id + " (" + type + ") carries no PaymentIntent"));
    JsonNode amount = intent.get("amount");
    if (amount == null || !amount.canConvertToLong()) {
      throw new StripeWebhookException("event " + id + ": PaymentIntent " + intentId + " has no integer amount");
    }
    return new StripeEvent.PaymentIntentEvent(
        id, type, status.get(), intentId,
        Json.text(intent.path("metadata"), "invoice_id"),
        amount.asLong(),
        Json.text(intent, "currency").orElse(""),
        event.path("livemode").asBoolean(false),
        Outcomes.fromIntent(intent));
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
          hex(value).ifPresent(signatures::add);
        }
      }
      if (timestamp == null || !timestamp.matches("[0-9]{1,12}")) {
        throw new StripeWebhookException("Stripe-Signature has no valid timestamp (t=)");
      }
      if (signatures.isEmpty()) {
        throw new StripeWebhookException("Stripe-Signature has no v1 signature");
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
