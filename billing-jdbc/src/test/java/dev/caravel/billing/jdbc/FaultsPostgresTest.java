package dev.caravel.billing.jdbc;

import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

class FaultsPostgresTest extends FaultsContract {
  private final List<String> schemas = new ArrayList<>();

  @Override
  DataSource newDatabase() {
    String schema = Databases.newPostgresSchema();
    schemas.add(schema);
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(Databases.postgres().getJdbcUrl("postgres", "postgres"));
    ds.setCurrentSchema(schema);
    return ds;
  }

  @Override
  void closeDatabases() {
    schemas.forEach(Databases::dropPostgresSchema);
  }
}
