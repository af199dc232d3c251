package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvalidInputException;
import dev.caravel.billing.PaymentGateway.CancelOutcome;
import dev.caravel.billing.PaymentGateway.ChargeLookup;
import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.PaymentGateway.ChargeState;
import dev.caravel.billing.PaymentGateway.RefundOutcome;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.stripe.fake.FakeStripe;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** In-call retries, currency rules and the reconciliation calls, against the strict fake. */
class StripeGatewayRulesTest {
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
  void account() {
    stripe.reset();
    stripe.customer("cus_Default", "pm_Default");
  }

  StripeGateway gateway() {
    return StripeGateway.builder()
        .apiKey(FakeStripe.API_KEY)
        .baseUri(stripe.uri())
        .httpClient(client)
        .requestTimeout(Duration.ofSeconds(5))
        .sleeper(slept::add)
        .build();
  }

  static ChargeRequest charge(long amount, String currency, String invoice, int round) {
    return new ChargeRequest(
        "cus_Default",
        "pm_Default",
        amount,
        currency,
        invoice,
        "caravel-" + invoice + "-round-" + round);
  }

  @Nested
  class InCallRetries {
    @Test
    void stripeShouldRetryFalseIsHonoured() {
      stripe.nextCharges(new FakeStripe.ServerError(false));
      ChargeOutcome outcome = gateway().charge(charge(2_500, "usd", "inv_1", 1));
      assertThat(outcome).isInstanceOf(ChargeOutcome.Unknown.class);
      assertThat(stripe.chargeRequests()).hasSize(1);
      assertThat(slept).isEmpty();
    }

    @Test
    void stripeShouldRetryTrueIsHonouredEvenForA4xx() {
      stripe.nextCharges(new FakeStripe.LockTimeout());
      assertThat(gateway().charge(charge(2_500, "usd", "inv_1", 1)))
          .isInstanceOf(ChargeOutcome.Paid.class);
      assertThat(stripe.chargeRequests()).hasSize(2);
    }

    @Test
    void aSaved500IsUnknownAtOnceAndStaysUnknownForItsKey() {
      stripe.nextCharges(new FakeStripe.SavedServerError());
      StripeGateway gateway = gateway();

      ChargeOutcome first = gateway.charge(charge(2_500, "usd", "inv_1", 1));
      ChargeOutcome resumed = gateway.charge(charge(2_500, "usd", "inv_1", 1));

      assertThat(first).isInstanceOf(ChargeOutcome.Unknown.class);
      assertThat(((ChargeOutcome.Unknown) first).message()).contains("500").contains("1 attempt");
      assertThat(resumed).isInstanceOf(ChargeOutcome.Unknown.class);
      assertThat(stripe.replays()).isEqualTo(1);
      assertThat(slept).as("Stripe-Should-Retry: false on the saved 500").isEmpty();
      assertThat(stripe.charges()).isEqualTo(1);
    }

    @Test
    void retriesAreBoundedAndTheCallerSeesUnknownOnlyThen() {
      stripe.nextCharges(
          new FakeStripe.ServerError(true),
          new FakeStripe.ServerError(true),
          new FakeStripe.ServerError(true),
          new FakeStripe.ServerError(true));
      StripeGateway gateway =
          StripeGateway.builder()
              .apiKey(FakeStripe.API_KEY)
              .baseUri(stripe.uri())
              .httpClient(client)
              .maxNetworkRetries(3)
              .sleeper(slept::add)
              .build();
      ChargeOutcome outcome = gateway.charge(charge(2_500, "usd", "inv_1", 1));
      assertThat(outcome).isInstanceOf(ChargeOutcome.Unknown.class);
      assertThat(((ChargeOutcome.Unknown) outcome).message()).contains("4 attempts");
      assertThat(slept)
          .hasSize(3)
          .allSatisfy(d -> assertThat(d).isBetween(Duration.ofMillis(500), Duration.ofSeconds(5)));
      assertThatThrownBy(() -> StripeGateway.builder().maxNetworkRetries(6))
          .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void networkBackoffStaysWithinHalfASecondAndFiveSeconds() {
      Backoff b =
          new Backoff(
              10,
              StripeGateway.NETWORK_BACKOFF_MIN,
              StripeGateway.NETWORK_BACKOFF_MAX,
              new Random(7));
      for (int i = 0; i < 10; i++) {
        for (int n = 0; n < 50; n++) {
          assertThat(b.networkDelay(i).orElseThrow())
              .isBetween(Duration.ofMillis(500), Duration.ofSeconds(5));
        }
      }
      assertThat(b.networkDelay(10)).isEmpty();
      assertThat(b.networkDelay(4).orElseThrow()).isGreaterThanOrEqualTo(Duration.ofMillis(3750));
    }
  }

