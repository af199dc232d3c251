package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
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

  final StripeWebhookVerifier verifier =
      StripeWebhookVerifier.of(SECRET, Duration.ofMinutes(5), CLOCK);

  /** What Stripe does: hex HMAC-SHA256 of "t.payload" under the endpoint secret. */
  static String signature(String secret, long t, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of()
          .formatHex(mac.doFinal((t + "." + payload).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  static String header(String secret, long t, String payload) {
    return "t=" + t + ",v1=" + signature(secret, t, payload);
  }

  static String intentEvent(String type, String status, String lastPaymentError) {
    return """
        {"id":"evt_1Fake","object":"event","type":"%s","livemode":false,"created":1700000000,"api_version":"2024-06-20",
         "data":{"object":{"id":"pi_3Fake9","object":"payment_intent","amount":2500,"currency":"usd",
           "status":"%s","metadata":{"invoice_id":"inv_42","round":"2"},"last_payment_error":%s}}}"""
        .formatted(type, status, lastPaymentError);
  }

  static String succeeded() {
    return intentEvent("payment_intent.succeeded", "succeeded", "null");
  }

  @Test
  void acceptsAValidDeliveryAndReadsTheIntent() {
    String payload = succeeded();

    StripeEvent event = verifier.verify(payload, header(SECRET, NOW, payload));

    assertThat(event)
        .isEqualTo(
            new StripeEvent.PaymentIntentEvent(
                "evt_1Fake",
                "payment_intent.succeeded",
                Optional.of("2024-06-20"),
                StripeEvent.IntentStatus.SUCCEEDED,
                "pi_3Fake9",
                Optional.of("inv_42"),
                Optional.of("2"),
                2500,
                "usd",
                false,
                new ChargeOutcome.Paid("pi_3Fake9")));
  }

  @Test
  void matchesAnIndependentlyComputedSignature() throws IOException {
    // Signed with `openssl dgst -sha256 -hmac whsec_kat_0123456789abcdef` over "1700000000." + the
    // file.
    byte[] payload;
    try (InputStream in =
        getClass().getResourceAsStream("/webhooks/payment_intent.succeeded.json")) {
      payload = in.readAllBytes();
    }
    StripeWebhookVerifier kat =
        StripeWebhookVerifier.of("whsec_kat_0123456789abcdef", Duration.ofMinutes(5), CLOCK);

    StripeEvent event =
        kat.verify(
            payload,
            "t=1700000000,v1=7338e7359854280317bfb08c68e91c757fdc7fcf621c81c7c66e78cf33eb75f7");

    assertThat(event)
        .isInstanceOfSatisfying(
            StripeEvent.PaymentIntentEvent.class,
            e -> {
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

    assertThatThrownBy(() -> verifier.verify(payload, "t=" + (NOW - 1) + ",v1=" + sig))
        .isInstanceOf(StripeWebhookException.class);
    assertThatThrownBy(() -> verifier.verify(payload, "t=" + NOW + ",v1=" + flipped))
        .isInstanceOf(StripeWebhookException.class);
    assertThatThrownBy(() -> verifier.verify(payload, header("whsec_other", NOW, payload)))
        .isInstanceOf(StripeWebhookException.class);
  }

  @Test
  void acceptsAnEventStampedAheadOfTheHostsClockWithinTheTolerance() {
    String payload = succeeded();
    // Stripe's clock runs a little ahead of this host's: skew, not a replay.
    assertThat(verifier.verify(payload, header(SECRET, NOW + 1, payload)))
        .isInstanceOf(StripeEvent.PaymentIntentEvent.class);
    assertThat(verifier.verify(payload, header(SECRET, NOW + 120, payload)))
        .isInstanceOf(StripeEvent.PaymentIntentEvent.class);
    assertThat(verifier.verify(payload, header(SECRET, NOW + 300, payload)))
        .isInstanceOf(StripeEvent.PaymentIntentEvent.class);
    assertThatThrownBy(() -> verifier.verify(payload, header(SECRET, NOW + 301, payload)))
        .isInstanceOf(StripeWebhookException.class)
        .hasMessageContaining("ahead of this host's clock");
    // The past stays bounded.
    assertThatThrownBy(() -> verifier.verify(payload, header(SECRET, NOW - 301, payload)))
        .isInstanceOf(StripeWebhookException.class)
        .hasMessageContaining("old");
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
    assertThat(verifier.verify(payload, header(SECRET, NOW - 300, payload)))
        .isInstanceOf(StripeEvent.PaymentIntentEvent.class);
  }

  @Test
  void theToleranceAndClockAreConfigurable() {
    String payload = succeeded();
    Clock later = Clock.offset(CLOCK, Duration.ofMinutes(20));

    assertThatThrownBy(
            () ->
                StripeWebhookVerifier.of(SECRET, Duration.ofMinutes(5), later)
                    .verify(payload, header(SECRET, NOW, payload)))
        .isInstanceOf(StripeWebhookException.class);
    assertThat(
            StripeWebhookVerifier.of(SECRET, Duration.ofMinutes(30), later)
                .verify(payload, header(SECRET, NOW, payload)))
        .isInstanceOf(StripeEvent.PaymentIntentEvent.class);
  }

  @Test
  void acceptsAnyOfSeveralV1SignaturesAndIgnoresOtherSchemes() {
    String payload = succeeded();
    String good = signature(SECRET, NOW, payload);
    String old = signature("whsec_rolled_out", NOW, payload);

    String header = "t=" + NOW + ",v1=" + old + ",v1=" + good + ",v0=" + "ab".repeat(32);

    assertThat(verifier.verify(payload, header)).isInstanceOf(StripeEvent.PaymentIntentEvent.class);
    assertThat(verifier.verify(payload, "t=" + NOW + ",v1=nothex,v1=" + good))
        .isInstanceOf(StripeEvent.PaymentIntentEvent.class);
  }

  @Test
  void refusesMalformedHeaders() {
    String payload = succeeded();
    String sig = signature(SECRET, NOW, payload);
    for (String bad :
        new String[] {
          null,
          "",
          "garbage",
          "v1=" + sig,
          "t=" + NOW,
          "t=" + NOW + ",v0=" + sig,
          "t=soon,v1=" + sig,
          "t=" + NOW + ",t=" + NOW + ",v1=" + sig,
          "t=" + NOW + ",v1=" + "a".repeat(10_000)
        }) {
      assertThatThrownBy(() -> verifier.verify(payload, bad))
          .isInstanceOf(StripeWebhookException.class);
    }
  }

  /**
   * Issue 26: {@code t=1,v1=deadbeef} has a v1, only not one Stripe could have made; the message
   * says that, where it used to claim there was no v1 at all.
   */
  @Test
  void aV1ThatIsNotAnHmacIsNamedAsSuchNotAsMissing() {
    String payload = succeeded();

    assertThatThrownBy(() -> verifier.verify(payload, "t=1,v1=deadbeef"))
        .isInstanceOf(StripeWebhookException.class)
        .hasMessage(
            "Stripe-Signature's v1 signature is not 64 hex digits (an HMAC-SHA256),"
                + " so it cannot match");
    assertThatThrownBy(
            () -> verifier.verify(payload, "t=" + NOW + ",v1=deadbeef,v1=" + "z".repeat(64)))
        .isInstanceOf(StripeWebhookException.class)
        .hasMessage(
            "none of Stripe-Signature's 2 v1 signatures is 64 hex digits (an HMAC-SHA256),"
                + " so none can match");
    // No v1 at all is still said as before, and a well-formed v1 that does not match as well.
    assertThatThrownBy(() -> verifier.verify(payload, "t=" + NOW + ",v0=" + "ab".repeat(32)))
        .isInstanceOf(StripeWebhookException.class)
        .hasMessage("Stripe-Signature has no v1 signature");
    assertThatThrownBy(() -> verifier.verify(payload, "t=1,v1=" + "de".repeat(32)))
        .isInstanceOf(StripeWebhookException.class)
        .hasMessage("no v1 signature in Stripe-Signature matches the payload");
  }

  @Test
  void readsEachPaymentIntentStatus() {
    String declined =
        "{\"type\":\"card_error\",\"code\":\"card_declined\",\"decline_code\":\"insufficient_funds\",\"message\":\"Your card has insufficient funds.\"}";
    String auth =
        "{\"type\":\"card_error\",\"code\":\"authentication_required\",\"decline_code\":\"authentication_required\",\"message\":\"This transaction requires authentication.\"}";

    assertThat(
            outcomeOf(
                intentEvent("payment_intent.payment_failed", "requires_payment_method", declined)))
        .isEqualTo(
            new ChargeOutcome.Declined("insufficient_funds", "Your card has insufficient funds."));
    assertThat(
            outcomeOf(
                intentEvent("payment_intent.payment_failed", "requires_payment_method", auth)))
        .isEqualTo(new ChargeOutcome.NeedsCustomer("pi_3Fake9", Outcomes.NEEDS_AUTHENTICATION));
    assertThat(outcomeOf(intentEvent("payment_intent.processing", "processing", "null")))
        .isEqualTo(new ChargeOutcome.Pending("pi_3Fake9"));
    assertThat(outcomeOf(intentEvent("payment_intent.requires_action", "requires_action", "null")))
        .isInstanceOf(ChargeOutcome.NeedsCustomer.class);
    assertThat(outcomeOf(intentEvent("payment_intent.canceled", "canceled", "null")))
        .isInstanceOf(ChargeOutcome.Declined.class);

    StripeEvent failed =
        verify(intentEvent("payment_intent.payment_failed", "requires_payment_method", declined));
    assertThat(((StripeEvent.PaymentIntentEvent) failed).status())
        .isEqualTo(StripeEvent.IntentStatus.PAYMENT_FAILED);
  }

  @Test
  void otherEventsAreVerifiedButLeftAlone() {
    String payload =
        "{\"id\":\"evt_2\",\"object\":\"event\",\"type\":\"customer.updated\",\"data\":{\"object\":{\"id\":\"cus_1\"}}}";
    assertThat(verify(payload))
        .isEqualTo(new StripeEvent.Other("evt_2", "customer.updated", Optional.empty()));
    String created = intentEvent("payment_intent.created", "requires_payment_method", "null");
    assertThat(verify(created))
        .isEqualTo(
            new StripeEvent.Other(
                "evt_1Fake", "payment_intent.created", Optional.of("2024-06-20")));
  }

  @Test
  void readsTheFiveEventsTheEngineActsOnWithTheirIdAndApiVersion() {
    String declined =
        "{\"type\":\"card_error\",\"code\":\"card_declined\",\"decline_code\":\"generic_decline\",\"message\":\"Your card was declined.\"}";
    StripeEvent.PaymentIntentEvent ok = (StripeEvent.PaymentIntentEvent) verify(succeeded());
    StripeEvent.PaymentIntentEvent failed =
        (StripeEvent.PaymentIntentEvent)
            verify(
                intentEvent("payment_intent.payment_failed", "requires_payment_method", declined));
    StripeEvent.PaymentIntentEvent canceled =
        (StripeEvent.PaymentIntentEvent)
            verify(intentEvent("payment_intent.canceled", "canceled", "null"));
    assertThat(ok.status()).isEqualTo(StripeEvent.IntentStatus.SUCCEEDED);
    assertThat(failed.status()).isEqualTo(StripeEvent.IntentStatus.PAYMENT_FAILED);
    assertThat(failed.outcome())
        .isEqualTo(new ChargeOutcome.Declined("generic_decline", "Your card was declined."));
    assertThat(canceled.status()).isEqualTo(StripeEvent.IntentStatus.CANCELED);
    for (StripeEvent.PaymentIntentEvent e :
        new StripeEvent.PaymentIntentEvent[] {ok, failed, canceled}) {
      assertThat(e.eventId()).isEqualTo("evt_1Fake");
      assertThat(e.apiVersion()).contains("2024-06-20");
      assertThat(e.invoiceId()).contains("inv_42");
      assertThat(e.round()).contains("2");
    }

    String refunded =
        """
        {"id":"evt_R1","object":"event","type":"charge.refunded","api_version":"2024-06-20","livemode":true,
         "data":{"object":{"id":"ch_3Fake1","object":"charge","amount":2500,"amount_refunded":1000,"currency":"usd",
           "payment_intent":"pi_3Fake9","metadata":{"invoice_id":"inv_42"}}}}""";
    assertThat(verify(refunded))
        .isEqualTo(
            new StripeEvent.ChargeRefunded(
                "evt_R1",
                Optional.of("2024-06-20"),
                "ch_3Fake1",
                Optional.of("pi_3Fake9"),
                Optional.of("inv_42"),
                2500,
                1000,
                "usd",
                true));

    String dispute =
        """
        {"id":"evt_D1","object":"event","type":"charge.dispute.created","api_version":"2024-06-20","livemode":false,
         "data":{"object":{"id":"dp_1Fake","object":"dispute","amount":250000,"currency":"isk","charge":"ch_3Fake1",
           "payment_intent":"pi_3Fake9","reason":"fraudulent","status":"needs_response"}}}""";
    StripeEvent.DisputeCreated d = (StripeEvent.DisputeCreated) verify(dispute);
    assertThat(d)
        .isEqualTo(
            new StripeEvent.DisputeCreated(
                "evt_D1",
                Optional.of("2024-06-20"),
                "dp_1Fake",
                "ch_3Fake1",
                Optional.of("pi_3Fake9"),
                2500,
                "isk",
                "fraudulent",
                false));
    assertThat(d.type()).isEqualTo("charge.dispute.created");
    assertThat(d.amount()).as("ISK comes back from Stripe's x100 to whole kronur").isEqualTo(2500);
  }

  @Test
  void aSignedBodyThatIsNotAnEventIsRefused() {
    for (String bad :
        new String[] {
          "not json",
          "[]",
          "{\"type\":\"payment_intent.succeeded\"}",
          "{\"id\":\"evt_1\"}",
          "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"ch_1\",\"object\":\"charge\",\"amount\":1}}}",
          "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"pi_1\",\"amount\":\"lots\"}}}"
        }) {
      assertThatThrownBy(() -> verify(bad)).isInstanceOf(StripeWebhookException.class);
    }
  }

  @Test
  void theSecretNeverShows() {
    assertThat(verifier.toString()).doesNotContain(SECRET).contains("redacted");
    String payload = succeeded();
    assertThatThrownBy(() -> verifier.verify(payload, header("whsec_wrong", NOW, payload)))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain("whsec"));
    assertThatThrownBy(() -> StripeWebhookVerifier.of(" "))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> StripeWebhookVerifier.of(SECRET, Duration.ZERO, CLOCK))
        .isInstanceOf(InvalidInputException.class);
  }

  private StripeEvent verify(String payload) {
    return verifier.verify(payload, header(SECRET, NOW, payload));
  }

  private ChargeOutcome outcomeOf(String payload) {
    return ((StripeEvent.PaymentIntentEvent) verify(payload)).outcome();
  }
}
