package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.InvalidInputException.ConflictingKeyException;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import dev.caravel.billing.testkit.Race;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 21, "the engine decides, the storage records", for money: the engine reads an invoice's
 * refunds, decides (the bound, the key), and the storage records only if no refund got in since the
 * read; a lost write is read and decided again. Each test here makes another instance act in the
 * gap between one engine's read and its write (deterministically, through a storage that runs it
 * there), or races engines with threads, and checks that no decision made on a stale read is
 * recorded, with the answers and listener calls hosts see unchanged.
 */
class RefundsDecidedOnAStaleReadTest {
  private final MutableClock clock = MutableClock.at("2026-01-31T10:00:00Z");
  private final InMemoryRepository stored = new InMemoryRepository();
  private final List<String> told = Collections.synchronizedList(new ArrayList<>());

  /** Another engine instance on the same storage, acting without interference. */
  private final Billing other = engine(stored);

  /** What runs once, right after this engine's next read of an invoice's refunds. */
  private Runnable inTheGap = () -> {};

  private final Billing billing =
      engine(
          new DelegatingRepository(stored) {
            @Override
            public List<Payment.Refund> refunds(String invoiceId) {
              List<Payment.Refund> read = super.refunds(invoiceId);
              Runnable gap = inTheGap;
              inTheGap = () -> {};
              gap.run();
              return read;
            }

            @Override
            public Optional<Payment.Refund> findRefund(String key) {
              Optional<Payment.Refund> read = super.findRefund(key);
              Runnable gap = inTheGapOfAMove;
              inTheGapOfAMove = () -> {};
              gap.run();
              return read;
            }
          });

  /** What runs once, right after this engine's next read of a refund by key. */
  private Runnable inTheGapOfAMove = () -> {};

  private Billing engine(dev.caravel.billing.spi.Repository repository) {
    return Fixtures.engine(repository, clock)
        .listener(
            new BillingListener() {
              @Override
              public void refundRecorded(Invoice invoice, Payment.Refund refund) {
                told.add(refund.key() + " " + refund.status());
              }
            })
        .build();
  }

  private Invoice paidInvoiceOf500() {
    billing.record(Activity.create("c-1", ALICE, "r1", "basic", clock.instant()));
    Invoice invoice = billing.generateInvoice(ALICE).orElseThrow();
    billing.settle(invoice.id(), PaymentMethod.MANUAL, "bank-1");
    return invoice;
  }

  private long refundEvents() {
    return stored.events(0, 1000).stream()
        .filter(e -> e.type().name().startsWith("REFUND"))
        .count();
  }

  @Test
  void twoRefundsDecidedOnTheSameReadNeverExceedTheTotal() {
    Invoice invoice = paidInvoiceOf500();
    inTheGap =
        () ->
            assertThat(other.refund(invoice.id(), 400, "Outage", "k-other"))
                .isInstanceOf(RefundResult.Recorded.class);

    // Decided on a read where 500 were left; another refund took 400 before the write.
    RefundResult late = billing.refund(invoice.id(), 300, "Goodwill", "k-late");

    assertThat(late)
        .isEqualTo(
            new RefundResult.Refused(
                invoice.id(),
                RefundResult.Reason.EXCEEDS_PAYMENT,
                "invoice " + invoice.id() + " has 100 left to refund, not 300"));
    assertThat(billing.refunds(invoice.id()))
        .extracting(Payment.Refund::key)
        .containsExactly("k-other");
    assertThat(billing.balance(invoice.id()).refunded()).isEqualTo(400);
    assertThat(told).containsExactly("k-other OWED");
    assertThat(refundEvents()).isEqualTo(1);
  }

  @Test
  void aRefundThatStillFitsAfterTheReadWentStaleIsRecordedOnTheNewRead() {
    Invoice invoice = paidInvoiceOf500();
    inTheGap = () -> other.refund(invoice.id(), 100, "Outage", "k-other");

    RefundResult late =
        billing.refund(invoice.id(), 400, "Goodwill", "k-late", Payment.Refund.Via.CREDIT);

    assertThat(late).isInstanceOf(RefundResult.Recorded.class);
    assertThat(billing.balance(invoice.id()).refunded()).isEqualTo(500);
    assertThat(billing.unbilledBalance(ALICE)).as("its credit, once").isEqualTo(-400);
    assertThat(told).containsExactly("k-other OWED", "k-late DONE");
  }

