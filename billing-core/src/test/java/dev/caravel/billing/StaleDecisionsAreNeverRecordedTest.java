package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.PaymentGateway.ChargeOutcome;
import dev.caravel.billing.RailException.Rail;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.CollectionChange;
import dev.caravel.billing.spi.CollectionState;
import dev.caravel.billing.spi.PaymentLease;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.spi.RoundEnd;
import dev.caravel.billing.spi.RoundEnded;
import dev.caravel.billing.testkit.MutableClock;
import dev.caravel.billing.testkit.Race;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, "the engine decides, the storage records": a void, a write-off, a retry and a pending
 * charge's failure are decided by the state machine on a read, and recorded only if the invoice is
 * still as read. Each test lets another instance move the invoice between the engine's read and its
 * write (the storage's {@code changeCollection}), and checks that the decision made on the stale
 * read is never recorded, and that the engine decides again on what is stored.
 */
class StaleDecisionsAreNeverRecordedTest {
  private final InMemoryRepository shared = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final FakeRails.Gateway gateway = new FakeRails.Gateway();
  private final FakeRails.Messages messages = new FakeRails.Messages();
  private final List<String> heard = Collections.synchronizedList(new ArrayList<>());

  /** What runs once, on the shared storage, right before this engine's next conditional write. */
  private volatile Runnable beforeNextChange = () -> {};

  private final Billing billing = engine(interfering(shared), "one");
  private final Billing other = engine(shared, "two");

  StaleDecisionsAreNeverRecordedTest() {
    gateway.canLook = true;
    gateway.savedMethods.put("cus_1", "pm_1");
  }

  private Repository interfering(Repository delegate) {
    return new DelegatingRepository(delegate) {
      @Override
      public boolean changeCollection(
          String invoiceId, CollectionState expected, CollectionChange change) {
        Runnable meanwhile = beforeNextChange;
        beforeNextChange = () -> {};
        meanwhile.run();
        return super.changeCollection(invoiceId, expected, change);
      }
    };
  }

  private Billing engine(Repository repository, String instance) {
    return Fixtures.engine(repository, clock)
        .instanceId(instance)
        .paymentGateway(gateway)
        .messenger(messages)
        .listener(
            new BillingListener() {
              @Override
              public void invoiceClosed(Invoice invoice) {
                heard.add("closed " + invoice.status());
              }

              @Override
              public void paymentFailed(Invoice invoice, Rail rail, String error) {
                heard.add("failed " + error);
              }
            })
        .build();
  }

  private String invoice() {
    billing.saveTenant(ALICE, null, "cus_1");
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    return billing.generateInvoice(ALICE).orElseThrow().id();
  }

  /** An invoice whose first round was declined: open, its next round due tomorrow. */
  private String declinedInvoice() {
    String id = invoice();
    gateway.script.add(new ChargeOutcome.Declined("card_declined", "Your card was declined."));
    assertThat(billing.collect(id)).isInstanceOf(PaymentResult.NotPaid.class);
    clock.advance(Duration.ofHours(1));
    heard.clear(); // the decline, told to the operator
    return id;
  }

  /** An invoice held for its first round's card charge {@code pi_p}, still processing. */
  private String pendingInvoice() {
    String id = invoice();
    gateway.script.add(new ChargeOutcome.Pending("pi_p"));
    assertThat(billing.collect(id)).isEqualTo(new PaymentResult.Pending(id, "pi_p"));
    clock.advance(Duration.ofHours(1));
    return id;
  }

  private CollectionState state(String id) {
    return shared.collectionState(id).orElseThrow();
  }

  private List<BillingEvent.Type> feed() {
    return billing.events(0, 1000).stream().map(BillingEvent::type).toList();
  }

  // ---- voids and write-offs ----

  @Test
  void aCloseRacingALeaseNeverClosesTheLeasedInvoice() {
    String id = declinedInvoice();
    clock.advance(Duration.ofDays(1)); // round 2 is due: another instance starts it
    beforeNextChange =
        () ->
            assertThat(shared.acquireLease(id, "two", clock.instant(), Duration.ofMinutes(5)))
                .isPresent();

    assertThat(billing.voidInvoice(id, "issued by mistake"))
        .isEqualTo(new CloseResult.Refused(id, CloseResult.Reason.MONEY_MAY_BE_MOVING));

    assertThat(billing.invoice(id).orElseThrow().isOpen()).isTrue();
    assertThat(state(id).leasedAt(clock.instant())).as("the round goes on").isTrue();
    assertThat(feed()).doesNotContain(BillingEvent.Type.INVOICE_VOIDED);
    assertThat(heard).isEmpty();
  }

  @Test
  void twoOperatorsClosingAtOnceCloseOnce() {
    String id = declinedInvoice();
    beforeNextChange =
        () ->
            assertThat(other.writeOff(id, "gone for good")).isInstanceOf(CloseResult.Closed.class);

    assertThat(billing.voidInvoice(id, "issued by mistake"))
        .as("decided again on what is stored: written off by the other")
        .isEqualTo(new CloseResult.Refused(id, CloseResult.Reason.CLOSED_OTHERWISE));

    assertThat(billing.invoice(id).orElseThrow().status()).isEqualTo(Invoice.Status.UNCOLLECTIBLE);
    assertThat(feed())
        .containsOnlyOnce(BillingEvent.Type.INVOICE_WRITTEN_OFF)
        .doesNotContain(BillingEvent.Type.INVOICE_VOIDED);
    assertThat(heard).containsExactly("closed UNCOLLECTIBLE");
  }

  @Test
  void racingVoidsCloseOnceAndTheOthersFindItClosed() {
    String id = declinedInvoice();

    List<CloseResult> results = Race.all(8, i -> billing.voidInvoice(id, "issued by mistake"));

    assertThat(results).filteredOn(CloseResult.Closed.class::isInstance).hasSize(1);
    assertThat(results)
        .filteredOn(r -> !(r instanceof CloseResult.Closed))
        .allSatisfy(r -> assertThat(r).isInstanceOf(CloseResult.AlreadyClosed.class));
    assertThat(feed()).containsOnlyOnce(BillingEvent.Type.INVOICE_VOIDED);
    assertThat(heard).containsExactly("closed VOID");
  }

  @Test
  void aCloseOvertakenByARoundThatEndedIsDecidedAgainAndGoesAhead() {
    String id = declinedInvoice();
    clock.advance(Duration.ofDays(1));
    beforeNextChange =
        () -> {
          // Another instance runs round 2 to its end (declined again) between the read and the
          // write: the state read is stale, yet nothing stops a void.
          PaymentLease round =
              shared.acquireLease(id, "two", clock.instant(), Duration.ofMinutes(5)).orElseThrow();
          assertThat(
                  shared.endRound(
                      round,
                      new RoundEnd.Finished(Optional.of(clock.instant().plus(Duration.ofDays(2))))))
              .isInstanceOf(RoundEnded.Recorded.class);
        };

    assertThat(billing.voidInvoice(id, "issued by mistake")).isInstanceOf(CloseResult.Closed.class);

    assertThat(state(id).rounds()).isEqualTo(2);
    assertThat(state(id).nextAttemptAt()).isEmpty();
    assertThat(feed()).containsOnlyOnce(BillingEvent.Type.INVOICE_VOIDED);
  }

  @Test
  void aPendingHoldEndsWithAVoidOnceTheGatewaySaysTheChargeFailed() {
    String id = pendingInvoice();
    gateway.becomes(CardRail.idempotencyKey(id, 1), new ChargeOutcome.Pending("pi_p"));
    assertThat(billing.voidInvoice(id, "issued by mistake"))
        .as("still processing")
        .isEqualTo(new CloseResult.Refused(id, CloseResult.Reason.MONEY_MAY_BE_MOVING));
    assertThat(state(id).hold()).isPresent();

    gateway.becomes(
        CardRail.idempotencyKey(id, 1),
        new ChargeOutcome.Declined("card_declined", "Your card was declined."));
    assertThat(billing.voidInvoice(id, "issued by mistake")).isInstanceOf(CloseResult.Closed.class);
    assertThat(state(id).hold()).as("ends with the close").isEmpty();
  }

  // ---- a manual retry ----

  @Test
  void aRetryRacingALeaseNeverSchedulesTheLeasedInvoice() {
    String id = declinedInvoice();
    clock.advance(Duration.ofDays(1));
    beforeNextChange =
        () ->
            assertThat(shared.acquireLease(id, "two", clock.instant(), Duration.ofMinutes(5)))
                .isPresent();

    assertThat(billing.retryNow(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.IN_PROGRESS));

    CollectionState after = state(id);
    assertThat(after.leasedAt(clock.instant())).isTrue();
    assertThat(after.nextAttemptAt())
        .as("still the lease's end, not moved to now")
        .isEqualTo(after.leaseUntil());
  }

  @Test
  void aRetryWaitsForAPendingChargeAndKeepsItsHold() {
    String id = pendingInvoice();

    assertThat(billing.retryNow(id))
        .isEqualTo(new PaymentResult.Skipped(id, PaymentResult.Skipped.Reason.PAYMENT_PENDING));

    assertThat(state(id).hold()).isPresent();
    assertThat(state(id).nextAttemptAt()).isEmpty();
  }

  // ---- the failure webhook of a pending charge ----

  @Test
  void aChargeFailedWebhookDeliveredToTwoInstancesActsOnce() {
    String id = pendingInvoice();
    int dms = messages.sent.size();
    AtomicBoolean otherActed = new AtomicBoolean();
    beforeNextChange =
        () -> otherActed.set(other.chargeFailed(id, "pi_p", "Your card was declined."));

    assertThat(billing.chargeFailed(id, "pi_p", "Your card was declined.")).isFalse();

    assertThat(otherActed).isTrue();
    assertThat(messages.sent).as("one DM").hasSize(dms + 1);
    assertThat(heard).containsExactly("failed Your card was declined.");
    assertThat(state(id).hold()).isEmpty();
  }

  @Test
  void racingDeliveriesOfOneChargeFailedWebhookActOnce() {
    String id = pendingInvoice();
    int dms = messages.sent.size();

    List<Boolean> acted =
        Race.all(8, i -> billing.chargeFailed(id, "pi_p", "Your card was declined."));

    assertThat(acted).containsOnlyOnce(true);
    assertThat(messages.sent).hasSize(dms + 1);
    assertThat(heard).containsExactly("failed Your card was declined.");
  }

  @Test
  void aChargeFailedForAnInvoiceNotHeldForItChangesNothing() {
    String id = declinedInvoice();
    CollectionState before = state(id);
    int dms = messages.sent.size();

    assertThat(billing.chargeFailed(id, "pi_p", "Your card was declined.")).isFalse();

    assertThat(state(id)).isEqualTo(before);
    assertThat(messages.sent).hasSize(dms);
    assertThat(heard).isEmpty();
  }
}
