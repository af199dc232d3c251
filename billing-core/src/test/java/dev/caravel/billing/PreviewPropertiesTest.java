package dev.caravel.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.testkit.PreviewAgreement;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * S23 on the in-memory storage: over random histories, a preview is the invoice generating makes
 * right after it, and the upcoming invoice the one generating makes at the next period's start,
 * when nothing happens in between ({@link PreviewAgreement} drives the history and compares).
 */
class PreviewPropertiesTest {
  @Property(tries = 300)
  void previewAndUpcomingEqualWhatGeneratingThenMakes(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 60) int steps) {
    PreviewAgreement.check(new InMemoryRepository(), seed, steps);
  }

  /** The property compares invoices, not only empty previews with no invoice. */
  @Example
  void theHistoriesMakeInvoicesToCompare() {
    int compared = 0;
    int carried = 0;
    for (long seed = 1; seed <= 40; seed++) {
      PreviewAgreement.Compared run = PreviewAgreement.compare(new InMemoryRepository(), seed, 40);
      compared += run.invoices();
      carried += run.carried();
    }
    assertThat(compared).isGreaterThan(100);
    assertThat(carried).as("invoices carried below the card minimum (S25)").isGreaterThan(2);
  }
}
