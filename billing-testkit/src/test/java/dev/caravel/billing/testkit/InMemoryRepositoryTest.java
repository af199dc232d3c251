package dev.caravel.billing.testkit;

import dev.caravel.billing.memory.InMemoryRepository;
import dev.caravel.billing.spi.Repository;

/** The README's snippet: the contract kit on the reference repository. */
class InMemoryRepositoryTest extends RepositoryContract {
  @Override
  protected Repository newRepository() {
    return new InMemoryRepository();
  }
}
