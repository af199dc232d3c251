package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NotBlank;
import net.jqwik.api.constraints.StringLength;

class StripeWebhookPropertiesTest {
  static final String SECRET = "whsec_props";
  static final long NOW = 1_700_000_000L;
  static final StripeWebhookVerifier VERIFIER =
      StripeWebhookVerifier.of(
          SECRET, Duration.ofMinutes(5), Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));
  static final ObjectMapper JSON = new ObjectMapper();

  static String event(String invoiceId, long amount) {
    ObjectNode root =
        JSON.createObjectNode()
            .put("id", "evt_p")
            .put("object", "event")
            .put("type", "payment_intent.succeeded");
    ObjectNode pi =
        root.putObject("data")
            .putObject("object")
            .put("id", "pi_p")
            .put("object", "payment_intent")
            .put("amount", amount)
            .put("currency", "usd")
            .put("status", "succeeded");
    pi.putObject("metadata").put("invoice_id", invoiceId);
    return root.toString();
  }

  @Property(tries = 300)
  void aSignedEventRoundTripsAnyInvoiceId(
      @ForAll @NotBlank @StringLength(max = 64) String invoiceId,
      @ForAll @IntRange(min = 1, max = 99_999_999) int amount) {
    // jqwik's @NotBlank admits Unicode spaces that String.isBlank counts as blank; the verifier
    // rightly reads a blank invoice id as none.
    Assume.that(!invoiceId.isBlank());
    String payload = event(invoiceId, amount);

    StripeEvent event =
        VERIFIER.verify(payload, StripeWebhookVerifierTest.header(SECRET, NOW, payload));

    assertThat(event)
        .isInstanceOfSatisfying(
            StripeEvent.PaymentIntentEvent.class,
            e -> {
              assertThat(e.invoiceId()).contains(invoiceId);
              assertThat(e.amount()).isEqualTo(amount);
            });
  }

  @Property(tries = 300)
  void changingAnyByteOfTheBodyBreaksTheSignature(
      @ForAll @AlphaChars @StringLength(min = 1, max = 20) String invoiceId,
      @ForAll @IntRange(min = 0, max = 10_000) int position,
      @ForAll @IntRange(min = 1, max = 255) int flip) {
    String payload = event(invoiceId, 500);
    String header = StripeWebhookVerifierTest.header(SECRET, NOW, payload);
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    Assume.that(position < bytes.length);
    bytes[position] ^= (byte) flip;

    assertThatThrownBy(() -> VERIFIER.verify(bytes, header))
        .isInstanceOf(StripeWebhookException.class);
  }
}
