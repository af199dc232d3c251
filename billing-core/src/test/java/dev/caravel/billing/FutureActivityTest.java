package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static dev.caravel.billing.Fixtures.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Defect 5 of issue 21: an activity dated far ahead was accepted, and since a catalogue change must
 * be dated after every recorded activity, every price change and retirement was refused from then
 * on, for every tenant. An activity more than the builder's future skew (default 5 minutes) after
 * now is now refused.
 */
class FutureActivityTest {
  private static final Instant NOW = Instant.parse("2025-02-01T00:00:00Z");

  private final InMemoryRepository repository = new InMemoryRepository();
  private final MutableClock clock = new MutableClock(NOW);
  private final Billing billing = Fixtures.engine(repository, clock).build();

  private int activities(String tenant) {
    return repository.ledgers(List.of(tenant)).stream().mapToInt(l -> l.activities().size()).sum();
  }

  private void refusedAsInTheFuture(Billing engine, Activity activity, String skew) {
    assertThatThrownBy(() -> engine.record(activity))
        .isInstanceOfSatisfying(
            ActivityRejectedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(ActivityRejectedException.Reason.IN_THE_FUTURE);
              assertThat(e.getMessage())
                  .contains(activity.at().toString(), clock.instant().toString(), skew);
            });
  }

  @Test
  void defect5_anActivityInMillisecondsReadAsSecondsIsRefusedAndTheCatalogueStaysChangeable() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", NOW));
    // The host meant NOW, but handed its epoch milliseconds over as seconds: year 57,000 or so.
    Instant millisReadAsSeconds = Instant.ofEpochSecond(NOW.toEpochMilli());
    refusedAsInTheFuture(
        billing, Activity.deactivate("a2", ALICE, "r1", millisReadAsSeconds), "PT5M");
    refusedAsInTheFuture(
        billing, Activity.create("b1", BOB, "r1", "basic", millisReadAsSeconds), "PT5M");
    assertThat(activities(ALICE)).isEqualTo(1);
    assertThat(activities(BOB)).isZero();
    // Price changes and retirements still work, for every plan and so for every tenant.
    assertThat(billing.changePrice("basic", 700, NOW.plus(Duration.ofDays(1)))).isTrue();
    assertThat(billing.retirePlan("pro", NOW.plus(Duration.ofDays(1)))).isTrue();
    // And the tenant is billed as if the bad date had never come.
    clock.set(Instant.parse("2025-03-01T00:00:00Z"));
    assertThat(billing.generateInvoice(ALICE).orElseThrow().total()).isEqualTo(500 + 700);
  }

  @Test
  void anActivityAtTheLastSecondOfInstantMaxIsRefusedAndThePollGoesOn() {
    billing.record(Activity.create("a1", ALICE, "r1", "basic", NOW));
    Instant max = Instant.ofEpochSecond(Instant.MAX.getEpochSecond());
    refusedAsInTheFuture(billing, Activity.create("b1", BOB, "r1", "basic", max), "PT5M");
    refusedAsInTheFuture(billing, Activity.activate("a2", ALICE, "r1", max), "PT5M");
    clock.set(Instant.parse("2025-03-01T00:00:00Z"));
    assertThat(billing.runCycle().invoicesCreated()).hasSize(1);
  }

  @Test
  void anActivityUpToTheSkewAheadIsAcceptedAndASecondMoreIsNot() {
    assertThat(billing.record(Activity.create("a1", ALICE, "r1", "basic", NOW.plusSeconds(300))))
        .isTrue();
    refusedAsInTheFuture(
        billing, Activity.deactivate("a2", ALICE, "r1", NOW.plusSeconds(301)), "PT5M");
    assertThat(activities(ALICE)).isEqualTo(1);
  }

  @Test
  void theSkewIsABuilderSetting() {
    Billing strict = Fixtures.engine(repository, clock).futureSkew(Duration.ZERO).build();
    assertThat(strict.record(Activity.create("a1", ALICE, "r1", "basic", NOW))).isTrue();
    refusedAsInTheFuture(
        strict, Activity.create("a2", ALICE, "r2", "basic", NOW.plusSeconds(1)), "PT0S");
    Billing lenient = Fixtures.engine(repository, clock).futureSkew(Duration.ofHours(1)).build();
    assertThat(lenient.record(Activity.create("a3", ALICE, "r3", "basic", NOW.plusSeconds(3600))))
        .isTrue();
    refusedAsInTheFuture(
        lenient, Activity.create("a4", ALICE, "r4", "basic", NOW.plusSeconds(3601)), "PT1H");
  }

  @Test
  void theBuilderRefusesASkewThatIsNullNegativeOrLongerThanADay() {
    BillingBuilder builder = Fixtures.engine(repository, clock);
    assertThatThrownBy(() -> builder.futureSkew(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder.futureSkew(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("futureSkew");
    assertThatThrownBy(() -> builder.futureSkew(Duration.ofDays(1).plusSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("futureSkew");
    assertThat(builder.futureSkew(Duration.ofDays(1))).isSameAs(builder);
  }
}