  @Nested
  class Currencies {
    @Test
    void iskIsSentTimesAHundred() {
      assertThat(gateway().charge(charge(2_500, "ISK", "inv_1", 1)))
          .isInstanceOf(ChargeOutcome.Paid.class);
      assertThat(stripe.chargeRequests().get(0).params())
          .containsEntry("amount", "250000")
          .containsEntry("currency", "isk");
      assertThat(StripeGateway.toStripeAmount(7, "isk")).isEqualTo(700);
    }

    @Test
    void threeDecimalAmountsMustEndInZero() {
      assertThat(gateway().charge(charge(5_250, "kwd", "inv_1", 1)))
          .isInstanceOf(ChargeOutcome.Paid.class);
      assertThat(stripe.chargeRequests().get(0).params()).containsEntry("amount", "5250");
      for (String c : new String[] {"bhd", "jod", "kwd", "omr", "tnd"}) {
        assertThatThrownBy(() -> gateway().charge(charge(5_255, c, "inv_2", 1)))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("must end in 0");
      }
      assertThat(stripe.chargeRequests()).hasSize(1);
    }

    @Test
    void zeroDecimalCurrenciesAreWholeUnits() {
      assertThat(StripeGateway.toStripeAmount(500, "jpy")).isEqualTo(500);
      assertThat(StripeGateway.toStripeAmount(12_300, "mga"))
          .as("ISO gives MGA two decimals; Stripe none")
          .isEqualTo(123);
      assertThatThrownBy(() -> StripeGateway.toStripeAmount(12_345, "mga"))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("multiple of 100");
    }

    @Test
    void chargesBelowStripesMinimumAreRefusedBeforeSending() {
      assertThatThrownBy(() -> gateway().charge(charge(49, "usd", "inv_1", 1)))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("minimum charge of 50");
      assertThatThrownBy(() -> gateway().charge(charge(29, "gbp", "inv_1", 1)))
          .hasMessageContaining("minimum charge of 30");
      assertThatThrownBy(() -> gateway().charge(charge(49, "jpy", "inv_1", 1)))
          .hasMessageContaining("minimum");
      assertThat(gateway().charge(charge(50, "usd", "inv_1", 1)))
          .isInstanceOf(ChargeOutcome.Paid.class);
      assertThatThrownBy(() -> StripeGateway.toStripeAmount(100_000_000, "usd"))
          .hasMessageContaining("maximum");
      assertThat(stripe.chargeRequests()).hasSize(1);
    }

    @Test
    void aCatalogueIsCheckedWhenItMeetsTheGateway() {
      assertThat(StripeGateway.checkCatalogueCurrency("USD")).isEqualTo("usd");
      assertThatThrownBy(() -> StripeGateway.checkCatalogueCurrency("XYZ"))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("not an ISO 4217");
      assertThatThrownBy(() -> StripeGateway.checkCatalogueCurrency("XAU"))
          .isInstanceOf(InvalidInputException.class);
      StripeGateway.checkCatalogue(
          PlanCatalogue.of(
              "kwd", List.of(new Plan("basic", "Basic", 5_000), new Plan("free", "Free", 0))));
      assertThatThrownBy(
              () ->
                  StripeGateway.checkCatalogue(
                      PlanCatalogue.of("kwd", List.of(new Plan("odd", "Odd", 5_005)))))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("plan odd")
          .hasMessageContaining("end in 0");
      // An older price still bills the periods before a change, and grandfathered relays.
      PlanCatalogue history =
          PlanCatalogue.withHistory(
              "kwd",
              List.of(
                  new PlanCatalogue.Version(
                      "basic", "Basic", 5_005, PlanCatalogue.ORIGIN, false, false),
                  new PlanCatalogue.Version(
                      "basic",
                      "Basic",
                      5_000,
                      java.time.Instant.parse("2025-03-01T00:00:00Z"),
                      false,
                      true)));
      assertThatThrownBy(() -> StripeGateway.checkCatalogue(history))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("plan basic (price effective 1970-01-01T00:00:00Z)")
          .hasMessageContaining("end in 0");
    }

    @Test
    void aPlanBelowStripesMinimumIsAllowedItsInvoicesAreCarried() {
      // S25 (issue 23): a 10-cent plan starts; the engine carries its invoices below the minimum.
      StripeGateway.checkCatalogue(PlanCatalogue.of("usd", List.of(new Plan("tiny", "Tiny", 10))));
      gateway().checkCurrency(PlanCatalogue.of("gbp", List.of(new Plan("tiny", "Tiny", 1))));
    }

