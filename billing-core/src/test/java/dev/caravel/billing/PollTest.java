package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** S12: the host starts the poll, it bills and collects, and close() stops it. */
class PollTest {
  @Test
  void startedPollBillsAndCollectsUntilClosed() throws Exception {
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
    CountDownLatch messaged = new CountDownLatch(1);
    FakeRails.Messages messages = new FakeRails.Messages();
    Billing billing =
        Fixtures.engine(repository, clock)
            .messenger(messages)
            .pollInterval(Duration.ofMillis(20))
            .listener(
                new BillingListener() {
                  @Override
                  public void directMessageSent(Invoice invoice, String text) {
                    messaged.countDown();
                  }
                })
            .build();
    Fixtures.appendJudged(
        repository,
        Activity.create("a1", ALICE, "r1", "basic", Instant.parse("2025-01-01T00:00:00Z")));
    billing.start();
    billing.start(); // idempotent
    assertThat(messaged.await(10, TimeUnit.SECONDS)).isTrue();
    billing.close();
    assertThat(repository.invoices(ALICE)).hasSize(1);
    int before = messages.sent.size();
    // A new month: a running poll would bill it; a closed one must not.
    clock.set("2025-02-01T00:00:00Z");
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
    while (System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(repository.invoices(ALICE)).hasSize(1);
    assertThat(messages.sent).hasSize(before);
  }

  @Test
  void runCycleByHandReportsWhatItDid() {
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
    Billing billing =
        Fixtures.engine(repository, clock).messenger(new FakeRails.Messages()).build();
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    billing.record(Activity.create("b1", Fixtures.BOB, "r1", "free", clock.instant()));
    CycleReport report = billing.runCycle();
    assertThat(report.tenantsVisited()).isEqualTo(2);
    assertThat(report.invoicesCreated()).extracting(Invoice::tenant).containsExactly(ALICE);
    assertThat(report.payments()).singleElement().isInstanceOf(PaymentResult.NotPaid.class);
    assertThat(report.failures()).isZero();
  }
}
