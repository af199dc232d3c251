package dev.caravel.billing.testkit;

import dev.caravel.billing.spi.InMemoryRepository;
import dev.caravel.billing.spi.Repository;

class InMemoryRepositoryTest extends RepositoryContract {
  @Override
  protected Repository newRepository() {
    return new InMemoryRepository();
  }
}
