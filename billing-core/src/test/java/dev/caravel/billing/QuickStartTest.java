package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

// spotless:off: the README shows this code as it is written here
/** The README's quick start, line for line, with its asserts made real. */
class QuickStartTest {
  @Test
  void quickStart() {
    var clock = new MutableClock(Instant.parse("2025-01-31T10:00:00Z"));
    var repository = new InMemoryRepository();
    var messages = new ArrayList<String>();
    Billing billing = Billing.builder()
        .repository(repository)
        .catalogue(PlanCatalogue.of(new Plan("basic", "Basic", 500), new Plan("pro", "Pro", 2000)))
        .clock(clock)
        .messenger((pubkey, text) -> messages.add(text))
        .appUrl("https://relays.example")
        .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
        .build();

    String tenant = "a".repeat(64);
    billing.record(Activity.create("evt-1", tenant, "relay-1", "basic", clock.instant()));

    clock.set(Instant.parse("2025-02-28T10:00:00Z"));
    Invoice invoice = billing.generateInvoice(tenant).orElseThrow();
    assertThat(invoice.total()).isEqualTo(1000);

    PaymentResult result = billing.collect(invoice.id());
    assertThat(result).isInstanceOf(PaymentResult.NotPaid.class);
    assertThat(messages.get(0)).contains("https://relays.example/account?invoice=" + invoice.id() + "&token=");
  }
}
// spotless:on
