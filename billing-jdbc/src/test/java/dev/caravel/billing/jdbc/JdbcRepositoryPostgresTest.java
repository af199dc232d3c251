package dev.caravel.billing.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.caravel.billing.spi.Repository;
import dev.caravel.billing.testkit.RepositoryContract;

class JdbcRepositoryPostgresTest extends RepositoryContract {
  private String schema;
  private HikariDataSource pool;

  @Override
  protected Repository newRepository() {
    schema = Databases.newPostgresSchema();
    pool = Databases.postgresPool(schema, THREADS);
    JdbcRepository.migrate(pool);
    return new JdbcRepository(pool);
  }

  @Override
  protected void closeRepository(Repository repository) {
    pool.close();
    Databases.dropPostgresSchema(schema);
  }
}
