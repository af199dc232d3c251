package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The worked example in the README, figure for figure. If this fails, the README is wrong. */
class ReadmeExampleTest {
  @Test
  void anchorOnJan31ThroughALeapFebruary() {
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = MutableClock.at("2024-01-31T10:00:00Z");
    Billing billing =
        Billing.builder()
            .repository(repository)
            .catalogue(
                PlanCatalogue.of(new Plan("basic", "Basic", 500), new Plan("pro", "Pro", 2000)))
            .clock(clock)
            .appUrl("https://relays.example")
            .invoiceNumbers(n -> "inv-" + n)
            .build();

    clock.set("2024-01-31T10:00:00Z");
    billing.record(Activity.create("1", ALICE, "r1", "basic", clock.instant()));
    clock.set("2024-02-14T22:00:00Z");
    billing.record(Activity.update("2", ALICE, "r1", "pro", clock.instant()));
    clock.set("2024-02-15T00:00:00Z");
    Invoice first = billing.generateInvoice(ALICE).orElseThrow();
    assertThat(first.total()).isEqualTo(1250);
    assertThat(first.periodStart()).isEqualTo("2024-01-31T10:00:00Z");
    assertThat(first.periodEnd()).isEqualTo("2024-02-29T10:00:00Z");

    clock.set("2024-03-10T10:00:00Z");
    billing.record(Activity.deactivate("3", ALICE, "r1", clock.instant()));
    clock.set("2024-03-20T10:00:00Z");
    billing.record(Activity.activate("4", ALICE, "r1", clock.instant()));
    clock.set("2024-05-05T00:00:00Z"); // billing did not run from Feb 15 to May 5
    Invoice second = billing.generateInvoice(ALICE).orElseThrow();

    assertThat(repository.invoiceItems(first.id()))
        .extracting(InvoiceItem::at, InvoiceItem::description, InvoiceItem::amount)
        .containsExactly(
            tuple(Instant.parse("2024-01-31T10:00:00Z"), "New relay created", 500L),
            tuple(Instant.parse("2024-02-14T22:00:00Z"), "Plan changed from Basic to Pro", 750L));
    assertThat(repository.invoiceItems(second.id()))
        .extracting(InvoiceItem::at, InvoiceItem::description, InvoiceItem::amount)
        .containsExactly(
            tuple(Instant.parse("2024-02-29T10:00:00Z"), "Subscription renewal", 2000L),
            tuple(
                Instant.parse("2024-03-10T10:00:00Z"),
                "Relay deactivated (prorated credit)",
                -1355L),
            tuple(Instant.parse("2024-03-20T10:00:00Z"), "Relay reactivated", 710L),
            tuple(Instant.parse("2024-03-31T10:00:00Z"), "Subscription renewal", 2000L),
            tuple(Instant.parse("2024-04-30T10:00:00Z"), "Subscription renewal", 2000L));
    assertThat(second.total()).isEqualTo(5355);
    assertThat(second.periodStart()).isEqualTo("2024-04-30T10:00:00Z");
    assertThat(second.periodEnd()).isEqualTo("2024-05-31T10:00:00Z");
  }
}