    @Test
    void theMinimumChargeIsStripesPublishedOneInLedgerUnits() {
      StripeGateway gateway = gateway();
      assertThat(gateway.minimumCharge("usd")).hasValue(50);
      assertThat(gateway.minimumCharge("EUR")).hasValue(50);
      assertThat(gateway.minimumCharge("gbp")).hasValue(30);
      assertThat(gateway.minimumCharge("jpy")).as("zero-decimal: 50 yen").hasValue(50);
      assertThat(gateway.minimumCharge("hkd")).hasValue(400);
      assertThat(gateway.minimumCharge("mxn")).hasValue(1000);
      assertThat(gateway.minimumCharge("kwd"))
          .as("a currency Stripe lists no minimum for: none known, nothing carried")
          .isEmpty();
      assertThat(gateway.minimumCharge("XYZ")).as("not chargeable at all").isEmpty();
      assertThat(stripe.requests()).as("answered from the table, no call").isEmpty();
    }
  }

  @Nested
  class Reconciliation {
    @Test
    void anUnknownChargeIsFoundSucceededByListing() {
      stripe.nextCharges(new FakeStripe.SavedServerError());
      StripeGateway gateway = gateway();
      assertThat(gateway.charge(charge(2_500, "usd", "inv_1", 2)))
          .isInstanceOf(ChargeOutcome.Unknown.class);

      ChargeLookup found = gateway.findCharge("cus_Default", "inv_1", 2, Optional.empty());

      assertThat(found)
          .isInstanceOfSatisfying(
              ChargeLookup.Found.class,
              f -> {
                assertThat(f.reference()).isEqualTo(stripe.intents().get(0));
                assertThat(f.state()).isEqualTo(ChargeState.SUCCEEDED);
                assertThat(f.outcome()).isEqualTo(new ChargeOutcome.Paid(f.reference()));
                assertThat(f.amount()).isEqualTo(2_500);
              });
      assertThat(gateway.findCharge("cus_Default", "inv_1", 3, Optional.empty()))
          .as("another round")
          .isEqualTo(new ChargeLookup.Absent());
      assertThat(gateway.findCharge("cus_Default", "inv_9", 2, Optional.empty()))
          .as("another invoice")
          .isEqualTo(new ChargeLookup.Absent());
      assertThat(stripe.requests())
          .filteredOn(r -> r.path().equals("/v1/payment_intents") && r.method().equals("GET"))
          .allSatisfy(
              r ->
                  assertThat(FakeStripe.parseForm(r.query()))
                      .containsEntry("customer", "cus_Default"));
    }

    @Test
    void byIntentIdWhenKnown() {
      stripe.nextCharges(new FakeStripe.Processing());
      StripeGateway gateway = gateway();
      String id =
          ((ChargeOutcome.Pending) gateway.charge(charge(2_500, "usd", "inv_1", 1))).reference();
      stripe.setIntentStatus(id, "requires_payment_method");

      ChargeLookup found = gateway.findCharge("cus_Default", "inv_1", 1, Optional.of(id));

      assertThat(found)
          .isInstanceOfSatisfying(
              ChargeLookup.Found.class, f -> assertThat(f.state()).isEqualTo(ChargeState.FAILED));
      assertThat(gateway.findCharge("cus_Default", "inv_1", 1, Optional.of("pi_Missing")))
          .isEqualTo(new ChargeLookup.Absent());
      assertThat(gateway.findCharge("cus_Default", "inv_2", 1, Optional.of(id)))
          .isInstanceOfSatisfying(
              ChargeLookup.Unavailable.class,
              u -> assertThat(u.reason()).contains("belongs to invoice inv_1"));
    }

    @Test
    void listingReadsEveryPageAndPrefersTheMostAdvancedIntent() {
      String legacy =
          stripe.addIntent("cus_Default", 2_500, "usd", "succeeded", Map.of("invoice_id", "inv_1"));
      for (int i = 0; i < 230; i++) {
        stripe.addIntent(
            "cus_Default",
            2_500,
            "usd",
            "requires_payment_method",
            Map.of("invoice_id", "inv_other", "round", "1"));
      }
      stripe.addIntent(
          "cus_Default", 2_500, "usd", "canceled", Map.of("invoice_id", "inv_1", "round", "1"));

      ChargeLookup found = gateway().findCharge("cus_Default", "inv_1", 1, Optional.empty());

      assertThat(found)
          .isInstanceOfSatisfying(
              ChargeLookup.Found.class,
              f -> {
                assertThat(f.reference())
                    .as("an intent without a round matches; succeeded beats canceled")
                    .isEqualTo(legacy);
                assertThat(f.state()).isEqualTo(ChargeState.SUCCEEDED);
              });
      assertThat(stripe.requests())
          .filteredOn(r -> r.path().equals("/v1/payment_intents"))
          .hasSize(3);
    }

