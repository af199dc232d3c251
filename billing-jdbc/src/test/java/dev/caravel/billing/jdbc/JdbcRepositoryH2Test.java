package dev.caravel.billing.jdbc;

import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.testkit.RepositoryContract;
import org.h2.jdbcx.JdbcDataSource;

class JdbcRepositoryH2Test extends RepositoryContract {
  private JdbcDataSource dataSource;

  @Override
  protected Repository newRepository() {
    dataSource = Databases.newH2();
    JdbcRepository.migrate(dataSource);
    return new JdbcRepository(dataSource);
  }

  @Override
  protected void closeRepository(Repository repository) {
    Databases.shutdownH2(dataSource);
  }
}
