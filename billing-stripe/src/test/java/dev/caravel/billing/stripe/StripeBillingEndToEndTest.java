package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.RefundResult;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.stripe.fake.FakeStripe;
import dev.caravel.billing.testkit.MutableClock;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine ({@link Billing}) collecting through {@link StripeGateway} against the fake. */
class StripeBillingEndToEndTest {
  static final String TENANT = "ab".repeat(32);
  static final Instant T0 = Instant.parse("2026-01-31T10:00:00Z");

  static FakeStripe stripe;
  static HttpClient client;

  final MutableClock clock = new MutableClock(T0);
  final InMemoryRepository repository = new InMemoryRepository();
  final List<String> dms = new CopyOnWriteArrayList<>();
  StripeGateway gateway;
  Billing billing;

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
  void setUp() {
    stripe.reset();
    stripe.customer("cus_Default", "pm_Default");
    gateway =
        StripeGateway.builder()
            .apiKey(FakeStripe.API_KEY)
            .baseUri(stripe.uri())
            .httpClient(client)
            .requestTimeout(Duration.ofMillis(300))
            .sleeper(d -> {})
            .build();
    billing =
        Billing.builder()
            .repository(repository)
            .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
            .clock(clock)
            .paymentGateway(gateway)
            .messenger((pubkey, text) -> dms.add(text))
            .appUrl("https://relays.example")
            .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
            .build();
    billing.saveTenant(TENANT, null, "cus_Default");
    billing.record(Activity.create("evt-1", TENANT, "relay-1", "basic", T0));
  }

  @Test
  void aRefundStripeRefusesEndsFailedAndItsAmountIsFreeAgain() {
    Invoice invoice = billing.generateInvoice(TENANT).orElseThrow();
    String intent = ((PaymentResult.Paid) billing.collect(invoice.id())).payment().reference();
    // Someone refunds 400 of the 500 on Stripe's dashboard; its webhook has not come yet.
    gateway.refund(intent, 400, "usd", "dashboard-refund-1");

    RefundResult refused = billing.refund(invoice.id(), 200, "Goodwill", "refund-1");

    assertThat(refused)
        .isInstanceOfSatisfying(
            RefundResult.Failed.class,
            f -> assertThat(f.refund().failure().orElseThrow()).contains("amount_too_large"));
    assertThat(stripe.refunds()).as("only the dashboard's").hasSize(1);
    assertThat(billing.balance(invoice.id()).refunded()).isZero();

    billing.chargeRefunded(invoice.id(), intent, 400); // the dashboard refund's webhook
    assertThat(billing.balance(invoice.id()).refunded()).isEqualTo(400);
    assertThat(billing.refund(invoice.id(), 100, "Goodwill", "refund-2"))
        .isInstanceOf(RefundResult.Recorded.class);
    assertThat(billing.balance(invoice.id()))
        .isEqualTo(new Invoice.Balance(invoice.id(), 500, 500, 500, 0));
    assertThat(billing.refund(invoice.id(), 200, "Goodwill", "refund-1"))
        .as("the refused key keeps its answer")
        .isEqualTo(refused);
  }

