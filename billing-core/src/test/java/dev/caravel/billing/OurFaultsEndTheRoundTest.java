package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.PaymentGateway.ChargeRequest;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.CollectionHold;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, defects 2 and 13: a round that fails on our side (the gateway answers {@code Failed},
 * or refuses the charge before sending it) ends once, needing attention: the operator is told, the
 * tenant hears a fixed sentence, the poll sends nothing again, and a person can void, write off,
 * reopen or retry it.
 */
class OurFaultsEndTheRoundTest {
  private static final String NO_SUCH_CUSTOMER =
      "No such customer: 'cus_1'; a similar object exists in test mode, but a live mode key was used";

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final MinimumGateway gateway = new MinimumGateway();
  private final FakeRails.Messages messages = new FakeRails.Messages();
  private final List<String> attention = Collections.synchronizedList(new ArrayList<>());
  private final List<String> failed = Collections.synchronizedList(new ArrayList<>());
  private final List<String> standings = Collections.synchronizedList(new ArrayList<>());
  private final Billing billing =
      Fixtures.engine(repository, clock)
          .paymentGateway(gateway)
          .messenger(messages)
          .listener(
              new BillingListener() {
                @Override
                public void needsAttention(Invoice invoice, Rail rail, String reason) {
                  attention.add(rail + ": " + reason);
                }

                @Override
                public void paymentFailed(Invoice invoice, Rail rail, String error) {
                  failed.add(error);
                }

                @Override
                public void standingChanged(String tenant, Standing from, Standing to) {
                  standings.add(from + "->" + to);
                }
              })
          .build();

  /** Stripe's rule, as billing-stripe applies it: a charge below 50 is refused before sending. */
  static final class MinimumGateway extends FakeRails.Gateway {
    int refusedBeforeSending;

    @Override
    public synchronized ChargeOutcome charge(ChargeRequest request) {
      if (request.amount() < 50) {
        refusedBeforeSending++;
        throw new InvalidInputException(
            "amount "
                + request.amount()
                + " "
                + request.currency()
                + " is below Stripe's minimum charge of 50 "
                + request.currency());
      }
      return super.charge(request);
    }
  }

  private String invoice() {
    billing.saveTenant(ALICE, null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    return billing.generateInvoice(ALICE).orElseThrow().id();
  }

  private String failedInvoice() {
    String id = invoice();
    gateway.script.add(new ChargeOutcome.Failed("INVALID_REQUEST", NO_SUCH_CUSTOMER));
    billing.collect(id);
    return id;
  }

  private CollectionState state(String id) {
    return repository.collectionState(id).orElseThrow();
  }

  private List<String> keys() {
    return gateway.requests.stream().map(ChargeRequest::idempotencyKey).toList();
  }

  @Test
  void aFailedChargeEndsTheRoundNeedingAttentionAndTheTenantHearsAFixedSentence() {
    String id = invoice();
    gateway.script.add(new ChargeOutcome.Failed("INVALID_REQUEST", NO_SUCH_CUSTOMER));

    assertThat(billing.collect(id))
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class,
            r -> {
              assertThat(r.nextAttempt()).as("no round by itself").isEmpty();
              assertThat(r.messaged()).isTrue();
              assertThat(r.lastError().orElseThrow()).contains(NO_SUCH_CUSTOMER);
            });
    assertThat(state(id).hold())
        .map(CollectionHold::reason)
        .contains(CollectionHold.Reason.CONFIGURATION_FAULT);
    assertThat(state(id).roundOpen()).isFalse();
    assertThat(attention)
        .singleElement()
        .asString()
        .startsWith("STRIPE: ")
        .contains("INVALID_REQUEST")
        .contains(NO_SUCH_CUSTOMER);
    assertThat(billing.events(0, 100))
        .filteredOn(e -> e.type() == BillingEvent.Type.NEEDS_ATTENTION)
        .singleElement()
        .satisfies(e -> assertThat(e.detail()).contains(NO_SUCH_CUSTOMER));
    assertThat(messages.sent)
        .singleElement()
        .satisfies(
            m ->
                assertThat(m.text())
                    .endsWith(
                        billing.invoiceLink(id)
                            + "\n\n"
                            + CustomerNotice.COULD_NOT_CHARGE.sentence())
                    .doesNotContain("No such customer"));
    assertThat(billing.standing(ALICE)).as("our fault, not the tenant's").isEqualTo(Standing.GOOD);
  }

  @Test
  void aFailedChargeIsNeverSentAgainByThePoll() {
    String id = failedInvoice();
    for (int day = 0; day < 10; day++) {
      clock.advance(Duration.ofDays(1));
      billing.runCycle();
    }
    assertThat(keys()).containsExactly(CardRail.idempotencyKey(id, 1));
    assertThat(messages.sent).hasSize(1);
    assertThat(billing.collect(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.NEEDS_ATTENTION));
  }