    @Test
    void cancelIsIdempotentAndToleratesAnAlreadyCanceledIntent() {
      stripe.nextCharges(new FakeStripe.RequiresAction());
      StripeGateway gateway = gateway();
      String id =
          ((ChargeOutcome.NeedsCustomer) gateway.charge(charge(2_500, "usd", "inv_1", 1)))
              .reference();

      assertThat(gateway.cancelCharge(id)).isEqualTo(new CancelOutcome.Canceled(id, false));
      assertThat(stripe.intent(id).orElseThrow().path("status").asText()).isEqualTo("canceled");
      assertThat(gateway.cancelCharge(id))
          .as("replayed under its key")
          .isEqualTo(new CancelOutcome.Canceled(id, false));

      String other = stripe.addIntent("cus_Default", 100, "usd", "canceled", Map.of());
      assertThat(gateway.cancelCharge(other)).isEqualTo(new CancelOutcome.Canceled(other, true));
      String paid = stripe.addIntent("cus_Default", 100, "usd", "succeeded", Map.of());
      assertThat(gateway.cancelCharge(paid))
          .isEqualTo(new CancelOutcome.NotCancelable(paid, ChargeState.SUCCEEDED));
      assertThat(gateway.cancelCharge("pi_Missing")).isInstanceOf(CancelOutcome.Unavailable.class);
    }

    @Test
    void refundUnderAKeyRefundsOnce() {
      StripeGateway gateway = gateway();
      String id =
          ((ChargeOutcome.Paid) gateway.charge(charge(2_500, "ISK", "inv_1", 1))).reference();

      RefundOutcome first = gateway.refund(id, 1_000, "isk", "caravel-refund-inv_1-1");
      RefundOutcome again = gateway.refund(id, 1_000, "isk", "caravel-refund-inv_1-1");

      assertThat(first)
          .isInstanceOfSatisfying(
              RefundOutcome.Refunded.class,
              r -> {
                assertThat(r.amount()).isEqualTo(1_000);
                assertThat(r.status()).isEqualTo("succeeded");
              });
      assertThat(again).isEqualTo(first);
      assertThat(stripe.refunds())
          .singleElement()
          .satisfies(r -> assertThat(r.path("amount").asLong()).isEqualTo(100_000));
      assertThat(gateway.refund(id, 1_500, "isk", "caravel-refund-inv_1-2"))
          .isInstanceOf(RefundOutcome.Refunded.class);
      assertThat(gateway.refund(id, 1, "isk", "caravel-refund-inv_1-3"))
          .isEqualTo(new RefundOutcome.AlreadyRefunded(id));
    }

    @Test
    void aRefundStripeRefusesOutrightIsRefusedAndMovesNothing() {
      StripeGateway gateway = gateway();
      String id =
          ((ChargeOutcome.Paid) gateway.charge(charge(2_500, "usd", "inv_1", 1))).reference();
      String unpaid = stripe.addIntent("cus_Default", 700, "usd", "requires_action", Map.of());

      assertThat(gateway.refund(id, 2_501, "usd", "caravel-refund-inv_1-1"))
          .as("more than the charge has left")
          .isInstanceOfSatisfying(
              RefundOutcome.Refused.class,
              r -> assertThat(r.message()).contains(id).contains("amount_too_large"));
      assertThat(gateway.refund(id, 2_501, "usd", "caravel-refund-inv_1-1"))
          .as("the same key again")
          .isInstanceOf(RefundOutcome.Refused.class);
      assertThat(gateway.refund("pi_Missing", 100, "usd", "caravel-refund-x"))
          .as("no such PaymentIntent")
          .isInstanceOfSatisfying(
              RefundOutcome.Refused.class,
              r -> assertThat(r.message()).contains("resource_missing"));
      assertThat(gateway.refund(unpaid, 700, "usd", "caravel-refund-y"))
          .as("no successful charge to refund")
          .isInstanceOf(RefundOutcome.Refused.class);
      assertThat(stripe.refunds()).as("nothing moved").isEmpty();

      assertThat(gateway.refund(id, 2_500, "usd", "caravel-refund-inv_1-2"))
          .as("the whole charge is still there")
          .isInstanceOf(RefundOutcome.Refunded.class);
      assertThat(gateway.refund(id, 1, "usd", "caravel-refund-inv_1-3"))
          .as("other refunds took it all: money moved, so not a refusal")
          .isEqualTo(new RefundOutcome.AlreadyRefunded(id));
    }

    @Test
    void aRefundWithoutAnAnswerIsUnknown() {
      StripeGateway gateway = gateway();
      String id =
          ((ChargeOutcome.Paid) gateway.charge(charge(2_500, "usd", "inv_1", 1))).reference();
      stripe.nextWrites(new FakeStripe.SavedServerError());
      assertThat(gateway.refund(id, 500, "usd", "caravel-refund-inv_1-1"))
          .isInstanceOf(RefundOutcome.Unknown.class);
    }
  }
}
