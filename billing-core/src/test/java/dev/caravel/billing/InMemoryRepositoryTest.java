package dev.caravel.billing;

import dev.caravel.billing.testkit.RepositoryContract;

class InMemoryRepositoryTest extends RepositoryContract {
  @Override
  protected Repository newRepository() {
    return new InMemoryRepository();
  }
}
