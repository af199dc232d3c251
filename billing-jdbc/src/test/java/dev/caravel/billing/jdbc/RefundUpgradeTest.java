package dev.caravel.billing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Activity;
import dev.caravel.billing.Billing;
import dev.caravel.billing.BillingEvent;
import dev.caravel.billing.Invoice;
import dev.caravel.billing.Payment;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.PaymentMethod;
import dev.caravel.billing.Plan;
import dev.caravel.billing.PlanCatalogue;
import dev.caravel.billing.RefundResult;
import dev.caravel.billing.testkit.Fixture;
import dev.caravel.billing.testkit.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A V7 database holding refunds of every status and an adjustment keyed like a refund's credit
 * upgrades in place: what was there reads as before; a refund left pending can then fail and free
 * its amount (V8), and the refund whose credit shares the adjustment's key is recorded beside it
 * (V9).
 */
class RefundUpgradeTest {
  private static final String ALICE = Fixture.pubkey(0xa11ce);

  @Test
  @Timeout(120)
  void aLedgerWithRefundsUpgradesInPlaceOnPostgres() throws Exception {
    UpgradeRun.onPostgres(RefundUpgradeTest::upgradesInPlace);
  }

  @Test
  void aLedgerWithRefundsUpgradesInPlaceOnH2() throws Exception {
    UpgradeRun.onH2(RefundUpgradeTest::upgradesInPlace);
  }

  /** A card gateway that gives no answer to refunds until told to refuse them. */
  private static final class Gateway implements PaymentGateway {
    volatile boolean refuse;

    @Override
    public Optional<String> savedPaymentMethod(String customerId) {
      return Optional.empty();
    }

    @Override
    public ChargeOutcome charge(ChargeRequest request) {
      return new ChargeOutcome.Unknown("not used");
    }

    @Override
    public RefundOutcome refund(
        String reference, long amount, String currency, String idempotencyKey) {
      return refuse
          ? new RefundOutcome.Refused("no such charge")
          : new RefundOutcome.Unknown("read timed out");
    }
  }

  /**
   * The invoice paid as a V7 storage recorded it. Not through the engine: today's payment also
   * writes the tenant's standing revision, a column from V13 that a V7 schema does not have.
   */
  private static void paidAsAV7StorageRecordedIt(
      DataSource db, String invoiceId, String reference, Instant at) {
    try (Connection c = db.getConnection();
        PreparedStatement paid =
            c.prepareStatement(
                "UPDATE billing_invoice SET paid = TRUE, next_attempt_at = NULL WHERE id = ?");
        PreparedStatement payment =
            c.prepareStatement(
                "INSERT INTO billing_payment (invoice_id, method, reference, paid_at) "
                    + "VALUES (?, ?, ?, ?)")) {
      paid.setString(1, invoiceId);
      assertThat(paid.executeUpdate()).isEqualTo(1);
      payment.setString(1, invoiceId);
      payment.setString(2, PaymentMethod.STRIPE.wireName());
      payment.setString(3, reference);
      Rows.setInstant(payment, 4, at);
      payment.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void upgradesInPlace(DataSource db) throws SQLException {
    // Written by today's repository, which also touches later columns (LaterColumns).
    UpgradeRun.startAt(db, 7);
    JdbcRepository repo = new JdbcRepository(db);
    Gateway gateway = new Gateway();
    Billing billing =
        UpgradeRun.engine(
                repo,
                PlanCatalogue.of(new Plan("basic", "Basic", 500)),
                MutableClock.at("2026-01-31T10:00:00Z"))
            .paymentGateway(gateway)
            .build();
    billing.record(Activity.create("a-1", ALICE, "r1", "basic", Fixture.T0));
    Invoice invoice = billing.generateInvoice(ALICE).orElseThrow();
    paidAsAV7StorageRecordedIt(db, invoice.id(), "pi_1", Instant.parse("2026-01-31T10:00:00Z"));
    // At V7: one refund of each status.
    billing.refund(invoice.id(), 100, "goodwill", "owed-1", Payment.Refund.Via.BY_HAND);
    billing.refund(invoice.id(), 50, "service credit", "credit-1", Payment.Refund.Via.CREDIT);
    assertThat(billing.refund(invoice.id(), 200, "outage", "card-1"))
        .isInstanceOf(RefundResult.Pending.class);
    assertThat(billing.credit(ALICE, 30, "goodwill", "refund:late-1")).isTrue();
    var before = repo.refunds(invoice.id());
    var unclaimed = repo.unclaimedItems(ALICE);

    UpgradeRun.upgradeFrom(db, 7);

    assertThat(repo.refunds(invoice.id())).as("read as before").isEqualTo(before);
    assertThat(repo.unclaimedItems(ALICE)).as("read as before").isEqualTo(unclaimed);
    assertThat(before)
        .extracting(Payment.Refund::status)
        .containsExactly(
            Payment.Refund.Status.OWED, Payment.Refund.Status.DONE, Payment.Refund.Status.PENDING);
    gateway.refuse = true;
    assertThat(billing.refund(invoice.id(), 200, "outage", "card-1"))
        .isInstanceOf(RefundResult.Failed.class);
    assertThat(billing.balance(invoice.id()))
        .isEqualTo(new Invoice.Balance(invoice.id(), 500, 500, 150, 350));
    assertThat(billing.refund(invoice.id(), 30, "late", "late-1", Payment.Refund.Via.CREDIT))
        .as("its credit shares the adjustment's key refund:late-1")
        .isInstanceOf(RefundResult.Recorded.class);
    assertThat(billing.unbilledBalance(ALICE)).isEqualTo(-50 - 30 - 30);
    assertThat(billing.refund(invoice.id(), 320, "the rest", "owed-2", Payment.Refund.Via.BY_HAND))
        .as("the failed refund's amount is free")
        .isInstanceOf(RefundResult.Recorded.class);
    assertThat(billing.events(0, 100))
        .extracting(BillingEvent::type)
        .containsSubsequence(
            BillingEvent.Type.REFUND_OWED,
            BillingEvent.Type.REFUNDED,
            BillingEvent.Type.CREDITED,
            BillingEvent.Type.REFUND_FAILED,
            BillingEvent.Type.REFUNDED,
            BillingEvent.Type.REFUND_OWED);
  }
}
