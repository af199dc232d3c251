package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad input to {@link Billing#record}: each refused with a typed reason, nothing recorded. */
class RecordingTest {
  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final Billing billing = Fixtures.engine(repository, clock).build();
  private final Instant t0 = Instant.parse("2025-01-01T00:00:00Z");

  private void refused(Activity activity, ActivityRejectedException.Reason reason) {
    int before =
        repository.ledgers(java.util.List.of(ALICE)).stream()
            .mapToInt(l -> l.activities().size())
            .sum();
    assertThatThrownBy(() -> billing.record(activity))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    int after =
        repository.ledgers(java.util.List.of(ALICE)).stream()
            .mapToInt(l -> l.activities().size())
            .sum();
    assertThat(after).isEqualTo(before);
  }

  @Test
  void unknownPlanIsRefused() {
    refused(
        Activity.create("a1", ALICE, "r1", "gold", t0),
        ActivityRejectedException.Reason.UNKNOWN_PLAN);
    assertThat(repository.findTenant(ALICE)).isEmpty();
  }

  @Test
  void unknownRelayIsRefused() {
    refused(
        Activity.activate("a1", ALICE, "r1", t0), ActivityRejectedException.Reason.UNKNOWN_RELAY);
  }

  @Test
  void secondCreateIsRefused() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", t0));
    refused(
        Activity.create("a2", ALICE, "r1", "pro", t0.plusSeconds(5)),
        ActivityRejectedException.Reason.RELAY_EXISTS);
  }

  @Test
  void timeGoingBackwardsIsRefused() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", t0.plusSeconds(10)));
    refused(
        Activity.create("a2", ALICE, "r2", "basic", t0.plusSeconds(9)),
        ActivityRejectedException.Reason.OUT_OF_ORDER);
  }

  @Test
  void activityInsideAPeriodAlreadyRenewedIsRefused() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", t0));
    clock.set("2025-02-05T00:00:00Z");
    billing.generateInvoice(ALICE); // renews period 1, which starts Feb 1
    refused(
        Activity.deactivate("a2", ALICE, "r1", Instant.parse("2025-01-31T00:00:00Z")),
        ActivityRejectedException.Reason.PERIOD_ALREADY_BILLED);
    assertThat(
            billing.record(
                Activity.deactivate("a3", ALICE, "r1", Instant.parse("2025-02-01T00:00:00Z"))))
        .isTrue();
  }

  @Test
  void recordingTheSameActivityAgainChangesNothing() {
    Activity a = Activity.create("a1", ALICE, "r1", "basic", t0);
    assertThat(billing.record(a)).isTrue();
    assertThat(billing.record(a)).isFalse();
    assertThat(repository.items(ALICE)).hasSize(1);
    refused(
        Activity.create("a1", ALICE, "r1", "pro", t0),
        ActivityRejectedException.Reason.CONFLICTING_ID);
  }

  @Test
  void malformedValuesAreRefusedWhenBuilt() {
    assertThatThrownBy(() -> Activity.create("a1", "not-a-key", "r1", "basic", t0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("64 lowercase hex");
    assertThatThrownBy(() -> Activity.create("a1", ALICE, "r1", null, t0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("needs a plan");
    assertThatThrownBy(() -> Activity.create("a1", ALICE, " ", "basic", t0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("relay id");
    assertThatThrownBy(() -> Activity.create("a1", ALICE, "r1", "basic", t0.plusMillis(1)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("whole seconds");
    assertThatThrownBy(() -> new Plan("p", "P", -1)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> PlanCatalogue.of(Fixtures.BASIC, Fixtures.BASIC))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> ActivityType.fromWireName("delete_relay"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("delete_relay");
  }

  @Test
  void theBuilderRefusesAnIncompleteSetup() {
    assertThatThrownBy(
            () -> Billing.builder().catalogue(Fixtures.CATALOGUE).appUrl("https://x").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("repository");
    assertThatThrownBy(
            () ->
                Fixtures.engine(repository, clock)
                    .serviceWallet(new FakeRails.ServiceWallet())
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Lightning needs");
    // a setter refuses a bad argument when it is called, not at build()
    assertThatThrownBy(() -> Billing.builder().repository(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("repository");
    assertThatThrownBy(() -> Billing.builder().pageSize(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Billing.builder().leaseTtl(java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Billing.builder().appUrl("relays.example"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                Billing.builder()
                    .retrySchedule(
                        List.of(java.time.Duration.ofDays(3), java.time.Duration.ofDays(1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("increase");
  }
}
