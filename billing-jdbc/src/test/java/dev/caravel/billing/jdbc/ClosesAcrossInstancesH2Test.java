package dev.caravel.billing.jdbc;

import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

class ClosesAcrossInstancesH2Test extends ClosesAcrossInstancesContract {
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
}
