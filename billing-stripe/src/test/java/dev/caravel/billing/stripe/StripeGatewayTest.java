package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.stripe.fake.FakeStripe;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class StripeGatewayTest {
  // One server and one client for the class: starting and stopping them per test costs seconds.
  static FakeStripe stripe;
  static HttpClient client;

  final List<Duration> slept = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startFake() {
    stripe = FakeStripe.start();
    client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  @AfterAll
  static void stopFake() {
    stripe.close();
  }

  @BeforeEach
  void freshAccount() {
    stripe.reset();
    stripe
        .customer("cus_Default", "pm_Default", "pm_CardA")
        .customer("cus_CardsOnly", null, "pm_Newest", "pm_Older")
        .customer("cus_Nothing", null)
        .deletedCustomer("cus_Deleted");
  }

  StripeGateway.Builder gatewayBuilder() {
    return StripeGateway.builder()
        .apiKey(FakeStripe.API_KEY)
        .baseUri(stripe.uri())
        .httpClient(client)
        .requestTimeout(Duration.ofSeconds(5))
        .sleeper(slept::add);
  }

  StripeGateway gateway() {
    return gatewayBuilder().build();
  }

  static ChargeRequest request(String key) {
    return new ChargeRequest("cus_Default", "pm_Default", 2_500, "usd", "inv_42", key);
  }

  @Nested
  class SavedPaymentMethod {
    @Test
    void isTheCustomersInvoiceDefault() {
      assertThat(gateway().savedPaymentMethod("cus_Default")).contains("pm_Default");
      assertThat(stripe.requests()).hasSize(1);
    }

    @Test
    void fallsBackToTheFirstCard() {
      assertThat(gateway().savedPaymentMethod("cus_CardsOnly")).contains("pm_Newest");
      FakeStripe.Seen list = stripe.requests().get(1);
      assertThat(list.path()).isEqualTo("/v1/customers/cus_CardsOnly/payment_methods");
      assertThat(FakeStripe.parseForm(list.query())).containsEntry("type", "card");
    }

    @Test
    void prefersTheDefaultPaymentMethodThenTheDefaultSourceThenTheNewestCard() {
      stripe
          .customerWithSource("cus_All", "pm_Default", "card_Source", "pm_Newest", "pm_Older")
          .customerWithSource("cus_Source", null, "card_Source", "pm_Newest", "pm_Older")
          .customerWithSource("cus_BankSource", null, "ba_Bank", "pm_Newest");
      assertThat(gateway().savedPaymentMethod("cus_All")).contains("pm_Default");
      assertThat(gateway().savedPaymentMethod("cus_Source")).contains("card_Source");
      assertThat(gateway().savedPaymentMethod("cus_BankSource"))
          .as("a bank account is not a card")
          .contains("pm_Newest");
      // The default source is a card the strict fake lets us charge.
      assertThat(
              gateway()
                  .charge(
                      new ChargeRequest("cus_Source", "card_Source", 2_500, "usd", "inv_1", "k1")))
          .isInstanceOf(ChargeOutcome.Paid.class);
    }

    @Test
    void isEmptyWithoutAnyMethod() {
      assertThat(gateway().savedPaymentMethod("cus_Nothing")).isEmpty();
    }

    @Test
    void isEmptyForDeletedOrUnknownCustomers() {
      assertThat(gateway().savedPaymentMethod("cus_Deleted")).isEmpty();
      assertThat(gateway().savedPaymentMethod("cus_NeverHeardOf")).isEmpty();
    }

    @Test
    void sendsAuthAndPinnedVersion() {
      gateway().savedPaymentMethod("cus_Default");
      FakeStripe.Seen get = stripe.requests().get(0);
      assertThat(get.method()).isEqualTo("GET");
      assertThat(get.header("Authorization")).isEqualTo("Bearer " + FakeStripe.API_KEY);
      assertThat(get.header("Stripe-Version")).isEqualTo(StripeGateway.API_VERSION);
      assertThat(get.header("Idempotency-Key")).isNull();
    }

    @Test
    void retriesAReadAfterA500() {
      stripe.nextReads(new FakeStripe.ServerError());
      assertThat(gateway().savedPaymentMethod("cus_Default")).contains("pm_Default");
      assertThat(stripe.requests()).hasSize(2);
      assertThat(slept).hasSize(1);
    }

    @Test
    void badJsonIsATypedError() {
      stripe.nextReads(new FakeStripe.BadJson());
      assertThatThrownBy(() -> gateway().savedPaymentMethod("cus_Default"))
          .isInstanceOf(StripeException.class)
          .hasMessageContaining("not a JSON object")
          .satisfies(e -> assertThat(((StripeException) e).requestId()).isPresent());
    }

    @Test
    void aReadThatStaysThrottledIsATypedError() {
      stripe.nextReads(
          new FakeStripe.RateLimited(-1),
          new FakeStripe.RateLimited(-1),
          new FakeStripe.RateLimited(-1),
          new FakeStripe.RateLimited(-1));
      assertThatThrownBy(() -> gateway().savedPaymentMethod("cus_Default"))
          .isInstanceOf(StripeException.class)
          .satisfies(e -> assertThat(((StripeException) e).httpStatus()).isEqualTo(429));
      assertThat(slept).hasSize(3);
    }

    @Test
    void rejectsIdsThatAreNotStripeIds() {
      for (String bad :
          new String[] {null, "", "cus_1/../../v1/charges", "cus 1", "cus_1?expand=x"}) {
        assertThatThrownBy(() -> gateway().savedPaymentMethod(bad))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("customer id");
      }
      assertThat(stripe.requests()).isEmpty();
    }
  }

  @Nested
  class Charge {
    @Test
    void succeeds() {
      ChargeOutcome outcome = gateway().charge(request("inv_42-round-1"));

      assertThat(outcome).isInstanceOf(ChargeOutcome.Paid.class);
      String intentId = ((ChargeOutcome.Paid) outcome).reference();
      assertThat(intentId).startsWith("pi_");
      assertThat(stripe.charges()).isEqualTo(1);
      assertThat(stripe.intent(intentId).orElseThrow().path("metadata").path("invoice_id").asText())
          .isEqualTo("inv_42");
    }

    @Test
    void speaksStripesWireFormat() {
      gateway().charge(request("inv_42-round-1"));

      FakeStripe.Seen post = stripe.chargeRequests().get(0);
      assertThat(post.path()).isEqualTo("/v1/payment_intents");
      assertThat(post.header("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
      assertThat(post.header("Authorization")).isEqualTo("Bearer " + FakeStripe.API_KEY);
      assertThat(post.header("Stripe-Version")).isEqualTo(StripeGateway.API_VERSION);
      assertThat(post.header("Idempotency-Key")).isEqualTo("inv_42-round-1");
      assertThat(post.params())
          .containsAllEntriesOf(
              Map.of(
                  "amount", "2500",
                  "currency", "usd",
                  "customer", "cus_Default",
                  "payment_method", "pm_Default",
                  "off_session", "true",
                  "confirm", "true",
                  "metadata[invoice_id]", "inv_42"));
    }

    @Test
    void processingIsPending() {
      stripe.nextCharges(new FakeStripe.Processing());
      assertThat(gateway().charge(request("k1"))).isInstanceOf(ChargeOutcome.Pending.class);
    }

    @Test
    void declineCarriesTheDeclineCode() {
      stripe.nextCharges(
          new FakeStripe.Decline("insufficient_funds", "Your card has insufficient funds."));

      assertThat(gateway().charge(request("k1")))
          .isEqualTo(
              new ChargeOutcome.Declined(
                  "insufficient_funds", "Your card has insufficient funds."));
      assertThat(stripe.charges()).isZero();
    }

    @Test
    void aDeclineIsReplayedForTheSameKey() {
      stripe.nextCharges(new FakeStripe.Decline("generic_decline", "Your card was declined."));
      StripeGateway gateway = gateway();

      ChargeOutcome first = gateway.charge(request("k1"));
      ChargeOutcome again = gateway.charge(request("k1"));

      assertThat(first)
          .isEqualTo(new ChargeOutcome.Declined("generic_decline", "Your card was declined."));
      assertThat(again).isEqualTo(first);
      assertThat(stripe.replays()).isEqualTo(1);
      assertThat(stripe.intentsCreated()).isEqualTo(1);
    }

    @Test
    void authenticationRequiredNeedsTheCustomer() {
      stripe.nextCharges(new FakeStripe.AuthenticationRequired());

      ChargeOutcome outcome = gateway().charge(request("k1"));

      assertThat(outcome).isInstanceOf(ChargeOutcome.NeedsCustomer.class);
      ChargeOutcome.NeedsCustomer needs = (ChargeOutcome.NeedsCustomer) outcome;
      assertThat(needs.reference()).startsWith("pi_");
      assertThat(needs.message()).isEqualTo(Outcomes.NEEDS_AUTHENTICATION);
      assertThat(stripe.charges()).isZero();
    }

    @Test
    void a500IsRetriedInsideTheCallUnderTheSameKeyAndChargesOnce() {
      stripe.nextCharges(new FakeStripe.ServerError());

      assertThat(gateway().charge(request("inv_42-round-1")))
          .isInstanceOf(ChargeOutcome.Paid.class);

      assertThat(stripe.charges()).isEqualTo(1);
      assertThat(stripe.chargeRequests())
          .extracting(s -> s.header("Idempotency-Key"))
          .containsExactly("inv_42-round-1", "inv_42-round-1");
      assertThat(stripe.chargeRequests().get(1).params())
          .isEqualTo(stripe.chargeRequests().get(0).params());
      assertThat(slept)
          .singleElement()
          .satisfies(d -> assertThat(d).isBetween(Duration.ofMillis(500), Duration.ofSeconds(5)));
    }

    @Test
    void a429IsRetriedInsideTheGatewayWithBackoff() {
      stripe.nextCharges(new FakeStripe.RateLimited(-1), new FakeStripe.RateLimited(-1));

      assertThat(gateway().charge(request("k1"))).isInstanceOf(ChargeOutcome.Paid.class);

      assertThat(stripe.chargeRequests()).hasSize(3);
      assertThat(stripe.charges()).isEqualTo(1);
      // Default steps 500 ms then 1 s, each with equal jitter: within [step/2, step].
      assertThat(slept).hasSize(2);
      assertThat(slept.get(0)).isBetween(Duration.ofMillis(250), Duration.ofMillis(500));
      assertThat(slept.get(1)).isBetween(Duration.ofMillis(500), Duration.ofMillis(1000));
    }

    @Test
    void a429HonoursRetryAfter() {
      stripe.nextCharges(new FakeStripe.RateLimited(2));

      assertThat(gateway().charge(request("k1"))).isInstanceOf(ChargeOutcome.Paid.class);
      assertThat(slept).containsExactly(Duration.ofSeconds(2));
    }

    @Test
    void stillThrottledAfterTheLastRetryIsUnknown() {
      stripe.nextCharges(
          new FakeStripe.RateLimited(-1),
          new FakeStripe.RateLimited(-1),
          new FakeStripe.RateLimited(-1));

      ChargeOutcome outcome = gatewayBuilder().maxRateLimitRetries(2).build().charge(request("k1"));

      assertThat(outcome).isInstanceOf(ChargeOutcome.Unknown.class);
      assertThat(((ChargeOutcome.Unknown) outcome).message()).contains("429");
      assertThat(slept).hasSize(2);
      assertThat(stripe.intentsCreated()).isZero();
    }

    @Test
    void aRetryAfterLongerThanTheMaxBackoffEndsRetrying() {
      stripe.nextCharges(new FakeStripe.RateLimited(60));

      ChargeOutcome outcome = gateway().charge(request("k1"));

      assertThat(outcome).isInstanceOf(ChargeOutcome.Unknown.class);
      assertThat(slept).isEmpty();
      assertThat(stripe.chargeRequests()).hasSize(1);
    }

    @Test
    void aTimeoutAfterStripeChargedThenARetryReplaysAndChargesOnce() {
      CountDownLatch release = new CountDownLatch(1);
      stripe.nextCharges(new FakeStripe.HoldAfterCharge(release));
      StripeGateway gateway = gatewayBuilder().requestTimeout(Duration.ofMillis(300)).build();

      ChargeOutcome first = gateway.charge(request("inv_42-round-1"));
      release.countDown();
      assertThat(first).isInstanceOf(ChargeOutcome.Unknown.class);
      assertThat(((ChargeOutcome.Unknown) first).message()).contains("in time");
      assertThat(stripe.charges()).as("the fake charged before the client gave up").isEqualTo(1);

      ChargeOutcome retry = gateway.charge(request("inv_42-round-1"));

      assertThat(retry).isInstanceOf(ChargeOutcome.Paid.class);
      assertThat(stripe.replays()).isEqualTo(1);
      assertThat(stripe.charges()).isEqualTo(1);
      assertThat(stripe.intentsCreated()).isEqualTo(1);
      assertThat(((ChargeOutcome.Paid) retry).reference()).isEqualTo(stripe.intents().get(0));
    }

    @Test
    void aKeyStillInFlightIsRetriedInsideTheCall() {
      stripe.nextCharges(new FakeStripe.KeyInUse());
      assertThat(gateway().charge(request("k1"))).isInstanceOf(ChargeOutcome.Paid.class);
      assertThat(stripe.chargeRequests()).hasSize(2);
      assertThat(slept).hasSize(1);
    }

    @Test
    void aKeyInFlightThroughEveryRetryIsUnknown() {
      stripe.nextCharges(
          new FakeStripe.KeyInUse(), new FakeStripe.KeyInUse(), new FakeStripe.KeyInUse());
      ChargeOutcome outcome = gateway().charge(request("k1"));
      assertThat(outcome).isInstanceOf(ChargeOutcome.Unknown.class);
      assertThat(((ChargeOutcome.Unknown) outcome).message())
          .contains("409")
          .contains("idempotency_key_in_use")
          .contains("3 attempts");
      assertThat(slept).hasSize(2);
      assertThat(stripe.intentsCreated()).isZero();
    }

    @Test
    void badJsonIsUnknownAndTheRetryReplaysTheRealAnswer() {
      stripe.nextCharges(new FakeStripe.BadJson());
      StripeGateway gateway = gateway();

      ChargeOutcome first = gateway.charge(request("k1"));
      assertThat(first).isInstanceOf(ChargeOutcome.Unknown.class);
      assertThat(((ChargeOutcome.Unknown) first).message()).contains("unreadable");

      assertThat(gateway.charge(request("k1"))).isInstanceOf(ChargeOutcome.Paid.class);
      assertThat(stripe.charges()).isEqualTo(1);
    }

    @Test
    void aDroppedConnectionIsRetriedInsideTheCallAndReplaysTheCharge() {
      stripe.nextCharges(new FakeStripe.DropConnection());

      assertThat(gateway().charge(request("k1"))).isInstanceOf(ChargeOutcome.Paid.class);

      assertThat(stripe.charges()).isEqualTo(1);
      assertThat(stripe.replays())
          .as("Stripe had charged; the retry got the saved answer")
          .isEqualTo(1);
      assertThat(slept).hasSize(1);
    }

    @Test
    void aDroppedConnectionOnEveryAttemptIsUnknown() {
      stripe.nextCharges(
          new FakeStripe.DropConnection(),
          new FakeStripe.DropConnection(),
          new FakeStripe.DropConnection());
      ChargeOutcome outcome = gateway().charge(request("k1"));
      assertThat(outcome).isInstanceOf(ChargeOutcome.Unknown.class);
      assertThat(((ChargeOutcome.Unknown) outcome).message()).contains("3 attempts");
      assertThat(stripe.charges())
          .as("the first attempt charged; the replays did not charge again")
          .isEqualTo(1);
    }

    @Test
    void noServerIsUnknownForAChargeAndAnErrorForARead() throws Exception {
      int port;
      try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      StripeGateway nowhere =
          gatewayBuilder().baseUri(URI.create("http://127.0.0.1:" + port)).build();

      assertThat(nowhere.charge(request("k1"))).isInstanceOf(ChargeOutcome.Unknown.class);
      assertThat(slept).as("connection refused is retried, bounded").hasSize(2);
      assertThatThrownBy(() -> nowhere.savedPaymentMethod("cus_Default"))
          .isInstanceOf(StripeException.class)
          .hasMessageContaining("could not read");
    }

    @Test
    void theSameKeyWithOtherParametersIsAnIdempotencyError() {
      StripeGateway gateway = gateway();
      gateway.charge(request("inv_42-round-1"));

      ChargeRequest otherAmount =
          new ChargeRequest("cus_Default", "pm_Default", 9_999, "usd", "inv_42", "inv_42-round-1");

      assertThatThrownBy(() -> gateway.charge(otherAmount))
          .isInstanceOf(StripeIdempotencyException.class)
          .hasMessageContaining("same parameters")
          .satisfies(
              e -> {
                StripeException se = (StripeException) e;
                assertThat(se.httpStatus()).isEqualTo(400);
                assertThat(se.type()).contains("idempotency_error");
              });
      assertThat(stripe.charges()).isEqualTo(1);
    }

    @Test
    void aRequestStripeRefusesAsInvalidIsOurFaultNeverADecline() {
      ChargeRequest stranger =
          new ChargeRequest("cus_Default", "pm_SomeoneElses", 2_500, "usd", "inv_42", "k1");

      assertThat(gateway().charge(stranger))
          .isInstanceOfSatisfying(
              ChargeOutcome.Failed.class,
              f -> {
                assertThat(f.kind()).isEqualTo(StripeErrorKind.INVALID_REQUEST.name());
                assertThat(f.message())
                    .contains("inv_42")
                    .contains("invalid_request_error/resource_missing")
                    .contains("param payment_method")
                    .contains("HTTP 400");
              });
      assertThat(stripe.intentsCreated()).isZero();
      assertThat(stripe.chargeRequests()).as("a 400 is not retried").hasSize(1);
    }

    @Test
    void everyInvalidRequestIsOurFaultNotADecline() {
      stripe.nextCharges(
          new FakeStripe.Fails(
              400,
              "invalid_request_error",
              "parameter_unknown",
              "Received unknown parameter: payment_method_configuration. Did you mean payment_method_configuration_details?"));
      assertThat(gateway().charge(request("k1")))
          .isInstanceOfSatisfying(
              ChargeOutcome.Failed.class,
              f -> assertThat(f.message()).contains("parameter_unknown"));
      stripe.nextCharges(
          new FakeStripe.Fails(
              404, "invalid_request_error", "resource_missing", "No such customer: 'cus_Default'"));
      assertThat(gateway().charge(request("k2")))
          .isInstanceOfSatisfying(
              ChargeOutcome.Failed.class, f -> assertThat(f.kind()).isEqualTo("INVALID_REQUEST"));
    }

    @Test
    void aPaymentMethodIsChargedAsTheRoundSaysWithTheRoundInMetadata() {
      gateway()
          .charge(
              new ChargeRequest(
                  "cus_Default", "pm_Default", 2_500, "usd", "inv_42", "caravel-inv_42-round-3"));
      assertThat(stripe.chargeRequests().get(0).params())
          .containsEntry("metadata[round]", "3")
          .containsEntry("metadata[invoice_id]", "inv_42")
          .containsEntry("automatic_payment_methods[allow_redirects]", "never");
      assertThat(StripeCharge.roundOf("caravel-inv-7-round-12")).contains(12);
      assertThat(StripeCharge.roundOf("k1")).isEmpty();
    }

    @Test
    void validatesBeforeSending() {
      StripeGateway gateway = gateway();
      assertThatThrownBy(
              () ->
                  gateway.charge(
                      new ChargeRequest(
                          "cus_Default", "pm_Default", 100_000_000, "usd", "inv", "k")))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("maximum");
      assertThatThrownBy(
              () ->
                  gateway.charge(
                      new ChargeRequest("cus_Default", "pm_Default", 100, "dollars", "inv", "k")))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("currency");
      assertThatThrownBy(
              () ->
                  gateway.charge(
                      new ChargeRequest("cus/../x", "pm_Default", 100, "usd", "inv", "k")))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("customer id");
      assertThatThrownBy(
              () ->
                  gateway.charge(
                      new ChargeRequest("cus_Default", "pm Default", 100, "usd", "inv", "k")))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("payment method id");
      assertThatThrownBy(
              () ->
                  gateway.charge(
                      new ChargeRequest("cus_Default", "pm_Default", 100, "usd", "inv", "clé 1")))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("idempotency key");
      assertThat(stripe.requests()).isEmpty();
    }

    @Test
    void upperCaseCurrencyIsSentAsStripeWantsIt() {
      gateway().charge(new ChargeRequest("cus_Default", "pm_Default", 100, "EUR", "inv_1", "k1"));
      assertThat(stripe.chargeRequests().get(0).params()).containsEntry("currency", "eur");
    }
  }

  @Nested
  class Secrets {
    static final String WRONG_KEY = "sk_test_51WrongKeyThatMustNotLeakAnywhere9876";

    @Test
    void a401IsAConfigurationErrorWithoutTheKey() {
      StripeGateway wrong = gatewayBuilder().apiKey(WRONG_KEY).build();

      assertThat(wrong.charge(request("k1")))
          .isInstanceOfSatisfying(
              ChargeOutcome.Failed.class,
              f -> {
                assertThat(f.kind()).isEqualTo("AUTHENTICATION");
                assertThat(f.message())
                    .contains("401")
                    .doesNotContain(WRONG_KEY)
                    .doesNotContain("9876")
                    .doesNotContain("sk_test")
                    .doesNotContain(FakeStripe.API_KEY);
              });
      for (Runnable call : List.<Runnable>of(() -> wrong.savedPaymentMethod("cus_Default"))) {
        assertThatThrownBy(call::run)
            .isInstanceOf(StripeConfigurationException.class)
            .satisfies(
                e -> {
                  assertThat(((StripeException) e).httpStatus()).isEqualTo(401);
                  assertThat(((StripeException) e).kind())
                      .isEqualTo(StripeErrorKind.AUTHENTICATION);
                  assertThat(e.getMessage())
                      .contains("401")
                      .doesNotContain(WRONG_KEY)
                      .doesNotContain("9876")
                      .doesNotContain("sk_test")
                      .doesNotContain(FakeStripe.API_KEY);
                  assertThat(e.toString()).doesNotContain(WRONG_KEY).doesNotContain("9876");
                });
      }
      assertThat(stripe.intentsCreated()).isZero();
    }

    @Test
    void a403IsAConfigurationError() {
      stripe.nextCharges(new FakeStripe.Forbidden());
      assertThat(gateway().charge(request("k1")))
          .isInstanceOfSatisfying(
              ChargeOutcome.Failed.class,
              f -> {
                assertThat(f.kind()).isEqualTo(StripeErrorKind.PERMISSION.name());
                assertThat(f.message()).contains("403").doesNotContain("rk_test");
              });
    }

    @Test
    void theKeyIsNeverLogged() {
      StripeGateway right = gateway();
      StripeGateway wrong = gatewayBuilder().apiKey(WRONG_KEY).build();
      stripe.nextCharges(
          new FakeStripe.ServerError(),
          new FakeStripe.RateLimited(-1),
          new FakeStripe.Decline("generic_decline", "Your card was declined."),
          new FakeStripe.DropConnection());
      for (int i = 0; i < 4; i++) {
        right.charge(request("k" + i));
      }
      stripe.nextReads(new FakeStripe.ServerError());
      right.savedPaymentMethod("cus_CardsOnly");
      assertThat(wrong.charge(request("k9"))).isInstanceOf(ChargeOutcome.Failed.class);

      List<String> lines = CapturedLogs.lines();
      assertThat(lines)
          .anySatisfy(l -> assertThat(l).contains("StripeGateway"))
          .anySatisfy(l -> assertThat(l).contains("StripeHttp").contains("retrying"));
      assertThat(lines)
          .noneSatisfy(
              l -> assertThat(l).containsAnyOf(FakeStripe.API_KEY, WRONG_KEY, "Bearer", "sk_test"));
    }

    @Test
    void theKeyIsNeverInToString() {
      StripeGateway.Builder builder = gatewayBuilder();
      assertThat(builder.toString()).doesNotContain(FakeStripe.API_KEY).contains("redacted");
      assertThat(builder.build().toString())
          .doesNotContain(FakeStripe.API_KEY)
          .doesNotContain("sk_test")
          .contains("redacted");
    }

    @Test
    void badKeysAreRefusedWithoutEchoingThem() {
      assertThatThrownBy(() -> StripeGateway.builder().apiKey(" "))
          .isInstanceOf(InvalidInputException.class);
      assertThatThrownBy(() -> StripeGateway.builder().apiKey("sk_test_abc\n"))
          .isInstanceOf(InvalidInputException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk_test_abc"));
      assertThatThrownBy(() -> StripeGateway.builder().build())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("API key is required");
      assertThatThrownBy(
              () ->
                  StripeGateway.builder().baseUri(URI.create("https://sk_live_x:@api.stripe.com")))
          .isInstanceOf(InvalidInputException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk_live_x"));
    }
  }

  @Test
  void aDefaultBuiltGatewayWorks() {
    StripeGateway gateway =
        StripeGateway.builder()
            .apiKey(FakeStripe.API_KEY)
            .baseUri(stripe.uri())
            .connectTimeout(Duration.ofSeconds(2))
            .requestTimeout(Duration.ofSeconds(5))
            .build();
    assertThat(gateway.charge(request("k1"))).isInstanceOf(ChargeOutcome.Paid.class);
  }
}
