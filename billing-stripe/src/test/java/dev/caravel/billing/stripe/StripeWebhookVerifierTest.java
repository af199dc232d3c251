package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class StripeWebhookVerifierTest {
  static final String SECRET = "whsec_test_7f3c1b0e9d2a4c6b8e0f1a3c5d7e9b1d";
  static final long NOW = 1_700_000_000L;
  static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);

  final StripeWebhookVerifier verifier = StripeWebhookVerifier.of(SECRET, Duration.ofMinutes(5), CLOCK);

  /** What Stripe does: hex HMAC-SHA256 of "t.payload" under the endpoint secret. */
  static String signature(String secret, long t, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal((t + "." + payload).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  static String header(String secret, long t, String payload) {
    return "t=" + t + ",v1=" + signature(secret, t, payload);
  }

  static String intentEvent(String type, String status, String lastPaymentError) {
    return """
        {"id":"evt_1Fake","object":"event","type":"%s","livemode":false,"created":1700000000,
         "data":{"object":{"id":"pi_3Fake9","object":"payment_intent","amount":2500,"currency":"usd",
           "status":"%s","metadata":{"invoice_id":"inv_42"},"last_payment_error":%s}}}"""
        .formatted(type, status, lastPaymentError);
  }

  static String succeeded() {
    return intentEvent("payment_intent.succeeded", "succeeded", "null");
  }

  @Test
  void acceptsAValidDeliveryAndReadsTheIntent() {
    String payload = succeeded();

    StripeEvent event = verifier.verify(payload, header(SECRET, NOW, payload));

    assertThat(event).isEqualTo(new StripeEvent.PaymentIntentEvent("evt_1Fake", "payment_intent.succeeded",
        StripeEvent.IntentStatus.SUCCEEDED, "pi_3Fake9", Optional.of("inv_42"), 2500, "usd", false,
        new ChargeOutcome.Paid("pi_3Fake9")));
  }

  @Test
  void matchesAnIndependentlyComputedSignature() throws IOException {
    // Signed with `openssl dgst -sha256 -hmac whsec_kat_0123456789abcdef` over "1700000000." + the file.
    byte[] payload;
    try (InputStream in = getClass().getResourceAsStream("/webhooks/payment_intent.succeeded.json")) {
      payload = in.readAllBytes();
    }
    StripeWebhookVerifier kat = StripeWebhookVerifier.of("whsec_kat_0123456789abcdef", Duration.ofMinutes(5), CLOCK);

    StripeEvent event = kat.verify(payload, "t=1700000000,v1=7338e7359854280317bfb08c68e91c757fdc7fcf621c81c7c66e78cf33eb75f7");

    assertThat(event).isInstanceOfSatisfying(StripeEvent.PaymentIntentEvent.class, e -> {
      assertThat(e.intentId()).isEqualTo("pi_3PxFake0000000001");
      assertThat(e.invoiceId()).contains("inv_42");
    });
  }

  @Test
  void refusesATamperedPayload() {
    String payload = succeeded();
    String header = header(SECRET, NOW, payload);

    assertThatThrownBy(() -> verifier.verify(payload.replace("2500", "1"), header))
        .isInstanceOf(StripeWebhookException.class)
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("no v1 signature");
  }

  @Test
  void refusesATamperedTimestampOrSignatureOrAnotherSecret() {
    String payload = succeeded();
    String sig = signature(SECRET, NOW, payload);
    char last = sig.charAt(sig.length() - 1);
    String flipped = sig.substring(0, sig.length() - 1) + (last == '0' ? '1' : '0');

    assertThatThrownBy(() -> verifier.verify(payload, "t=" + (NOW - 1) + ",v1=" + sig)).isInstanceOf(StripeWebhookException.class);
    assertThatThrownBy(() -> verifier.verify(payload, "t=" + NOW + ",v1=" + flipped)).isInstanceOf(StripeWebhookException.class);
    assertThatThrownBy(() -> verifier.verify(payload, header("whsec_other", NOW, payload))).isInstanceOf(StripeWebhookException.class);
  }

  @Test
  void refusesAnExpiredOrFarFutureTimestamp() {
    String payload = succeeded();

    assertThatThrownBy(() -> verifier.verify(payload, header(SECRET, NOW - 301, payload)))
        .isInstanceOf(StripeWebhookException.class)
        .hasMessageContaining("tolerance");
    assertThatThrownBy(() -> verifier.verify(payload, header(SECRET, NOW + 301, payload)))
        .isInstanceOf(StripeWebhookException.class)
        .hasMessageContaining("tolerance");
    assertThat(verifier.verify(payload, header(SECRET, NOW - 300, payload))).isInstanceOf(StripeEvent.PaymentIntentEvent.class);
  }

  @Test
  void theToleranceAndClockAreConfigurable() {
    String payload = succeeded();
    Clock later = Clock.offset(CLOCK, Duration.ofMinutes(20));

    assertThatThrownBy(() -> StripeWebhookVerifier.of(SECRET, Duration.ofMinutes(5), later).verify(payload, header(SECRET, NOW, payload)))
        .isInstanceOf(StripeWebhookException.class);
    assertThat(StripeWebhookVerifier.of(SECRET, Duration.ofMinutes(30), later).verify(payload, header(SECRET, NOW, payload)))
        .isInstanceOf(StripeEvent.PaymentIntentEvent.class);
  }

  @Test
  void acceptsAnyOfSeveralV1SignaturesAndIgnoresOtherSchemes() {
    String payload = succeeded();
    String good = signature(SECRET, NOW, payload);
    String old = signature("whsec_rolled_out", NOW, payload);

    String header = "t=" + NOW + ",v1=" + old + ",v1=" + good + ",v0=" + "ab".repeat(32);

    assertThat(verifier.verify(payload, header)).isInstanceOf(StripeEvent.PaymentIntentEvent.class);
    assertThat(verifier.verify(payload, "t=" + NOW + ",v1=nothex,v1=" + good)).isInstanceOf(StripeEvent.PaymentIntentEvent.class);
  }

  @Test
  void refusesMalformedHeaders() {
    String payload = succeeded();
    String sig = signature(SECRET, NOW, payload);
    for (String bad : new String[] {null, "", "garbage", "v1=" + sig, "t=" + NOW, "t=" + NOW + ",v0=" + sig,
        "t=soon,v1=" + sig, "t=" + NOW + ",t=" + NOW + ",v1=" + sig, "t=" + NOW + ",v1=" + "a".repeat(10_000)}) {
      assertThatThrownBy(() -> verifier.verify(payload, bad)).isInstanceOf(StripeWebhookException.class);
    }
  }

  @Test
  void readsEachPaymentIntentStatus() {
    String declined = "{\"type\":\"card_error\",\"code\":\"card_declined\",\"decline_code\":\"insufficient_funds\",\"message\":\"Your card has insufficient funds.\"}";
    String auth = "{\"type\":\"card_error\",\"code\":\"authentication_required\",\"decline_code\":\"authentication_required\",\"message\":\"This transaction requires authentication.\"}";

    assertThat(outcomeOf(intentEvent("payment_intent.payment_failed", "requires_payment_method", declined)))
        .isEqualTo(new ChargeOutcome.Declined("insufficient_funds", "Your card has insufficient funds."));
    assertThat(outcomeOf(intentEvent("payment_intent.payment_failed", "requires_payment_method", auth)))
        .isEqualTo(new ChargeOutcome.NeedsCustomer("pi_3Fake9", "This transaction requires authentication."));
    assertThat(outcomeOf(intentEvent("payment_intent.processing", "processing", "null")))
        .isEqualTo(new ChargeOutcome.Pending("pi_3Fake9"));
    assertThat(outcomeOf(intentEvent("payment_intent.requires_action", "requires_action", "null")))
        .isInstanceOf(ChargeOutcome.NeedsCustomer.class);
    assertThat(outcomeOf(intentEvent("payment_intent.canceled", "canceled", "null")))
        .isInstanceOf(ChargeOutcome.Declined.class);

    StripeEvent failed = verify(intentEvent("payment_intent.payment_failed", "requires_payment_method", declined));
    assertThat(((StripeEvent.PaymentIntentEvent) failed).status()).isEqualTo(StripeEvent.IntentStatus.PAYMENT_FAILED);
  }

  @Test
  void otherEventsAreVerifiedButLeftAlone() {
    String payload = "{\"id\":\"evt_2\",\"object\":\"event\",\"type\":\"customer.updated\",\"data\":{\"object\":{\"id\":\"cus_1\"}}}";
    assertThat(verify(payload)).isEqualTo(new StripeEvent.Other("evt_2", "customer.updated"));
    String created = intentEvent("payment_intent.created", "requires_payment_method", "null");
    assertThat(verify(created)).isEqualTo(new StripeEvent.Other("evt_1Fake", "payment_intent.created"));
  }

  @Test
  void aSignedBodyThatIsNotAnEventIsRefused() {
    for (String bad : new String[] {"not json", "[]", "{\"type\":\"payment_intent.succeeded\"}", "{\"id\":\"evt_1\"}",
        "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"ch_1\",\"object\":\"charge\",\"amount\":1}}}",
        "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"pi_1\",\"amount\":\"lots\"}}}"}) {
      assertThatThrownBy(() -> verify(bad)).isInstanceOf(StripeWebhookException.class);
    }
  }

  @Test
  void theSecretNeverShows() {
    assertThat(verifier.toString()).doesNotContain(SECRET).contains("redacted");
    String payload = succeeded();
    assertThatThrownBy(() -> verifier.verify(payload, header("whsec_wrong", NOW, payload)))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain("whsec"));
    assertThatThrownBy(() -> StripeWebhookVerifier.of(" ")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> StripeWebhookVerifier.of(SECRET, Duration.ZERO, CLOCK)).isInstanceOf(InvalidInputException.class);
  }

  private StripeEvent verify(String payload) {
    return verifier.verify(payload, header(SECRET, NOW, payload));
  }

  private ChargeOutcome outcomeOf(String payload) {
    return ((StripeEvent.PaymentIntentEvent) verify(payload)).outcome();
  }
}