  @Test
  void theSameRefundRecordedByAnotherInstanceInTheGapAnswersAsARetryAndIsToldOnce() {
    Invoice invoice = paidInvoiceOf500();
    inTheGap = () -> other.refund(invoice.id(), 500, "Outage", "k-1");

    RefundResult mine = billing.refund(invoice.id(), 500, "Outage", "k-1");

    assertThat(mine)
        .isInstanceOfSatisfying(
            RefundResult.Recorded.class, r -> assertThat(r.refund().key()).isEqualTo("k-1"));
    assertThat(billing.refunds(invoice.id())).hasSize(1);
    assertThat(told).as("the listener hears of it once").containsExactly("k-1 OWED");
  }

  @Test
  void anotherRefundUnderTheKeyRecordedInTheGapIsAConflict() {
    Invoice invoice = paidInvoiceOf500();
    inTheGap = () -> other.refund(invoice.id(), 100, "Outage", "k-1");

    assertThatThrownBy(() -> billing.refund(invoice.id(), 200, "Outage", "k-1"))
        .isInstanceOf(ConflictingKeyException.class)
        .hasMessageStartingWith("refund key k-1 was used already for another refund");
    assertThat(billing.balance(invoice.id()).refunded()).isEqualTo(100);
  }

  @Test
  void aRailRefundDecidedOnAStaleReadIsDecidedAgainAndRecordedOnce() {
    Invoice invoice = paidInvoiceOf500();
    // The same webhook, delivered to another instance, got in between the read and the write.
    inTheGap = () -> other.chargeRefunded(invoice.id(), "bank-1", 150);

    billing.chargeRefunded(invoice.id(), "bank-1", 150);

    assertThat(billing.refunds(invoice.id()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.amount()).isEqualTo(150);
              assertThat(r.status()).isEqualTo(Payment.Refund.Status.DONE);
            });
    assertThat(told).hasSize(1);
  }

  @Test
  void aRailRefundBeyondWhatARefundInTheGapLeftIsNotRecorded() {
    Invoice invoice = paidInvoiceOf500();
    inTheGap = () -> other.refund(invoice.id(), 450, "Outage", "k-hand");

    billing.chargeRefunded(invoice.id(), "bank-1", 100);

    assertThat(billing.refunds(invoice.id()))
        .extracting(Payment.Refund::key)
        .containsExactly("k-hand");
    assertThat(billing.balance(invoice.id()).refunded()).isEqualTo(450);
  }

  @Test
  void anOwedRefundPaidByAnotherInstanceInTheGapIsNotPaidAgain() {
    Invoice invoice = paidInvoiceOf500();
    billing.refund(invoice.id(), 100, "Goodwill", "k-hand");
    inTheGapOfAMove = () -> assertThat(other.refundPaid("k-hand", "bank-out-1")).isTrue();

    assertThat(billing.refundPaid("k-hand", "bank-out-2")).isFalse();

    assertThat(billing.refunds(invoice.id()))
        .singleElement()
        .satisfies(r -> assertThat(r.reference()).contains("bank-out-1"));
    assertThat(told).containsExactly("k-hand OWED", "k-hand DONE");
    assertThat(refundEvents()).as("REFUND_OWED, then REFUNDED once").isEqualTo(2);
  }

  @Test
  void anUnpaidInvoiceIsNotRefunded() {
    billing.record(Activity.create("c-1", ALICE, "r1", "basic", clock.instant()));
    Invoice invoice = billing.generateInvoice(ALICE).orElseThrow();

    assertThat(billing.refund(invoice.id(), 100, "Goodwill", "k-1", Payment.Refund.Via.CREDIT))
        .isEqualTo(
            new RefundResult.Refused(
                invoice.id(),
                RefundResult.Reason.NOT_PAID,
                "invoice " + invoice.id() + " is not paid"));
    assertThat(stored.findRefund("k-1")).isEmpty();
  }

  @Test
  @Timeout(60)
  void racingEnginesNeverRefundMoreThanThePayment() {
    Invoice invoice = paidInvoiceOf500();
    List<Billing> engines = List.of(billing, other, engine(stored), engine(stored));
    List<RefundResult> results =
        Race.all(
            16,
            i ->
                engines
                    .get(i % engines.size())
                    .refund(
                        invoice.id(),
                        150,
                        "Outage",
                        "k-" + (i % 6),
                        i % 2 == 0 ? Payment.Refund.Via.BY_HAND : Payment.Refund.Via.CREDIT));
    assertThat(billing.balance(invoice.id()).refunded()).isEqualTo(450);
    assertThat(billing.refunds(invoice.id())).hasSize(3);
    assertThat(results)
        .allSatisfy(
            r -> {
              if (r instanceof RefundResult.Refused no) {
                assertThat(no.reason()).isEqualTo(RefundResult.Reason.EXCEEDS_PAYMENT);
              }
            });
    assertThat(told).as("each recorded refund told once").hasSize(3);
  }
}
