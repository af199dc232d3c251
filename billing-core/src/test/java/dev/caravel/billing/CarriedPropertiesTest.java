package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.Invoice.TaxSetting;
import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * S25 over random sequences of small charges, credits, tax settings, changes of how the tenant pays
 * and invoices generated at random moments, against a reference written here: each invoice the
 * engine makes is the one the reference makes (open or carried, net, total), every carried amount
 * is billed exactly once, and the nets of all invoices issued (carried ones included) sum to all
 * the items claimed.
 */
class CarriedPropertiesTest {
  private static final String TENANT = Fixtures.ALICE;

  /** The reference's unclaimed items: an amount, and whether it is a carried amount. */
  private record Pending(long amount, boolean carried) {}

  /** The reference's invoice: its net, its total, whether it was carried. */
  private record Expected(long net, long total, boolean carried) {}

  /** One random history; returns how many invoices were carried. */
  private static int history(long seed) {
    Random random = new Random(seed);
    long minimum = 1 + random.nextInt(400);
    InMemoryRepository repository = new InMemoryRepository();
    MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
    Billing billing =
        Fixtures.engine(repository, clock)
            .cardMinimum("usd", minimum)
            .messenger(Fixtures.UNREAD) // nothing collected; keeps the no-rail warning quiet
            .build();
    // The free plan anchors the tenant and bills nothing: only the charges below are billed.
    billing.record(Activity.create("anchor", TENANT, "r0", "free", clock.instant()));

    List<Pending> pending = new ArrayList<>();
    boolean cardOnly = false;
    int taxBps = 0;
    int carried = 0;
    Map<String, Long> carriedAmounts = new HashMap<>();
    for (int step = 0; step < 40; step++) {
      clock.advance(Duration.ofHours(1 + random.nextInt(24 * 20)));
      switch (random.nextInt(8)) {
        case 0, 1, 2 -> {
          long amount = 1 + random.nextInt(150);
          billing.charge(TENANT, amount, "charge " + step, "c" + step);
          pending.add(new Pending(amount, false));
        }
        case 3 -> {
          long amount = 1 + random.nextInt(100);
          billing.credit(TENANT, amount, "credit " + step, "k" + step);
          pending.add(new Pending(-amount, false));
        }
        case 4 -> {
          cardOnly = random.nextInt(3) > 0;
          billing.saveTenant(TENANT, null, cardOnly ? "cus_alice" : null);
        }
        case 5 -> {
          taxBps = random.nextBoolean() ? 0 : 2_000;
          billing.setTax(TENANT, new TaxSetting(taxBps, "VAT", TaxSetting.Mode.EXCLUSIVE));
        }
        default -> {
          Expected expected = reference(pending, cardOnly, taxBps, minimum);
          Invoice made = billing.generateInvoice(TENANT).orElse(null);
          if (expected == null) {
            assertThat(made).as("seed %d step %d: no invoice", seed, step).isNull();
            continue;
          }
          assertThat(made).as("seed %d step %d: an invoice", seed, step).isNotNull();
          assertThat(new Expected(made.net(), made.total(), made.isCarried()))
              .as("seed %d step %d", seed, step)
              .isEqualTo(expected);
          pending.clear();
          if (expected.carried()) {
            carried++;
            carriedAmounts.put(made.id(), expected.net());
            pending.add(new Pending(expected.net(), true));
          }
        }
      }
    }
    // Paid by hand from now on: whatever is still owed is invoiced, carried amounts included.
    billing.saveTenant(TENANT, null, null);
    billing.generateInvoice(TENANT);
    assertCarriedBilledOnce(repository, carriedAmounts, seed);
    return carried;
  }

  /**
   * The reference: the invoice generating makes now, or null. Positive net: an invoice; a card-only
   * tenant's total (net plus exclusive tax, rounded half up) below the minimum: carried, unless the
   * items are all carried amounts (they wait).
   */
  private static Expected reference(
      List<Pending> pending, boolean cardOnly, int taxBps, long minimum) {
    long net = pending.stream().mapToLong(Pending::amount).sum();
    if (net <= 0) {
      return null;
    }
    long tax = (net * taxBps * 2 + 10_000) / 20_000;
    long total = net + tax;
    boolean below = cardOnly && total < minimum;
    if (below && pending.stream().allMatch(Pending::carried)) {
      return null;
    }
    return new Expected(net, total, below);
  }

  private static void assertCarriedBilledOnce(
      InMemoryRepository repository, Map<String, Long> carriedAmounts, long seed) {
    List<InvoiceItem> items = repository.items(TENANT);
    List<Invoice> invoices = repository.invoices(TENANT);
    for (Map.Entry<String, Long> e : carriedAmounts.entrySet()) {
      List<InvoiceItem> from =
          items.stream().filter(i -> i.description().equals("Carried from " + e.getKey())).toList();
      assertThat(from).as("seed %d: one item carried from %s", seed, e.getKey()).hasSize(1);
      assertThat(from.get(0).amount()).isEqualTo(e.getValue());
      // On a later invoice, or still unclaimed when credits left nothing to invoice at the end.
      assertThat(from.get(0).invoiceId())
          .as("seed %d: %s's amount is never on the invoice it was carried from", seed, e.getKey())
          .isNotEqualTo(java.util.Optional.of(e.getKey()));
    }
    long claimed = 0;
    long unclaimed = 0;
    long charged = 0;
    for (InvoiceItem item : items) {
      if (item.invoiceId().isPresent()) {
        claimed += item.amount();
      } else {
        unclaimed += item.amount();
      }
      if (!item.isCarried()) {
        charged += item.amount();
      }
    }
    assertThat(unclaimed > 0)
        .as("seed %d: paid by hand, whatever is owed at the end was invoiced", seed)
        .isFalse();
    long issued = invoices.stream().mapToLong(Invoice::net).sum();
    assertThat(issued)
        .as("seed %d: the invoices' nets are the items claimed", seed)
        .isEqualTo(claimed);
    long owed = invoices.stream().filter(i -> !i.isCarried()).mapToLong(Invoice::net).sum();
    assertThat(owed + unclaimed)
        .as("seed %d: every charge asked for once, carried or not", seed)
        .isEqualTo(charged);
  }

  @Property(tries = 200)
  void everyCarriedAmountIsBilledExactlyOnce(@ForAll long seed) {
    history(seed);
  }

  /** The histories do carry invoices: the property is not about empty cases. */
  @Example
  void theHistoriesCarryInvoices() {
    int carried = 0;
    for (long seed = 1; seed <= 30; seed++) {
      carried += history(seed);
    }
    assertThat(carried).isGreaterThan(20);
  }
}
