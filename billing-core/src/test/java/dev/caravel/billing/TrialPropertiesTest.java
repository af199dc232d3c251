package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * S20's property, against a reference written here: for any trial length and any activity during
 * the trial, billed at any moments, nothing is billed before the anchor, and the first invoice
 * holds exactly one "First period after trial" item per relay active at the anchor on a paid plan,
 * of its plan's full price, and nothing else.
 */
class TrialPropertiesTest {
  private static final List<Plan> PLANS =
      List.of(
          new Plan("free", "Free", 0),
          new Plan("basic", "Basic", 500),
          new Plan("quarter", "Quarterly", 1_400, 3),
          new Plan("year", "Yearly", 5_000, 12));

  /** The reference: each relay's state folded by hand, activity by activity (S4). */
  private record Relay(boolean active, String plan) {}

  @Property(tries = 300)
  void nothingIsBilledBeforeTheAnchorAndTheFirstInvoiceIsTheFullFirstTermOfEachActiveRelay(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 365) int days,
      @ForAll @IntRange(min = 0, max = 20) int steps) {
    Random random = new Random(seed);
    Instant first =
        LocalDateTime.of(
                2024 + random.nextInt(3), 1 + random.nextInt(12), 1 + random.nextInt(28), 0, 0)
            .toInstant(ZoneOffset.UTC)
            .plusSeconds(random.nextInt(86_400));
    Instant anchor = first.plus(Duration.ofDays(days));
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = new MutableClock(first);
    Billing billing =
        Billing.builder()
            .repository(repository)
            .catalogue(PlanCatalogue.of(PLANS.toArray(Plan[]::new)))
            .clock(clock)
            .appUrl("https://relays.example")
            .linkSecret("dGVzdC1vbmx5IGludm9pY2UgbGluayBzZWNyZXQsIDMyKyBieXRlcw==")
            .messenger(Fixtures.UNREAD)
            .build();
    billing.startTrial(ALICE, days);

    Map<String, Relay> reference = new TreeMap<>();
    String firstPlan = plan(random);
    billing.record(Activity.create("c0", ALICE, "r0", firstPlan, first));
    reference.put("r0", new Relay(true, firstPlan));
    long room = Duration.between(first, anchor).getSeconds();
    for (int i = 1; i <= steps; i++) {
      // Strictly before the anchor, in order: the trial's activity.
      Instant at = clock.instant().plusSeconds(random.nextLong(Math.max(1, room / (steps + 1))));
      if (!at.isBefore(anchor)) {
        break;
      }
      clock.set(at);
      List<String> relays = new ArrayList<>(reference.keySet());
      String relay = relays.get(random.nextInt(relays.size()));
      Relay state = reference.get(relay);
      switch (random.nextInt(5)) {
        case 0 -> {
          String plan = plan(random);
          billing.record(Activity.create("c" + i, ALICE, "r" + i, plan, at));
          reference.put("r" + i, new Relay(true, plan));
        }
        case 1 -> {
          billing.record(Activity.deactivate("d" + i, ALICE, relay, at));
          reference.put(relay, new Relay(false, state.plan()));
        }
        case 2 -> {
          billing.record(Activity.activate("a" + i, ALICE, relay, at));
          reference.put(relay, new Relay(true, state.plan()));
        }
        case 3 -> {
          String plan = plan(random);
          billing.record(Activity.update("u" + i, ALICE, relay, plan, at));
          reference.put(relay, new Relay(state.active(), plan));
        }
        default -> {
          if (random.nextBoolean()) {
            billing.generateInvoice(ALICE);
          } else {
            billing.runCycle();
          }
        }
      }
      assertThat(repository.items(ALICE)).as("nothing billed before the anchor").isEmpty();
      assertThat(billing.invoices(ALICE)).isEmpty();
    }
    clock.set(anchor.minusSeconds(1));
    assertThat(billing.generateInvoice(ALICE)).isEmpty();
    assertThat(repository.items(ALICE)).isEmpty();

    clock.set(anchor);
    Optional<Invoice> invoice = billing.generateInvoice(ALICE);
    Map<String, Long> expected = new TreeMap<>();
    reference.forEach(
        (relay, state) -> {
          long price = price(state.plan());
          if (state.active() && price > 0) {
            expected.put(relay, price);
          }
        });
    Map<String, Long> billed = new TreeMap<>();
    for (InvoiceItem item : repository.items(ALICE)) {
      assertThat(item.description()).isEqualTo("First period after trial");
      assertThat(item.at()).isEqualTo(anchor);
      assertThat(billed.put(item.relay(), item.amount())).as("one item a relay").isNull();
    }
    assertThat(billed).isEqualTo(expected);
    long total = expected.values().stream().mapToLong(Long::longValue).sum();
    if (total == 0) {
      assertThat(invoice).isEmpty();
    } else {
      assertThat(invoice.orElseThrow().total()).isEqualTo(total);
      assertThat(invoice.get().periodStart()).isEqualTo(anchor);
      assertThat(billing.invoiceItems(invoice.get().id())).hasSize(expected.size());
    }
    assertThat(billing.events(0, 1_000))
        .filteredOn(e -> e.type() == BillingEvent.Type.TRIAL_ENDED)
        .singleElement()
        .satisfies(e -> assertThat(e.amount()).isEqualTo(total));
    assertThat(billing.events(0, 1_000))
        .filteredOn(e -> e.type() == BillingEvent.Type.TRIAL_ENDING)
        .hasSize(1);
  }

  private static String plan(Random random) {
    return PLANS.get(random.nextInt(PLANS.size())).id();
  }

  private static long price(String plan) {
    return PLANS.stream().filter(p -> p.id().equals(plan)).findFirst().orElseThrow().amount();
  }
}
