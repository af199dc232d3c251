package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingListener;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.PaymentResult;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.stripe.fake.FakeStripe;
import dev.caravel.billing.testkit.MutableClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 13 end to end: the engine, StripeGateway and StripeWebhooks against the strict fake. */
class StripeReconciliationEndToEndTest {
  static final String TENANT = "ab".repeat(32);
  static final String SECRET = "whsec_test_reconciliation";
  static final Instant T0 = Instant.parse("2026-01-31T10:00:00Z");

  static FakeStripe stripe;
  static HttpClient client;

  final MutableClock clock = new MutableClock(T0);
  final InMemoryRepository repository = new InMemoryRepository();
  final List<String> dms = new CopyOnWriteArrayList<>();
  final List<String> attention = new CopyOnWriteArrayList<>();
  StripeGateway gateway;

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
  }

  private Billing engine(Repository repo, String instance, PlanCatalogue catalogue) {
    return Billing.builder()
        .repository(repo)
        .catalogue(catalogue)
        .clock(clock)
        .instanceId(instance)
        .paymentGateway(gateway)
        .messenger((pubkey, text) -> dms.add(text))
        .appUrl("https://relays.example")
        .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
        // Each ledger numbers its invoices from 1; two ledgers on one Stripe account need
        // distinct formats, or their charges' idempotency keys would collide.
        .invoiceNumbers(
            n -> "INV-" + catalogue.currency().toUpperCase(java.util.Locale.ROOT) + "-" + n)
        .listener(
            new BillingListener() {
              @Override
              public void needsAttention(Invoice invoice, Rail rail, String reason) {
                attention.add(reason);
              }
            })
        .build();
  }

  private Billing engine(Repository repo, String instance) {
    return engine(repo, instance, PlanCatalogue.of(new Plan("basic", "Basic", 500)));
  }

  private String invoice(Billing billing, String plan) {
    billing.saveTenant(TENANT, null, "cus_Default");
    billing.record(Activity.create("evt-1", TENANT, "relay-1", plan, T0));
    return billing.generateInvoice(TENANT).orElseThrow().id();
  }

  private String signed(String payload) {
    return StripeWebhookVerifierTest.header(SECRET, clock.instant().getEpochSecond(), payload);
  }

  private static String intentEvent(
      String eventId,
      String type,
      String apiVersion,
      String intentId,
      String invoiceId,
      String status) {
    return """
        {"id":"%s","object":"event","type":"%s","livemode":false,"created":1700000000,"api_version":"%s",
         "data":{"object":{"id":"%s","object":"payment_intent","amount":500,"currency":"usd","status":"%s",
           "metadata":{"invoice_id":"%s","round":"1"},
           "last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds",
             "message":"Developer text: the card pm_Default was declined (see docs)"}}}}"""
        .formatted(eventId, type, apiVersion, intentId, status, invoiceId);
  }

  @Test
  void processingThenAFailedWebhookGivesTheNextRound() {
    Billing billing = engine(repository, "a");
    String id = invoice(billing, "basic");
    stripe.nextCharges(new FakeStripe.Processing());
    PaymentResult first = billing.collect(id);
    assertThat(first).isInstanceOf(PaymentResult.Pending.class);
    String intent = ((PaymentResult.Pending) first).reference();

    stripe.setIntentStatus(intent, "requires_payment_method");
    StripeWebhooks webhooks =
        StripeWebhooks.builder()
            .billing(billing)
            .verifier(StripeWebhookVerifier.of(SECRET, Duration.ofMinutes(5), clock))
            .build();
    String failed =
        intentEvent(
            "evt_failed",
            "payment_intent.payment_failed",
            StripeGateway.API_VERSION,
            intent,
            id,
            "requires_payment_method");
    assertThat(webhooks.handle(failed, signed(failed))).isEqualTo(StripeWebhooks.Handled.APPLIED);
    assertThat(webhooks.handle(failed, signed(failed))).isEqualTo(StripeWebhooks.Handled.DUPLICATE);
    // another instance's helper gets the same delivery: the engine call is idempotent
    StripeWebhooks other =
        StripeWebhooks.builder()
            .billing(engine(repository, "b"))
            .verifier(StripeWebhookVerifier.of(SECRET, Duration.ofMinutes(5), clock))
            .build();
    assertThat(other.handle(failed, signed(failed))).isEqualTo(StripeWebhooks.Handled.APPLIED);

    assertThat(dms)
        .singleElement()
        .satisfies(
            dm ->
                assertThat(dm)
                    .endsWith("Your card was declined.")
                    .doesNotContain("insufficient funds")
                    .doesNotContain("Developer text")
                    .doesNotContain("pm_Default"));
    assertThat(billing.collect(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.NOT_DUE));
    clock.advance(Duration.ofDays(1));
    assertThat(billing.collectDue()).singleElement().isInstanceOf(PaymentResult.Paid.class);
    assertThat(stripe.chargeRequests())
        .extracting(r -> r.header("Idempotency-Key"))
        .containsExactly("caravel-" + id + "-round-1", "caravel-" + id + "-round-2");
  }

  @Test
  void aSucceededWebhookSettlesAndAnotherApiVersionIsRefused() {
    Billing billing = engine(repository, "a");
    String id = invoice(billing, "basic");
    stripe.nextCharges(new FakeStripe.Processing());
    String intent = ((PaymentResult.Pending) billing.collect(id)).reference();
    StripeWebhooks webhooks =
        StripeWebhooks.builder()
            .billing(billing)
            .verifier(StripeWebhookVerifier.of(SECRET, Duration.ofMinutes(5), clock))
            .build();

    String old =
        intentEvent("evt_old", "payment_intent.succeeded", "2020-08-27", intent, id, "succeeded");
    assertThatThrownBy(() -> webhooks.handle(old, signed(old)))
        .isInstanceOf(StripeWebhookException.class)
        .hasMessageContaining("2020-08-27")
        .hasMessageContaining(StripeGateway.API_VERSION);
    assertThat(repository.findInvoice(id).orElseThrow().isPaid()).isFalse();

    String ok =
        intentEvent(
            "evt_ok",
            "payment_intent.succeeded",
            StripeGateway.API_VERSION,
            intent,
            id,
            "succeeded");
    assertThat(webhooks.handle(ok, signed(ok))).isEqualTo(StripeWebhooks.Handled.APPLIED);
    assertThat(repository.findInvoice(id).orElseThrow().payment().orElseThrow().reference())
        .isEqualTo(intent);
  }

  @Test
  void aConfigurationErrorEndsTheRoundNeedingAttentionWithoutItsTextInTheDm() {
    Billing billing = engine(repository, "a");
    String id = invoice(billing, "basic");
    stripe.nextCharges(new FakeStripe.Forbidden());
    assertThat(billing.collect(id))
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class, r -> assertThat(r.nextAttempt()).isEmpty());
    assertThat(attention).singleElement().asString().contains("PERMISSION").contains("403");
    assertThat(dms)
        .singleElement()
        .asString()
        .endsWith("We could not charge you automatically; we are looking into it.")
        .doesNotContain("403");
    assertThat(repository.collectionState(id).orElseThrow().hold())
        .map(CollectionHold::reason)
        .contains(CollectionHold.Reason.CONFIGURATION_FAULT);

    clock.advance(Duration.ofHours(1));
    assertThat(billing.collectDue()).as("nothing resent by itself").isEmpty();
    // the operator granted the permission and reopens it: nothing was charged, so a new round
    assertThat(billing.reopen(id)).isTrue();
    assertThat(billing.collectDue()).singleElement().isInstanceOf(PaymentResult.Paid.class);
    assertThat(repository.collectionState(id).orElseThrow().rounds()).isEqualTo(2);
    assertThat(stripe.charges()).isEqualTo(1);
    assertThat(dms).hasSize(1);
  }

  @Test
  void anIntentWaitingForTheCustomerIsCanceledWhenTheInvoiceIsPaidOtherwise() {
    Billing billing = engine(repository, "a");
    String id = invoice(billing, "basic");
    stripe.nextCharges(new FakeStripe.RequiresAction());
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.NotPaid.class);
    String intent = stripe.intents().get(0);

    assertThat(billing.settle(id, PaymentMethod.MANUAL, "paid-through-the-link")).isTrue();
    assertThat(stripe.intent(intent).orElseThrow().path("status").asText()).isEqualTo("canceled");
  }

  @Test
  void iskAndKwdAmountsAreSentInStripesUnits() {
    Billing isk =
        engine(
            repository, "a", PlanCatalogue.of("isk", List.of(new Plan("basic", "Basic", 1_500))));
    String id = invoice(isk, "basic");
    assertThat(isk.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(stripe.chargeRequests().get(0).params())
        .containsEntry("amount", "150000")
        .containsEntry("currency", "isk");

    InMemoryRepository other = new InMemoryRepository();
    Billing kwd =
        engine(other, "b", PlanCatalogue.of("kwd", List.of(new Plan("basic", "Basic", 5_000))));
    String kid = invoice(kwd, "basic");
    assertThat(kwd.collect(kid)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(stripe.chargeRequests().get(1).params())
        .containsEntry("amount", "5000")
        .containsEntry("currency", "kwd");

    assertThatThrownBy(
            () ->
                engine(
                    new InMemoryRepository(),
                    "c",
                    PlanCatalogue.of("kwd", List.of(new Plan("odd", "Odd", 5_005)))))
        .as("a price Stripe cannot charge is refused when the engine is built")
        .hasMessageContaining("odd");
  }

  @Test
  void transientErrorsAreRetriedInsideTheCall() {
    Billing billing = engine(repository, "a");
    String id = invoice(billing, "basic");
    stripe.nextCharges(new FakeStripe.ServerError(null), new FakeStripe.KeyInUse(null));
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(stripe.chargeRequests())
        .hasSize(3)
        .extracting(r -> r.header("Idempotency-Key"))
        .containsOnly("caravel-" + id + "-round-1");
    assertThat(stripe.charges()).isEqualTo(1);
  }

  @Test
  void aCrashBetweenStripesChargeAndTheLedgerIsResumedByAnotherInstance() {
    Repository dying =
        (Repository)
            Proxy.newProxyInstance(
                Repository.class.getClassLoader(),
                new Class<?>[] {Repository.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("markPaid")
                      || (method.getName().equals("endRound")
                          && (args[1] instanceof RoundEnd.Paid
                              || args[1] instanceof RoundEnd.LeftOpen))) {
                    throw new IllegalStateException(
                        "kill -9"); // the process dies before the ledger's write
                  }
                  try {
                    return method.invoke(repository, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    Billing a = engine(dying, "a");
    String id = invoice(a, "basic");
    assertThatThrownBy(() -> a.collect(id)).hasMessage("kill -9");
    assertThat(stripe.charges()).isEqualTo(1);

    Billing b = engine(repository, "b");
    clock.advance(Duration.ofMinutes(5)); // a's lease runs out
    assertThat(b.collectDue())
        .singleElement()
        .isInstanceOfSatisfying(
            PaymentResult.Paid.class,
            p -> assertThat(p.payment().reference()).isEqualTo(stripe.intents().get(0)));
    assertThat(stripe.charges()).isEqualTo(1);
    assertThat(stripe.chargeRequests()).as("looked up, not resent").hasSize(1);
    assertThat(repository.invoices(TENANT))
        .singleElement()
        .satisfies(i -> assertThat(i.isPaid()).isTrue());
  }
}
