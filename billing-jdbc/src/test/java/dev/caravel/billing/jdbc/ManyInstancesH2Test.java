package dev.caravel.billing.jdbc;

import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

class ManyInstancesH2Test extends ManyInstancesContract {
  private JdbcDataSource database;

  @Override
  void openDatabase() {
    database = Databases.newH2();
  }

  @Override
  DataSource newPool(int size) {
    return Databases.pool(database, size);
  }

  @Override
  void closeDatabase() {
    Databases.shutdownH2(database);
  }

  @Override
  int tenants() {
    return 500;
  }
}