  @Test
  void aTimeoutAfterStripeChargedEndsInOnePaidInvoiceAndOneCharge() {
    Invoice invoice = billing.generateInvoice(TENANT).orElseThrow();
    assertThat(invoice.total()).isEqualTo(500);
    CountDownLatch release = new CountDownLatch(1);
    stripe.nextCharges(new FakeStripe.HoldAfterCharge(release));

    PaymentResult first = billing.collect(invoice.id());
    release.countDown();

    assertThat(first).isInstanceOf(PaymentResult.Unknown.class);
    assertThat(stripe.charges()).as("Stripe charged although the client timed out").isEqualTo(1);
    assertThat(repository.findInvoice(invoice.id()).orElseThrow().isPaid()).isFalse();

    clock.advance(Duration.ofMinutes(10));
    List<PaymentResult> resumed = billing.collectDue();

    assertThat(resumed)
        .singleElement()
        .isInstanceOfSatisfying(
            PaymentResult.Paid.class,
            paid -> {
              assertThat(paid.payment().method()).isEqualTo(PaymentMethod.STRIPE);
              assertThat(paid.payment().reference()).isEqualTo(stripe.intents().get(0));
            });
    assertThat(stripe.charges()).isEqualTo(1);
    assertThat(stripe.intentsCreated()).isEqualTo(1);
    // The resumed round looked the charge up (found succeeded) instead of sending it again.
    assertThat(stripe.chargeRequests()).hasSize(1);
    assertThat(stripe.requests())
        .anySatisfy(
            r ->
                assertThat(r.path())
                    .isEqualTo("/v1/payment_intents")
                    .satisfies(p -> assertThat(r.method()).isEqualTo("GET")));
    assertThat(stripe.chargeRequests().get(0).params())
        .containsEntry("metadata[invoice_id]", invoice.id());
    assertThat(repository.invoices(TENANT))
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.id()).isEqualTo(invoice.id());
              assertThat(i.isPaid()).isTrue();
            });
    assertThat(dms).isEmpty();

    // Later cycles find nothing to charge.
    clock.advance(Duration.ofDays(8));
    billing.runCycle();
    assertThat(stripe.charges()).isEqualTo(1);
  }

  @Test
  void aCardChangedBetweenATimeoutAndTheResumeNeverChargesTwice() {
    Invoice invoice = billing.generateInvoice(TENANT).orElseThrow();
    CountDownLatch release = new CountDownLatch(1);
    stripe.nextCharges(new FakeStripe.HoldAfterCharge(release));
    assertThat(billing.collect(invoice.id())).isInstanceOf(PaymentResult.Unknown.class);
    release.countDown();

    // The tenant saves a new default card while the round's outcome is unknown.
    stripe.customer("cus_Default", "pm_NewCard", "pm_Default");
    clock.advance(Duration.ofMinutes(10));
    List<PaymentResult> resumed = billing.collectDue();

    // The resumed round looks first and finds the first charge: paid once, on the first card,
    // and no request with the new default card is ever sent.
    assertThat(resumed).singleElement().isInstanceOf(PaymentResult.Paid.class);
    assertThat(stripe.chargeRequests())
        .extracting(r -> r.params().get("payment_method"))
        .containsExactly("pm_Default");
    assertThat(stripe.chargeRequests())
        .extracting(r -> r.header("Idempotency-Key"))
        .containsOnly("caravel-" + invoice.id() + "-round-1");
    assertThat(stripe.charges()).isEqualTo(1);
    assertThat(dms).isEmpty();
  }

  @Test
  void aDeclineFallsThroughToADirectMessageAndTheNextRoundUsesANewKey() {
    Invoice invoice = billing.generateInvoice(TENANT).orElseThrow();
    stripe.nextCharges(
        new FakeStripe.Decline("insufficient_funds", "Your card has insufficient funds."));

    PaymentResult first = billing.collect(invoice.id());

    assertThat(first)
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class,
            notPaid ->
                assertThat(notPaid.lastError()).contains("Your card has insufficient funds."));
    assertThat(dms)
        .singleElement()
        .asString()
        .endsWith("Your card was declined.")
        .doesNotContain("insufficient funds")
        .contains(invoice.id());

    clock.advance(Duration.ofDays(1));
    List<PaymentResult> retried = billing.collectDue();

    assertThat(retried).singleElement().isInstanceOf(PaymentResult.Paid.class);
    List<String> keys =
        stripe.chargeRequests().stream().map(s -> s.header("Idempotency-Key")).toList();
    assertThat(keys).hasSize(2).doesNotHaveDuplicates();
    assertThat(stripe.charges()).isEqualTo(1);
  }

  @Test
  void aProcessingChargeIsSettledFromTheWebhook() {
    Invoice invoice = billing.generateInvoice(TENANT).orElseThrow();
    stripe.nextCharges(new FakeStripe.Processing());

    PaymentResult pending = billing.collect(invoice.id());
    assertThat(pending).isInstanceOf(PaymentResult.Pending.class);
    String intent = ((PaymentResult.Pending) pending).reference();

    // Later Stripe posts payment_intent.succeeded; the host verifies it and settles the invoice.
    String secret = "whsec_e2e";
    long t = clock.instant().getEpochSecond();
    String payload =
        """
        {"id":"evt_1","object":"event","type":"payment_intent.succeeded","livemode":false,
         "data":{"object":{"id":"%s","object":"payment_intent","amount":500,"currency":"usd",
           "status":"succeeded","metadata":{"invoice_id":"%s"}}}}"""
            .formatted(intent, invoice.id());
    StripeWebhookVerifier webhooks = StripeWebhookVerifier.of(secret, Duration.ofMinutes(5), clock);
    StripeEvent event =
        webhooks.verify(payload, StripeWebhookVerifierTest.header(secret, t, payload));

    StripeEvent.PaymentIntentEvent paid = (StripeEvent.PaymentIntentEvent) event;
    assertThat(paid.status()).isEqualTo(StripeEvent.IntentStatus.SUCCEEDED);
    assertThat(
            billing.settle(paid.invoiceId().orElseThrow(), PaymentMethod.STRIPE, paid.intentId()))
        .isTrue();
    assertThat(
            repository.findInvoice(invoice.id()).orElseThrow().payment().orElseThrow().reference())
        .isEqualTo(intent);
  }

  @Test
  void ourFaultEndsTheRoundNeedingAttentionAndTheTenantHearsOnlyAFixedSentence() {
    Invoice invoice = billing.generateInvoice(TENANT).orElseThrow();
    stripe.nextCharges(new FakeStripe.Forbidden());
    assertThat(billing.collect(invoice.id()))
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class,
            r -> {
              assertThat(r.nextAttempt()).as("a person moves it on").isEmpty();
              assertThat(r.lastError().orElseThrow()).contains("403");
            });
    clock.advance(Duration.ofDays(8));
    billing.runCycle();
    assertThat(stripe.chargeRequests()).as("the poll never sends it again").hasSize(1);

    // The operator fixes the permission and retries: a new round, a new key; our next mistake
    // ends that round the same way.
    stripe.nextCharges(
        new FakeStripe.Fails(
            400,
            "invalid_request_error",
            "parameter_unknown",
            "Received unknown parameter: payment_method_configuration (see https://stripe.com/docs/api/payment_intents/create)"));
    assertThat(billing.retryNow(invoice.id())).isInstanceOf(PaymentResult.NotPaid.class);

    assertThat(dms)
        .hasSize(2)
        .allSatisfy(
            dm ->
                assertThat(dm)
                    .endsWith("We could not charge you automatically; we are looking into it.")
                    .contains(invoice.id())
                    .doesNotContain("403")
                    .doesNotContain("permission")
                    .doesNotContain("payment_method_configuration")
                    .doesNotContain("stripe.com")
                    .doesNotContain("req_"));
    assertThat(billing.reopen(invoice.id())).isTrue();
    assertThat(billing.collectDue()).singleElement().isInstanceOf(PaymentResult.Paid.class);
    assertThat(stripe.chargeRequests())
        .extracting(r -> r.header("Idempotency-Key"))
        .containsExactly(
            "caravel-" + invoice.id() + "-round-1",
            "caravel-" + invoice.id() + "-round-2",
            "caravel-" + invoice.id() + "-round-3");
    assertThat(stripe.charges()).isEqualTo(1);
  }

  @Test
  void aCardOnlyInvoiceBelowStripesMinimumIsCarriedAndChargedOnceWithTheNext() {
    billing.credit(TENANT, 470, "Goodwill", "support-1");
    Invoice carried = billing.generateInvoice(TENANT).orElseThrow();
    assertThat(carried.total()).isEqualTo(30);
    assertThat(carried.status())
        .as("S25: below Stripe's 50 cents")
        .isEqualTo(Invoice.Status.CARRIED);
    billing.runCycle();
    assertThat(stripe.chargeRequests()).as("nothing sent for it").isEmpty();

    clock.set(Instant.parse("2026-02-28T10:00:00Z"));
    Invoice next = billing.generateInvoice(TENANT).orElseThrow();
    assertThat(next.total()).as("the renewal and the carried 30").isEqualTo(530);
    assertThat(billing.collect(next.id())).isInstanceOf(PaymentResult.Paid.class);
    assertThat(stripe.chargeRequests())
        .singleElement()
        .satisfies(r -> assertThat(r.params()).containsEntry("amount", "530"));
  }

  @Test
  void aChargeBelowStripesMinimumIsRefusedBeforeSendingAndEndsTheRoundOnce() {
    // The engine told of a lower minimum than Stripe's (a host's override, say for another
    // settlement currency) does not carry it: the gateway still refuses it before sending.
    Billing billing =
        Billing.builder()
            .repository(repository)
            .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
            .clock(clock)
            .paymentGateway(gateway)
            .cardMinimum("usd", 1)
            .messenger((pubkey, text) -> dms.add(text))
            .appUrl("https://relays.example")
            .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
            .build();
    billing.credit(TENANT, 470, "Goodwill", "support-1");
    Invoice invoice = billing.generateInvoice(TENANT).orElseThrow();
    assertThat(invoice.total()).isEqualTo(30);

    assertThat(billing.collect(invoice.id()))
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class,
            r -> {
              assertThat(r.nextAttempt()).isEmpty();
              assertThat(r.lastError().orElseThrow()).contains("minimum");
            });
    for (int hour = 0; hour < 48; hour++) {
      clock.advance(Duration.ofHours(1));
      billing.runCycle();
    }
    assertThat(stripe.chargeRequests()).as("nothing was ever sent").isEmpty();
    assertThat(repository.collectionState(invoice.id()).orElseThrow().rounds()).isEqualTo(1);
    assertThat(dms)
        .singleElement()
        .asString()
        .endsWith("We could not charge you automatically; we are looking into it.")
        .doesNotContain("minimum");
  }

  @Test
  void aDmAfterStripeRefusedOurApiKeyNamesNoStatusKeyOrRequest() {
    StripeGateway wrongKey =
        StripeGateway.builder()
            .apiKey("sk_test_" + "x".repeat(24) + "WXYZ")
            .baseUri(stripe.uri())
            .httpClient(client)
            .requestTimeout(Duration.ofMillis(300))
            .sleeper(d -> {})
            .build();
    List<String> attention = new CopyOnWriteArrayList<>();
    Billing billing =
        Billing.builder()
            .repository(new InMemoryRepository())
            .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500)))
            .clock(clock)
            .paymentGateway(wrongKey)
            .messenger((pubkey, text) -> dms.add(text))
            .listener(
                new dev.caravel.billing.BillingListener() {
                  @Override
                  public void needsAttention(
                      Invoice invoice, dev.caravel.billing.RailException.Rail rail, String reason) {
                    attention.add(reason);
                  }
                })
            .appUrl("https://relays.example")
            .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
            .build();
    billing.saveTenant(TENANT, null, "cus_Default");
    billing.record(Activity.create("evt-1", TENANT, "relay-1", "basic", T0));
    Invoice invoice = billing.generateInvoice(TENANT).orElseThrow();

    billing.collect(invoice.id());

    assertThat(attention).singleElement().asString().contains("401");
    assertThat(dms)
        .singleElement()
        .asString()
        .endsWith("We could not charge you automatically; we are looking into it.")
        .doesNotContain("401")
        .doesNotContain("API key")
        .doesNotContain("WXYZ")
        .doesNotContain("req_");
  }

  @Test
  void transientErrorsAreRetriedInsideTheCallNotTenMinutesLater() {
    Invoice invoice = billing.generateInvoice(TENANT).orElseThrow();
    stripe.nextCharges(new FakeStripe.ServerError(true), new FakeStripe.KeyInUse());

    assertThat(billing.collect(invoice.id())).isInstanceOf(PaymentResult.Paid.class);
    assertThat(stripe.chargeRequests()).hasSize(3);
    assertThat(stripe.charges()).isEqualTo(1);
  }
}
