package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 26, item 1: an engine with no payment rail and no messenger says so once, at build, and
 * does not count the rounds it cannot run against the tenant: nobody falls past due because the
 * host wired nothing.
 */
class NothingWiredTest {
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final InMemoryRepository repository = new InMemoryRepository();

  /** The engine logs through System.Logger, which is java.util.logging here; held strongly. */
  private final Logger log = Logger.getLogger(Billing.class.getName());

  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void listen() {
    log.addHandler(capture);
  }

  @AfterEach
  void stopListening() {
    log.removeHandler(capture);
  }

  private List<String> warnings() {
    return records.stream()
        .filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
        .map(LogRecord::getMessage)
        .toList();
  }

  @Test
  void anEngineWithNoRailAndNoMessengerWarnsOnceAtBuildNamingWhatIsMissing() {
    Billing billing = Fixtures.engine(repository, clock).build();
    assertThat(warnings())
        .singleElement()
        .asString()
        .contains("no Lightning")
        .contains("no card (paymentGateway)")
        .contains("no messenger")
        .contains("never reach tenants");

    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    clock.advance(Duration.ofDays(40));
    billing.runCycle();
    billing.runCycle();
    assertThat(warnings()).as("once, not per cycle").hasSize(1);
  }

  @Test
  void anyRailOrAMessengerIsAWayToReachTenantsAndNothingIsLogged() {
    Fixtures.engine(repository, clock).messenger(Fixtures.UNREAD).build();
    Fixtures.engine(repository, clock).paymentGateway(new FakeRails.Gateway()).build();
    FakeRails.ServiceWallet wallet = new FakeRails.ServiceWallet(clock);
    Fixtures.engine(repository, clock)
        .serviceWallet(wallet)
        .walletConnector(new FakeRails.Connector(wallet))
        .exchangeRates(FakeRails.RATES)
        .cipher(SecretCipher.aesGcm(new byte[32]))
        .build();
    assertThat(warnings()).isEmpty();
  }

  @Test
  void aTenantWithNoRailAndNoMessengerStaysGoodAfterRounds() {
    Billing billing = Fixtures.engine(repository, clock).build();
    billing.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    String first = billing.generateInvoice(ALICE).orElseThrow().id();

    assertThat(billing.collect(first))
        .isEqualTo(
            new PaymentResult.NotPaid(
                first,
                java.util.Optional.of(PaymentCascade.NOTHING_WIRED),
                false,
                java.util.Optional.of(clock.instant())));
    for (int day = 0; day < 60; day++) {
      clock.advance(Duration.ofDays(1));
      billing.runCycle();
      assertThat(billing.standing(ALICE)).isEqualTo(Standing.GOOD);
    }
    assertThat(billing.invoices(ALICE)).as("invoices are still made").hasSizeGreaterThan(1);
    assertThat(repository.collectionState(first).orElseThrow().rounds())
        .as("no round was counted")
        .isZero();
    assertThat(billing.events(0, 1000))
        .noneMatch(e -> e.type() == BillingEvent.Type.STANDING_CHANGED);
  }

  @Test
  void onceAMessengerIsWiredTheInvoicesFirstRoundRunsAndCounts() {
    Billing unwired = Fixtures.engine(repository, clock).build();
    unwired.record(Activity.create("a1", ALICE, "r1", "basic", clock.instant()));
    String id = unwired.generateInvoice(ALICE).orElseThrow().id();
    unwired.runCycle();

    FakeRails.Messages messages = new FakeRails.Messages();
    Billing wired = Fixtures.engine(repository, clock).messenger(messages).build();
    wired.runCycle();
    assertThat(messages.sent).singleElement().satisfies(m -> assertThat(m.text()).contains(id));
    assertThat(repository.collectionState(id).orElseThrow().rounds()).isEqualTo(1);
    assertThat(wired.standing(ALICE)).as("asked and unpaid").isEqualTo(Standing.PAST_DUE);
  }
}
