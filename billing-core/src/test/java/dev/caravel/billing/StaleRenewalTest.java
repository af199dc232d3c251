package dev.caravel.billing;

import static dev.caravel.billing.Fixtures.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Renewal;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.testkit.MutableClock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Another instance appends an activity dated before a period start between this engine reading the
 * log and writing the renewal: the renewal computed from the stale log must not apply.
 */
class StaleRenewalTest {

  /** Runs {@code meanwhile} once, just before the first renewal write reaches the store. */
  static final class Interleaving extends DelegatingRepository {
    private Runnable meanwhile;

    Interleaving(Repository delegate, Runnable meanwhile) {
      super(delegate);
      this.meanwhile = meanwhile;
    }

    @Override
    public int applyRenewals(List<Renewal> renewals, java.util.OptionalLong pricedWith) {
      if (meanwhile != null) {
        Runnable r = meanwhile;
        meanwhile = null;
        r.run();
      }
      return super.applyRenewals(renewals, pricedWith);
    }
  }

  @Test
  void aRenewalFromAStaleLogIsComputedAgain() {
    InMemoryRepository store = new InMemoryRepository();
    Fixtures.appendJudged(
        store, Activity.create("c", ALICE, "r1", "basic", Instant.parse("2025-01-01T00:00:00Z")));
    Repository racing =
        new Interleaving(
            store,
            () ->
                Fixtures.appendJudged(
                    store,
                    Activity.deactivate("d", ALICE, "r1", Instant.parse("2025-01-31T00:00:00Z"))));
    Billing billing = Fixtures.engine(racing, MutableClock.at("2025-02-02T00:00:00Z")).build();

    billing.generateInvoice(ALICE);
    billing.reconcile(ALICE);

    // r1 was inactive at the Feb 1 boundary: no renewal, only the creation and its credit.
    assertThat(store.items(ALICE))
        .extracting(InvoiceItem::description, InvoiceItem::amount)
        .containsExactly(
            tuple("New relay created", 500L), tuple("Relay deactivated (prorated credit)", -16L));
  }
}