  @Test
  void aFailedChargeCanBeVoided() {
    String id = failedInvoice();
    assertThat(billing.voidInvoice(id, "issued to the wrong customer"))
        .isInstanceOf(CloseResult.Closed.class);
    assertThat(state(id).hold()).isEmpty();
    assertThat(repository.findInvoice(id).orElseThrow().status()).isEqualTo(Invoice.Status.VOID);
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.GOOD);
  }

  @Test
  void aFailedChargeCanBeWrittenOff() {
    String id = failedInvoice();
    assertThat(billing.writeOff(id, "the customer is gone")).isInstanceOf(CloseResult.Closed.class);
    assertThat(repository.findInvoice(id).orElseThrow().status())
        .isEqualTo(Invoice.Status.UNCOLLECTIBLE);
  }

  @Test
  void reopeningAFailedChargeMakesANewRoundDueAtOnceUnderANewKey() {
    String id = failedInvoice();
    assertThat(billing.reopen(id)).isTrue();
    assertThat(billing.reopen(id)).as("once").isFalse();
    assertThat(state(id).hold()).isEmpty();
    assertThat(state(id).nextAttemptAt()).contains(clock.instant());

    assertThat(billing.collectDue()).singleElement().isInstanceOf(PaymentResult.Paid.class);
    assertThat(keys())
        .as("nothing was charged, so a new key")
        .containsExactly(CardRail.idempotencyKey(id, 1), CardRail.idempotencyKey(id, 2));
    assertThat(gateway.charges).hasValue(1);
  }

  @Test
  void retryingAFailedChargeRunsANewRoundAtOnceUnderANewKey() {
    String id = failedInvoice();
    assertThat(billing.retryNow(id)).isInstanceOf(PaymentResult.Paid.class);
    assertThat(keys())
        .containsExactly(CardRail.idempotencyKey(id, 1), CardRail.idempotencyKey(id, 2));
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.GOOD);
    assertThat(standings).isEmpty();
  }

  @Test
  void aChargeBelowTheCardMinimumEndsNeedingAttentionAfterOneRoundAndThePollLeavesIt() {
    billing.saveTenant(ALICE, null, "cus_1");
    gateway.savedMethods.put("cus_1", "pm_1");
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.credit(ALICE, 470, "goodwill", "support-1");
    String id = billing.generateInvoice(ALICE).orElseThrow().id();
    assertThat(repository.findInvoice(id).orElseThrow().total()).isEqualTo(30);

    assertThat(billing.collect(id))
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class,
            r -> {
              assertThat(r.nextAttempt()).isEmpty();
              assertThat(r.lastError().orElseThrow()).contains("below Stripe's minimum");
            });
    assertThat(state(id).hold())
        .hasValueSatisfying(
            h -> {
              assertThat(h.reason()).isEqualTo(CollectionHold.Reason.REFUSED_BEFORE_SEND);
              assertThat(h.detail()).contains("refused before it was sent").contains("minimum");
            });
    assertThat(attention).singleElement().asString().contains("minimum");

    for (int hour = 0; hour < 24 * 8; hour++) {
      clock.advance(Duration.ofHours(1));
      billing.runCycle();
    }
    assertThat(gateway.refusedBeforeSending)
        .as("one round, not one every few minutes")
        .isEqualTo(1);
    assertThat(state(id).rounds()).isEqualTo(1);
    assertThat(messages.sent)
        .singleElement()
        .satisfies(
            m ->
                assertThat(m.text())
                    .endsWith(CustomerNotice.COULD_NOT_CHARGE.sentence())
                    .doesNotContain("minimum"));
    assertThat(billing.writeOff(id, "too small to charge by card"))
        .isInstanceOf(CloseResult.Closed.class);
  }

  @Test
  void aSavedCardThatCannotBeReadIsOurFaultNotTheTenants() {
    FakeRails.Gateway locked =
        new FakeRails.Gateway() {
          @Override
          public java.util.Optional<String> savedPaymentMethod(String customerId) {
            throw new RailException(
                Rail.STRIPE,
                "AUTHENTICATION",
                "Stripe refused the API key (HTTP 401): check that it is a valid secret key"
                    + " (request req_8Zy1)");
          }
        };
    Billing billing =
        Fixtures.engine(new InMemoryRepository(), clock)
            .paymentGateway(locked)
            .messenger(messages)
            .build();
    billing.saveTenant(ALICE, null, "cus_1");
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    String id = billing.generateInvoice(ALICE).orElseThrow().id();

    assertThat(billing.collect(id))
        .isInstanceOfSatisfying(
            PaymentResult.NotPaid.class, r -> assertThat(r.nextAttempt()).isEmpty());
    assertThat(billing.standing(ALICE)).isEqualTo(Standing.GOOD);
    assertThat(billing.retryNow(id)).isInstanceOf(PaymentResult.NotPaid.class);
    assertThat(locked.requests).as("nothing was ever sent").isEmpty();
  }
}
