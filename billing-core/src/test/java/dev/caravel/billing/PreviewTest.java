package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** S23: what a preview and the upcoming invoice say, and that asking writes nothing. */
class PreviewTest {
  private static final TaxSetting VAT = new TaxSetting(2_000, "VAT", TaxSetting.Mode.EXCLUSIVE);

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-31T10:00:00Z");
  private final Billing billing =
      Fixtures.engine(repository, clock).messenger(Fixtures.UNREAD).build();

  @Test
  void aPreviewIsTheInvoiceGeneratingNowWouldMakeAndWritesNothing() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    clock.set("2025-02-14T22:00:00Z");
    billing.setTax(ALICE, VAT);
    // Not reconciled yet: recorded straight into the log, as a missed event would be.
    Fixtures.appendJudged(repository, Activity.update("a2", ALICE, "r1", "pro", clock.instant()));
    clock.set("2025-03-05T00:00:00Z");
    var itemsBefore = repository.items(ALICE);
    var ledgerBefore = repository.ledgers(List.of(ALICE));
    var eventsBefore = billing.events(0, 100);

    Invoice.Preview preview = billing.preview(ALICE).orElseThrow();

    assertThat(repository.items(ALICE)).as("nothing written").isEqualTo(itemsBefore);
    assertThat(repository.ledgers(List.of(ALICE))).isEqualTo(ledgerBefore);
    assertThat(billing.events(0, 100)).isEqualTo(eventsBefore);
    assertThat(billing.invoices(ALICE)).isEmpty();
    // 500 at the anchor, the upgrade's 1500 × 13.5 / 28 days = 723.2..., Feb 28's renewal at 2000.
    assertThat(preview.items())
        .extracting(InvoiceItem::amount)
        .containsExactlyInAnyOrder(500L, 723L, 2000L);
    assertThat(preview.net()).isEqualTo(3223);
    assertThat(preview.tax()).contains(new Invoice.Tax(VAT, 645));
    assertThat(preview.total()).isEqualTo(3868);
    assertThat(preview.periodStart()).isEqualTo("2025-02-28T10:00:00Z");
    assertThat(preview.periodEnd()).isEqualTo("2025-03-31T10:00:00Z");
    assertThat(preview.at()).isEqualTo(clock.instant());

    Invoice made = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(made.total()).isEqualTo(preview.total());
    assertThat(made.tax()).isEqualTo(preview.tax());
  }

  @Test
  void theUpcomingInvoiceIsTheNextPeriodsAtItsStart() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.generateInvoice(ALICE).orElseThrow();
    clock.set("2025-02-10T00:00:00Z");
    billing.charge(ALICE, 300, "Custom domain setup", "setup-1");

    Invoice.Preview upcoming = billing.upcoming(ALICE).orElseThrow();
    assertThat(upcoming.at()).as("the next period's start").isEqualTo("2025-02-28T10:00:00Z");
    assertThat(upcoming.periodStart()).isEqualTo("2025-02-28T10:00:00Z");
    assertThat(upcoming.periodEnd()).isEqualTo("2025-03-31T10:00:00Z");
    assertThat(upcoming.items())
        .extracting(InvoiceItem::description)
        .containsExactlyInAnyOrder("Custom domain setup", "Subscription renewal");
    assertThat(upcoming.total()).isEqualTo(800);
    assertThat(billing.unbilledBalance(ALICE)).as("the renewal is not written").isEqualTo(300);
  }

  @Test
  void nothingOwedPreviewsNoInvoice() {
    assertThat(billing.preview(BOB)).as("an unknown tenant").isEmpty();
    assertThat(billing.upcoming(BOB)).isEmpty();
    billing.record(Activity.create("b1", BOB, "r1", "free", clock.instant()));
    assertThat(billing.preview(BOB)).as("a free plan").isEmpty();
    assertThat(billing.upcoming(BOB)).isEmpty();
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.generateInvoice(ALICE).orElseThrow();
    clock.set("2025-02-10T00:00:00Z");
    billing.credit(ALICE, 600, "goodwill", "g1");
    assertThat(billing.preview(ALICE)).as("a net credit makes no invoice").isEmpty();
    assertThat(billing.upcoming(ALICE)).as("500 - 600 at the renewal").isEmpty();
    assertThat(billing.unbilledBalance(ALICE)).isEqualTo(-600);
  }

  @Test
  void aPreviewBeforeTheAnchorIsNone() {
    Instant later = Instant.parse("2025-01-31T10:03:00Z"); // within the future skew
    billing.record(Activity.create("a1", ALICE, "r1", "basic", later));
    assertThat(billing.preview(ALICE)).isEmpty();
    assertThat(billing.upcoming(ALICE).orElseThrow().at()).as("at the anchor").isEqualTo(later);
  }
}
